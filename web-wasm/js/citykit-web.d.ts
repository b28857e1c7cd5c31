// Declarations of citykit-web.js (the page's side of the SDK in a Worker). The sub-clients'
// methods are the wasm face's own (citykit_wasm.d.ts, whose records tsify declares from the
// core's types), each answered through the Worker as a Promise: nothing is restated here.
import type {
  WebClient, WebIdentityClient, WebWalletClient, WebCatalogueClient, WebAutofillClient, WebCasesClient,
  WebRecommendClient, WebPushClient, WebEnvelopeClient, WebPlatform, LoginState, InboxChange,
} from './citykit_wasm.js';

/** An error with the one error shape, as every CityKit face raises it. */
export interface CityKitError extends Error {
  code?: string;
  domain?: string;
  messageZh?: string;
  details?: string;
}

/** A piece of personal data: `toJSON()`/`toString()` print a redaction; `expose()` reads it. */
export declare class Personal {
  expose(): any;
  toJSON(): string;
  toString(): string;
}

type Callbacks = 'free' | 'watchLoginState' | 'watchInbox' | typeof Symbol.dispose;
/** A wasm sub-client as the page reaches it through the Worker: every method a Promise. */
export type Remote<T> = {
  [K in Exclude<keyof T, Callbacks>]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

export interface CityKitEvents {
  loginState: LoginState;
  inbox: InboxChange;
}

export declare class CityKitWorker {
  constructor(workerUrl?: string | URL);
  static open(name: string, keyHex: string, platform?: WebPlatform, workerUrl?: string | URL): Promise<CityKitWorker>;
  static openWrapped(name: string, platform?: WebPlatform, workerUrl?: string | URL): Promise<CityKitWorker>;
  readonly identity: Remote<WebIdentityClient>;
  readonly wallet: Remote<WebWalletClient>;
  readonly catalogue: Remote<WebCatalogueClient>;
  readonly autofill: Remote<WebAutofillClient>;
  readonly cases: Remote<WebCasesClient>;
  readonly envelopes: Remote<WebEnvelopeClient>;
  readonly recommend: Remote<WebRecommendClient>;
  readonly push: Remote<WebPushClient>;
  open(name: string, keyHex: string, platform?: WebPlatform): Promise<{ openMs: number }>;
  openWrapped(name: string, platform?: WebPlatform): Promise<{ openMs: number }>;
  openInMemory(keyHex: string, platform?: WebPlatform): Promise<{}>;
  call(method: string, ...args: unknown[]): Promise<any>;
  on<E extends keyof CityKitEvents>(event: E, listener: (value: CityKitEvents[E]) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
  terminate(): void;
}
export type { WebClient };
