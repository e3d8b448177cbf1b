/** Webhook verification, explanation and signing in Node: webhooks-core.ts over the Node-API module. */

import native = require('./native');
import { rethrowing } from './native-errors';
import { createWebhooks, type VerifyCore } from './webhooks-core';

export type { WebhookBody, WebhookHeaders, VerifyOptions, WebhookExplanation, Diagnosis, DiagnosisCode } from './webhooks-core';

const nodeCore: VerifyCore = {
  verify: (...args) => rethrowing(() => native.verify(...args)),
  verifyRaw: (...args) => rethrowing(() => native.verifyRaw(...args)),
  explain: (...args) => rethrowing(() => native.explain(...args)),
  sign: (...args) => rethrowing(() => native.sign(...args)),
};

/** The static webhook helpers, also reachable as `Send0.webhooks`; events keep `raw` as a Buffer. */
export const webhooks = createWebhooks(nodeCore, (body) =>
  typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body),
);
export const { verify, verifyRaw, sign } = webhooks;
