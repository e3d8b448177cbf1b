/**
 * The module the edge conditions of `send0` lead to (send0-wasm's edge.mjs, bundled from here):
 * the edge API over the WebAssembly module that `#core` gives, the way the runtime allows
 * (send0-wasm's package.json maps it per condition).
 */

import module from '#core';
import { createEdge } from './edge.js';

export * from './edge.js';

const edge = createEdge(module);
export const { webhooks, Send0, VERSION } = edge;
export const { verify, verifyRaw, sign } = edge.webhooks;
