// The dedicated Worker the CityKit SDK runs in for a page (module worker; started by
// citykit-web.js, next to citykit_wasm.js in the package). It only forwards: each message
// {id, op, args} calls the WebClient and answers {id, ok, value} or {id, ok: false, error} with
// the one error shape (code, domain, message, messageZh, details). The persisted store (OPFS
// sync-access-handle pool) exists only here: a page cannot open it on its main thread.
import init, { WebClient } from './citykit_wasm.js';

const ready = init();
let client = null;

const ops = {
  // Opens the persisted store `name` (a client already open in this worker is closed first).
  async open(name, keyHex) {
    close();
    const started = performance.now();
    client = await WebClient.open(name, keyHex);
    return { openMs: performance.now() - started };
  },
  async openInMemory(keyHex) {
    close();
    client = await WebClient.openInMemory(keyHex);
    return {};
  },
  // `method` is a WebClient method ("put") or a sub-client's ("catalogue.search").
  async call(method, ...args) {
    if (!client) throw Object.assign(new Error('the store is closed'), { code: 'store.closed', domain: 'store' });
    const path = String(method).split('.');
    let target = client;
    for (const part of path.slice(0, -1)) target = target[part]();
    const fn = target[path[path.length - 1]];
    if (typeof fn !== 'function') throw new TypeError(`no such method: ${method}`);
    return await fn.apply(target, args);
  },
  async close() { close(); },
};

function close() {
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
