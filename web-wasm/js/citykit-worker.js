// The dedicated Worker the CityKit SDK runs in for a page (module worker; started by
// citykit-web.js, next to citykit_wasm.js in the package). It only forwards: each message
// {id, op, args} calls the WebClient and answers {id, ok, value} or {id, ok: false, error} with
// the one error shape (code, domain, message, messageZh, details); a watch posts
// {watch, value} for each change. The persisted store (OPFS sync-access-handle pool) exists
// only here: a page cannot open it on its main thread. Personal values cross to the page as
// {__citykitPersonal: value}, which the page's side wraps in its own redacting Personal.
import init, { WebClient, Personal } from './citykit_wasm.js';

const ready = init();
let client = null;
const watches = new Map();

// A result as the structured clone the page receives: wasm Personal objects become markers.
function cloneable(value) {
  if (value instanceof Personal) {
    const inner = value.expose();
    value.free();
    return { __citykitPersonal: cloneable(inner) };
  }
  if (Array.isArray(value)) return value.map(cloneable);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = cloneable(v);
    return out;
  }
  return value;
}

// `method` is a WebClient method ("put") or a sub-client's ("identity.startLogin").
async function call(method, args) {
  if (!client) throw Object.assign(new Error('the store is closed'), { code: 'store.closed', domain: 'store' });
  const path = String(method).split('.');
  if (path.length > 2) throw new TypeError(`no such method: ${method}`);
  let target = client;
  let sub = null;
  if (path.length === 2) {
    if (typeof client[path[0]] !== 'function') throw new TypeError(`no such method: ${method}`);
    target = sub = client[path[0]]();
  }
  try {
    const fn = target[path[path.length - 1]];
    if (typeof fn !== 'function' || path[path.length - 1] === 'free') throw new TypeError(`no such method: ${method}`);
    return await fn.apply(target, args);
  } finally {
    if (sub && typeof sub.free === 'function') sub.free();
  }
}

const ops = {
  // Opens the persisted store `name` (a client already open in this worker is closed first).
  async open(name, keyHex, platform) {
    close();
    const started = performance.now();
    client = await WebClient.open(name, keyHex, platform ?? undefined);
    return { openMs: performance.now() - started };
  },
  // Opens the persisted store `name` with the key the SDK keeps wrapped in IndexedDB.
  async openWrapped(name, platform) {
    close();
    const started = performance.now();
    client = await WebClient.openWrapped(name, platform ?? undefined);
    return { openMs: performance.now() - started };
  },
  async openInMemory(keyHex, platform) {
    close();
    client = await WebClient.openInMemory(keyHex, platform ?? undefined);
    return {};
  },
  async call(method, ...args) {
    return cloneable(await call(method, args));
  },
  // Starts a watch ("identity.watchLoginState" or "cases.watchInbox") numbered `watch`.
  async watch(watch, method) {
    if (!['identity.watchLoginState', 'cases.watchInbox'].includes(method)) throw new TypeError(`no such watch: ${method}`);
    const subscription = await call(method, [(value) => self.postMessage({ watch, value: cloneable(value) })]);
    watches.set(watch, subscription);
  },
  async unwatch(watch) {
    const subscription = watches.get(watch);
    watches.delete(watch);
    if (subscription) subscription.free();
  },
  async close() { close(); },
};

function close() {
  for (const subscription of watches.values()) subscription.free();
  watches.clear();
  if (client) { client.free(); client = null; }
}

self.onmessage = async ({ data: { id, op, args } }) => {
  try {
    await ready;
    if (!Object.hasOwn(ops, op)) throw new TypeError(`no such operation: ${op}`);
    self.postMessage({ id, ok: true, value: await ops[op](...(args || [])) });
  } catch (e) {
    const error = { name: e?.name, message: String(e?.message ?? e) };
    for (const key of ['code', 'domain', 'messageZh', 'details']) if (e && e[key] !== undefined) error[key] = e[key];
    self.postMessage({ id, ok: false, error });
  }
};
