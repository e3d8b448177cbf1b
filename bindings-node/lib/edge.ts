/**
 * The edge entry of `send0`: what the package's `workerd`, `edge-light`, `worker`, `browser` and
 * `deno` export conditions resolve to. The same `Send0.webhooks.verify` / `verifyRaw` / `explain` /
 * `sign`, with the same results and errors as the Node entry, over the core's WebAssembly build. The
 * API client needs Node: its classes exist so that importing them works, and constructing one throws.
 *
 * This module does not load the WebAssembly itself: edge-entry.ts gets the compiled module the
 * way the runtime allows and calls `createEdge`, which also serves code that compiles the module
 * itself (send0-wasm exports `send0.wasm`).
 */

import { InvalidArgumentError } from './errors.js';
import { WasmCore } from './wasm-core.js';
import { createWebhooks, type Webhooks } from './webhooks-core.js';

export * from './errors.js';
export type * from './events.js';
export type { WebhookBody, WebhookHeaders, VerifyOptions, Webhooks, WebhookExplanation, Diagnosis, DiagnosisCode } from './webhooks-core.js';

const NODE_ONLY =
  'the send0 API client needs the Node runtime (Node.js 18 or newer, or Bun or Deno with npm packages): it runs on the ' +
  "core's Node-API build. This entry, for edge runtimes and browsers, has the webhook helpers only: " +
  'Send0.webhooks.verify, verifyRaw, explain and sign';

const utf8 = new TextEncoder();

/** What an edge entry exports once the WebAssembly module is compiled. */
export interface Edge {
  webhooks: Webhooks<Uint8Array>;
  /** `Send0.webhooks` works; `new Send0()` throws (the client needs Node). */
  Send0: { readonly webhooks: Webhooks<Uint8Array>; new (...args: unknown[]): never };
  /** The package's version (the core's, which is the same). */
  VERSION: string;
  /** For the SDK's own tests: a panic inside the core. */
  _testOnlyPanic(): void;
}

/** A class of the client that cannot be made here: constructing it says why. */
function nodeOnly(name: string): new (...args: unknown[]) => never {
  return {
    [name]: class {
      constructor() {
        throw new InvalidArgumentError(NODE_ONLY, 'invalid_argument');
      }
    },
  }[name] as unknown as new (...args: unknown[]) => never;
}

export const WebhooksResource = nodeOnly('WebhooksResource');
export const Page = nodeOnly('Page');
export const PagePromise = nodeOnly('PagePromise');

/**
 * The helpers over `module`: a WebAssembly.Module of the core (send0-wasm's `send0.wasm`), for code
 * that compiles it itself. Typed `object` so that these declarations need no WebAssembly types.
 */
export function createEdge(module: object): Edge {
  const core = new WasmCore(module);
  const webhooks = createWebhooks(core, (body) =>
    typeof body === 'string' ? utf8.encode(body) : new Uint8Array(body),
  );
  const Send0 = Object.assign(nodeOnly('Send0'), { webhooks }) as Edge['Send0'];
  return { webhooks, Send0, VERSION: core.version(), _testOnlyPanic: () => core.testOnlyPanic() };
}
