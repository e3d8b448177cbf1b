/**
 * Manages send0 webhook endpoints with the client: create, get, update, list (`for await`), test,
 * rotate the secret, read the delivery log, delete; typed errors; cancelling with an AbortSignal.
 *
 *     SEND0_API_KEY=sk_test_… [SEND0_BASE_URL=http://127.0.0.1:8765] \
 *         node build/examples/node/manage.js https://example.com/webhooks/send0 [--emit N]
 *
 * `--emit N` (local send0-server only) emits N events through its `POST /v1/events` first, so that
 * the delivery log has attempts to show.
 */

import {
  APIUserAbortError,
  InvalidRequestError,
  NotFoundError,
  Send0,
  Send0Error,
  type DeliveryAttempt,
} from 'send0';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The local server's stand-in for platform activity (not part of the SDK: plain fetch). */
async function emitEvents(baseUrl: string, type: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await fetch(new URL('/v1/events', baseUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${process.env['SEND0_API_KEY'] ?? ''}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type }),
    });
    if (response.status !== 202) throw new Error(`POST /v1/events: ${response.status} ${await response.text()}`);
  }
}

/** Delivery is asynchronous: poll the log until `count` attempts are recorded (or 10 s). */
async function waitForDeliveries(client: Send0, id: string, count: number): Promise<DeliveryAttempt[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const attempts: DeliveryAttempt[] = [];
    // `for await` walks every page; limit 2 only makes the pages small.
    for await (const attempt of client.webhooks.deliveries(id, { limit: 2 })) attempts.push(attempt);
    if (attempts.length >= count || Date.now() > deadline) return attempts;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main(): Promise<void> {
  const url = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 'https://example.com/webhooks/send0';
  const emit = Number(arg('--emit') ?? 0);
  const client = new Send0(); // SEND0_API_KEY, and SEND0_BASE_URL when set
  const { webhooks } = client;

  const created = await webhooks.create({ url, events: ['email.*', 'domain.health.degraded'], description: 'Node management example' });
  // The secret is in this response only: store it now. It is not enumerable, so logging or
  // JSON.stringify-ing the endpoint never shows it.
  console.log(`manage: created ${created.id} -> ${created.url} (secret ${created.secret.slice(0, 10)}…, store it now)`);
  console.log(`manage: JSON of the response has no secret: ${!JSON.stringify(created).includes('secret')}`);

  const fetched = await webhooks.get(created.id);
  console.log(`manage: get ${fetched.id} status=${fetched.status} events=${fetched.events.join(',')} created ${fetched.createdAt.toISOString()}`);

  const updated = await webhooks.update(created.id, { description: null, events: ['email.bounced', 'email.failed'] });
  console.log(`manage: update cleared the description (${String(updated.description)}), events now ${updated.events.join(',')}`);

  // `for await` over list() walks every item of every page; `await` it for the first page only.
  let total = 0;
  for await (const endpoint of webhooks.list({ limit: 2 })) {
    if (endpoint.id === created.id) console.log(`manage: list: found ${endpoint.id} (${endpoint.status})`);
    total++;
  }
  const first = await webhooks.list({ limit: 2 });
  console.log(`manage: list: ${total} endpoint(s) in the workspace; the first page has ${first.data.length}, more: ${first.hasMore}`);

  const test = await webhooks.test(created.id);
  console.log(
    `manage: test event ${test.eventId} -> success=${test.success} status=${String(test.statusCode)} in ${test.responseTimeMs} ms` +
      (test.error ? ` (${test.error})` : ''),
  );

  const rotated = await webhooks.rotateSecret(created.id, { expirePreviousIn: 3600 });
  console.log(`manage: rotated the secret; the previous one signs until ${rotated.previousSecretExpiresAt?.toISOString() ?? 'now'}`);

  if (emit > 0) await emitEvents(client.baseUrl, 'email.bounced', emit);
  const attempts = await waitForDeliveries(client, created.id, emit);
  for (const a of attempts) {
    console.log(`manage: delivery ${a.eventType} ${a.eventId} attempt ${a.attempt} -> ${a.statusCode ?? a.error ?? '?'}`);
  }
  if (attempts.length === 0) console.log('manage: no delivery attempts yet');

  // AbortSignal: every method takes { signal }. A deadline for one call...
  const again = await webhooks.get(created.id, { signal: AbortSignal.timeout(10_000) });
  console.log(`manage: get with a 10 s AbortSignal.timeout -> ${again.id}`);
  // ...and a call whose caller went away: it rejects with APIUserAbortError (in flight, between
  // retries, or, as here, before it starts).
  const controller = new AbortController();
  controller.abort();
  try {
    await webhooks.list({}, { signal: controller.signal });
    throw new Error('expected APIUserAbortError');
  } catch (error) {
    if (!(error instanceof APIUserAbortError)) throw error;
    console.log(`manage: an aborted call -> ${error.name} kind=${error.kind}`);
  }

  const deleted = await webhooks.delete(created.id);
  console.log(`manage: deleted ${deleted.id} (${String(deleted.deleted)})`);

  // Errors are classes with a stable kind (the same string in every send0 SDK), the HTTP status and
  // the request id.
  try {
    await webhooks.get(created.id);
    throw new Error('expected NotFoundError after delete');
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    console.log(`manage: get after delete -> ${error.name} kind=${error.kind} status=${error.status} requestId=${error.requestId}`);
  }

  try {
    await webhooks.create({ url, events: ['email.deliverd'] });
  } catch (error) {
    if (!(error instanceof InvalidRequestError)) throw error;
    console.log(`manage: a typo in an event type -> kind=${error.kind} param=${error.param}: ${error.message}`);
  }
}

main().catch((error: unknown) => {
  if (error instanceof Send0Error) console.error(`manage: ${error.name} (${error.kind}): ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
});
