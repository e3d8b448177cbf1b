/**
 * A send0 webhook receiver in Express: every delivery is verified before it is trusted.
 *
 *     SEND0_WEBHOOK_SECRET=whsec_… node build/examples/node/express-receiver.js --port 3000
 *
 * (compiled from examples/node/ by `npm test` or `npx tsc -p tsconfig.test.json` in bindings-node/,
 * and run from bindings-node/.)
 *
 * Options: `--port N` (0 picks a free one; default 3000), `--ready-file PATH` (receives the URL once
 * listening), `--expect N` (exit after N verified deliveries, printing a summary; for scripts and the
 * demo).
 *
 * The one rule: the webhook route reads the RAW body (`express.raw`), never `express.json()`. A body
 * parsed and serialized again is no longer the bytes that were signed.
 */

import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

import express from 'express';
import { Send0, WebhookVerificationError, type WebhookEvent } from 'send0';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const secret = process.env['SEND0_WEBHOOK_SECRET'];
if (!secret) {
  console.error("receiver: set SEND0_WEBHOOK_SECRET to the endpoint's whsec_ secret");
  process.exit(2);
}
const expect = arg('--expect') === undefined ? undefined : Number(arg('--expect'));
let verified = 0;
let rejected = 0;

/** What an app would do with each event: `event.type` narrows `event.data`. */
function handle(event: WebhookEvent): string {
  switch (event.type) {
    case 'email.bounced':
      return `${event.data.bounce_type} bounce for ${event.data.to.join(', ')}`;
    case 'email.clicked':
      return `clicked ${event.data.link}`;
    case 'email.failed':
      return `failed: ${event.data.reason}`;
    case 'domain.health.degraded':
      return `${event.data.domain} failing ${event.data.failing_checks.join(', ')}`;
    case 'platform.test':
      return event.data.message;
    default:
      return `${event.data.email_id} "${event.data.subject}"`;
  }
}

const app = express();

// express.raw keeps the body as a Buffer, exactly as received; `type` must match what send0 sends.
app.post('/webhooks/send0', express.raw({ type: 'application/json' }), (req, res) => {
  if (!Buffer.isBuffer(req.body)) {
    res.status(415).json({ error: 'unsupported_media_type', message: 'send0 deliveries are application/json' });
    return;
  }
  let event: WebhookEvent;
  try {
    event = Send0.webhooks.verify(req.body, req.headers, secret);
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    // 400 with the reason: send0 records it in the endpoint's delivery log and retries later.
    rejected++;
    // error.hint (the likely cause) is for the log only: the answer says what failed, not how to get past it.
    console.log(`receiver: rejected a delivery: ${error.kind}: ${error.message}${error.hint ? ` (hint: ${error.hint})` : ''}`);
    res.status(400).json({ error: error.kind, message: error.message });
    return;
  }
  console.log(`receiver: verified ${event.type.padEnd(24)} id=${event.id} at=${event.createdAt.toISOString()} ${handle(event)}`);
  // Answer quickly (2xx within 15 s); do slow work after responding, or in a queue. Deliveries can
  // repeat (retries): event.id is stable, use it to skip duplicates.
  res.json({ received: true });
  verified++;
  if (expect !== undefined && verified >= expect) res.on('finish', done);
});

const server = app.listen(Number(arg('--port') ?? 3000), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/webhooks/send0`;
  console.log(`receiver: listening on ${url}`);
  const ready = arg('--ready-file');
  if (ready) writeFileSync(ready, url);
});

function stop(): void {
  server.close(() => console.log(`receiver: ${verified} verified, ${rejected} rejected`));
  server.closeIdleConnections();
}

// After the last expected answer has gone out no connection is needed: close them all, with any
// that the sender opened and never used (Node counts those as busy, and close() would wait).
function done(): void {
  stop();
  server.closeAllConnections();
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
