// Declarations of citykit-web.js (the page's side of the SDK in a Worker).
/** An error with the one error shape, as every CityKit face raises it. */
export interface CityKitError extends Error {
  code?: string;
  domain?: string;
  messageZh?: string;
  details?: string;
}
export declare class CityKitWorker {
  constructor(workerUrl?: string | URL);
  static open(name: string, keyHex: string, workerUrl?: string | URL): Promise<CityKitWorker>;
  open(name: string, keyHex: string): Promise<{ openMs: number }>;
  openInMemory(keyHex: string): Promise<{}>;
  call(method: string, ...args: unknown[]): Promise<any>;
  close(): Promise<void>;
  terminate(): void;
}
