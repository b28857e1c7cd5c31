// The page's side of the CityKit SDK in a Worker: starts citykit-worker.js and forwards calls
// to it by postMessage, each answered with a Promise. Errors are `Error`s with the one error
// shape (code, domain, message, messageZh, details), as in the worker.
//
//   const ck = await CityKitWorker.open('citizen', keyHex);   // the persisted store (OPFS)
//   await ck.call('put', 'notes', 'n1', JSON.stringify({...}));
//   const hits = await ck.call('catalogue.search', '社保', 20);
//   ck.terminate();
export class CityKitWorker {
  #worker;
  #pending = new Map();
  #next = 1;

  /** Starts the worker (the package's citykit-worker.js unless `workerUrl` is given). */
  constructor(workerUrl = new URL('./citykit-worker.js', import.meta.url)) {
    this.#worker = new Worker(workerUrl, { type: 'module' });
    this.#worker.onmessage = ({ data: { id, ok, value, error } }) => {
      const pending = this.#pending.get(id);
      if (!pending) return;
      this.#pending.delete(id);
      if (ok) pending.resolve(value);
      else pending.reject(Object.assign(new Error(error.message), error));
    };
    this.#worker.onerror = (event) => {
      const error = new Error(`the CityKit worker failed: ${event.message ?? 'unknown error'}`);
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
  }

  /** A worker with the persisted store `name` open (see `open`). */
  static async open(name, keyHex, workerUrl) {
    const ck = new CityKitWorker(workerUrl);
    try { await ck.open(name, keyHex); } catch (e) { ck.terminate(); throw e; }
    return ck;
  }

  #send(op, args) {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, op, args });
    });
  }

  /** Opens the persisted store `name` with a raw key (64 hex digits): `{openMs}` as the worker measured it. */
  open(name, keyHex) { return this.#send('open', [name, keyHex]); }
  /** Opens an encrypted in-memory store instead (gone with the worker). */
  openInMemory(keyHex) { return this.#send('openInMemory', [keyHex]); }
  /** Calls a client method ("put", "get", "schemaVersion") or a sub-client's ("catalogue.search"). */
  call(method, ...args) { return this.#send('call', [method, ...args]); }
  /** Closes the client (the store's connection) and keeps the worker. */
  close() { return this.#send('close', []); }
  /** Stops the worker; calls still waiting are rejected. */
  terminate() {
    this.#worker.terminate();
    for (const pending of this.#pending.values()) pending.reject(new Error('the CityKit worker was terminated'));
    this.#pending.clear();
  }
}
