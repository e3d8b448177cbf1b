/** Webhook verification and signing in Node: webhooks-core.ts over the Node-API module. */

import native = require('./native');
import { rethrowing } from './native-errors';
import { createWebhooks, type EventFields, type VerifyCore } from './webhooks-core';

export type { WebhookBody, WebhookHeaders, VerifyOptions } from './webhooks-core';

/** The event summary the Node-API module returns as JSON (`WebhookEvent::summary_json`). */
interface EventSummary {
  id: string;
  type: string;
  service: string;
  livemode: boolean;
  created_at: number;
  webhook_id: string;
  timestamp: number;
  data_offset: number;
  data_len: number;
}

const nodeCore: VerifyCore = {
  verify(body, headers, secrets, tolerance, now): EventFields {
    const summary = JSON.parse(rethrowing(() => native.verify(body, headers, secrets, tolerance, now))) as EventSummary;
    return {
      id: summary.id,
      type: summary.type,
      service: summary.service,
      livemode: summary.livemode,
      createdAt: summary.created_at,
      webhookId: summary.webhook_id,
      timestamp: summary.timestamp,
      dataOffset: summary.data_offset,
      dataLen: summary.data_len,
    };
  },
  verifyRaw(body, headers, secrets, tolerance, now) {
    rethrowing(() => native.verifyRaw(body, headers, secrets, tolerance, now));
  },
  sign(secret, msgId, timestamp, body) {
    return rethrowing(() => native.sign(secret, msgId, timestamp, body));
  },
};

/** The static webhook helpers, also reachable as `Send0.webhooks`; events keep `raw` as a Buffer. */
export const webhooks = createWebhooks(nodeCore, (body) =>
  typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body),
);
export const { verify, verifyRaw, sign } = webhooks;
