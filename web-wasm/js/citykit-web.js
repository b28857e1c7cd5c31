// The page's side of the CityKit SDK in a Worker: starts citykit-worker.js and forwards calls
// to it by postMessage, each answered with a Promise. The same sub-clients as every face:
//
//   const ck = await CityKitWorker.open('enterprise', keyHex, platform); // or openWrapped(name, platform)
//   const { authorization_url } = await ck.identity.startLogin();       // then location.assign(it)
//   await ck.identity.completeLogin(location.href);                     // back on the redirect
//   const hits = await ck.catalogue.search('社保', 20);
//   const off = ck.on('inbox', (change) => render(change.unread_count));
//
// Errors are `Error`s with the one error shape (code, domain, message, messageZh, details).
// Personal values (names, ID numbers, licence claims) arrive as `Personal`: `toJSON()` and
// `toString()` print a redaction; `expose()` gives the value where it is shown to its owner.
// This file converts and forwards; every rule lives in the core.

const REDACTED = '‹redacted›';

/** A piece of personal data: redacted when printed or serialised; read it with `expose()`. */
export class Personal {
  #value;
  constructor(value) { this.#value = value; }
  expose() { return this.#value; }
  toJSON() { return REDACTED; }
  toString() { return REDACTED; }
  [Symbol.for('nodejs.util.inspect.custom')]() { return REDACTED; }
}

function revive(value) {
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '__citykitPersonal') return new Personal(revive(value.__citykitPersonal));
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = revive(v);
    return out;
  }
  return value;
}

/** The sub-clients, each a proxy whose methods forward to the Worker's WebClient. */
const SUB_CLIENTS = ['identity', 'wallet', 'catalogue', 'autofill', 'cases', 'envelopes', 'recommend', 'push'];
/** What `on(event, …)` watches. */
const WATCHES = { loginState: 'identity.watchLoginState', inbox: 'cases.watchInbox' };

export class CityKitWorker {
  #worker;
  #pending = new Map();
  #listeners = new Map();
  #next = 1;

  /** Starts the worker (the package's citykit-worker.js unless `workerUrl` is given). */
  constructor(workerUrl = new URL('./citykit-worker.js', import.meta.url)) {
    this.#worker = new Worker(workerUrl, { type: 'module' });
    this.#worker.onmessage = ({ data: { id, ok, value, error, watch } }) => {
      if (watch !== undefined) {
        const listener = this.#listeners.get(watch);
        if (listener) listener(revive(value));
        return;
      }
      const pending = this.#pending.get(id);
      if (!pending) return;
      this.#pending.delete(id);
      if (ok) pending.resolve(revive(value));
      else pending.reject(Object.assign(new Error(error.message), error));
    };
    this.#worker.onerror = (event) => {
      const error = new Error(`the CityKit worker failed: ${event.message ?? 'unknown error'}`);
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
    for (const name of SUB_CLIENTS) {
      this[name] = new Proxy({}, { get: (_, method) => (typeof method === 'string' && method !== 'then')
        ? (...args) => this.call(`${name}.${method}`, ...args) : undefined });
    }
  }

  /** A worker with the persisted store `name` open with the page's key (see `open`). */
  static async open(name, keyHex, platform, workerUrl) {
    const ck = new CityKitWorker(workerUrl);
    try { await ck.open(name, keyHex, platform); } catch (e) { ck.terminate(); throw e; }
    return ck;
  }

  /** A worker with the persisted store `name` open with the key the SDK keeps (see `openWrapped`). */
  static async openWrapped(name, platform, workerUrl) {
    const ck = new CityKitWorker(workerUrl);
    try { await ck.openWrapped(name, platform); } catch (e) { ck.terminate(); throw e; }
    return ck;
  }

  #send(op, args) {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, op, args });
    });
  }

  /** Opens the persisted store `name` with the page's raw key (64 hex digits) and the provider
   * `platform` ({issuer, client_id, redirect_uri}; optional): `{openMs}` as the worker measured it. */
  open(name, keyHex, platform) { return this.#send('open', [name, keyHex, platform]); }
  /** Opens the persisted store `name` with a key the SDK keeps wrapped by a non-extractable
   * WebCrypto key in IndexedDB (created on first use): `{openMs}`. */
  openWrapped(name, platform) { return this.#send('openWrapped', [name, platform]); }
  /** Opens an encrypted in-memory store instead (gone with the worker). */
  openInMemory(keyHex, platform) { return this.#send('openInMemory', [keyHex, platform]); }
  /** Calls a client method ("put", "get", "schemaVersion") or a sub-client's ("catalogue.search"). */
  call(method, ...args) { return this.#send('call', [method, ...args]); }
  /** Calls `listener` with each `'loginState'` or `'inbox'` change (the current one first);
   * resolves to a function that stops it. */
  async on(event, listener) {
    const method = WATCHES[event];
    if (!method) throw new TypeError(`no such event: ${event}`);
    const watch = this.#next++;
    this.#listeners.set(watch, listener);
    try { await this.#send('watch', [watch, method]); } catch (e) { this.#listeners.delete(watch); throw e; }
    return () => { this.#listeners.delete(watch); return this.#send('unwatch', [watch]); };
  }
  /** Closes the client (the store's connection, the watches) and keeps the worker. */
  close() { this.#listeners.clear(); return this.#send('close', []); }
  /** Stops the worker; calls still waiting are rejected. */
  terminate() {
    this.#worker.terminate();
    this.#listeners.clear();
    for (const pending of this.#pending.values()) pending.reject(new Error('the CityKit worker was terminated'));
    this.#pending.clear();
  }
}
