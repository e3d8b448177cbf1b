/**
 * The API client against the real local server: every operation, every API error class with its
 * fields, the secret's visibility, pagination with `for await`, many concurrent requests on one
 * client, a read-only key, and a process that used the client exiting by itself.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';

import {
  APIConnectionError,
  APIError,
  APITimeoutError,
  AuthenticationError,
  ConflictError,
  InvalidArgumentError,
  InvalidRequestError,
  NotFoundError,
  Page,
  PermissionDeniedError,
  Send0,
  Send0Error,
  verify,
  type WebhookEndpoint,
} from 'send0';

import { API_KEY, type LocalServer, OTHER_KEY, PACKAGE_ROOT, PAGES_KEY, READ_KEY, Receiver, freePort, startServer, waitFor } from './helpers';

let server: LocalServer;
let receiver: Receiver;
let client: Send0;

before(async () => {
  [server, receiver] = await Promise.all([startServer({ keys: true }), Receiver.start()]);
  client = new Send0(API_KEY, { baseUrl: server.url });
});

after(async () => {
  await Promise.all([server?.stop(), receiver?.close()]);
});

/** Runs `fn`, which must reject, and returns the error. */
async function rejection(fn: () => PromiseLike<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

function assertEndpoint(e: WebhookEndpoint): void {
  assert.match(e.id, /^wh_[0-9A-Za-z]{12}$/);
  assert.equal(e.object, 'webhook_endpoint');
  assert.ok(e.createdAt instanceof Date && !Number.isNaN(e.createdAt.getTime()));
  assert.ok(e.updatedAt instanceof Date);
  assert.equal(typeof e.consecutiveFailures, 'number');
}

describe('operations', () => {
  test('create → get → update → list → test → rotateSecret → deliveries → delete → 404', async () => {
    receiver.deliveries.length = 0;
    const created = await client.webhooks.create({ url: receiver.url, events: ['email.*', 'platform.test'], description: 'node tests' });
    assertEndpoint(created);
    assert.equal(created.url, receiver.url);
    assert.deepEqual(created.events, ['email.*', 'platform.test']);
    assert.equal(created.description, 'node tests');
    assert.equal(created.active, true);
    assert.equal(created.status, 'active');
    assert.equal(created.lastDeliveryAt, null);
    assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);

    const got = await client.webhooks.get(created.id);
    assert.deepEqual({ ...got }, { ...created });
    assert.equal((got as { secret?: string }).secret, undefined, 'get never returns the secret');

    const updated = await client.webhooks.update(created.id, { description: null, events: ['*'] });
    assert.equal(updated.description, null);
    assert.deepEqual(updated.events, ['*']);
    const disabled = await client.webhooks.update(created.id, { active: false });
    assert.equal(disabled.active, false);
    assert.equal(disabled.status, 'disabled');
    await client.webhooks.update(created.id, { active: true });

    const page = await client.webhooks.list({ limit: 100 });
    assert.ok(page instanceof Page);
    assert.ok(page.data.some((e) => e.id === created.id));

    // test: a platform.test delivery, synchronously, verifiable with the secret.
    const result = await client.webhooks.test(created.id);
    assert.equal(result.success, true, JSON.stringify(result));
    assert.equal(result.statusCode, 200);
    assert.equal(result.error, null);
    assert.match(result.eventId, /^evt_/);
    assert.equal(typeof result.responseTimeMs, 'number');
    const delivery = receiver.deliveries.at(-1);
    assert.ok(delivery);
    const event = verify(delivery.body, delivery.headers, created.secret);
    assert.equal(event.type, 'platform.test');
    assert.equal(event.id, result.eventId);
    if (event.type === 'platform.test') assert.equal(event.data.endpoint_id, created.id);

    // rotateSecret: the new secret is readable but not enumerable; both secrets sign for a while.
    const rotated = await client.webhooks.rotateSecret(created.id, { expirePreviousIn: 3600 });
    assert.match(rotated.secret, /^whsec_/);
    assert.notEqual(rotated.secret, created.secret);
    assert.ok(rotated.previousSecretExpiresAt instanceof Date);
    assert.ok(!JSON.stringify(rotated).includes(rotated.secret));
    const emitted = await server.emit('email.delivered');
    assert.equal(emitted.endpoints, 1);
    const signed = await waitFor('the email.delivered delivery', () => receiver.deliveries.find((d) => d.headers['webhook-id'] === emitted.event_id));
    assert.equal(String(signed.headers['webhook-signature']).split(' ').length, 2, 'signed with the old and the new secret');
    assert.equal(verify(signed.body, signed.headers, rotated.secret).type, 'email.delivered');
    assert.equal(verify(signed.body, signed.headers, created.secret).type, 'email.delivered');

    // deliveries: the attempt log, newest first.
    const attempts = await waitFor('the attempt in the log', async () => {
      const log = await client.webhooks.deliveries(created.id, { limit: 10 });
      return log.data.some((d) => d.eventId === emitted.event_id) ? log : null;
    });
    const attempt = attempts.data.find((d) => d.eventId === emitted.event_id);
    assert.ok(attempt);
    assert.equal(attempt.eventType, 'email.delivered');
    assert.equal(attempt.attempt, 1);
    assert.equal(attempt.statusCode, 200);
    assert.ok(attempt.attemptedAt instanceof Date);
    assert.equal(attempt.nextAttemptAt, null);
    let walked = 0;
    for await (const d of client.webhooks.deliveries(created.id, { limit: 1 })) {
      assert.equal(typeof d.eventId, 'string');
      walked++;
    }
    assert.equal(walked, attempts.data.length);

    const deleted = await client.webhooks.delete(created.id);
    assert.deepEqual(deleted, { id: created.id, object: 'webhook_endpoint', deleted: true });
    const gone = await rejection(() => client.webhooks.get(created.id));
    assert.ok(gone instanceof NotFoundError);
  });

  test('the secret is on the create response, readable but not enumerable', async () => {
    const created = await client.webhooks.create({ url: 'https://example.test/hook' });
    assert.match(created.secret, /^whsec_/);
    assert.ok(!Object.keys(created).includes('secret'));
    const json = JSON.stringify(created);
    assert.ok(!json.includes('secret') && !json.includes(created.secret), json);
    assert.ok(!inspect(created).includes(created.secret));
    assert.ok(!{ ...created }.hasOwnProperty('secret'), 'spreading drops it too');
    assert.deepEqual(created.events, ['*'], 'events default to every event');
    await client.webhooks.delete(created.id);
  });

  test('Idempotency-Key: the same key and body replays the first response, another body is ConflictError', async () => {
    const noRetry = new Send0(API_KEY, { baseUrl: server.url, maxRetries: 0 });
    const key = `node-idem-${Date.now()}`;
    const first = await noRetry.webhooks.create({ url: 'https://example.test/a' }, { idempotencyKey: key });
    const again = await noRetry.webhooks.create({ url: 'https://example.test/a' }, { idempotencyKey: key });
    assert.equal(again.id, first.id);
    assert.equal(again.secret, first.secret);
    const error = await rejection(() => noRetry.webhooks.create({ url: 'https://example.test/b' }, { idempotencyKey: key }));
    assert.ok(error instanceof ConflictError, String(error));
    assert.ok(error instanceof APIError);
    assert.equal(error.status, 409);
    assert.equal(error.code, 'idempotency_conflict');
    assert.equal(error.kind, 'conflict');
    await client.webhooks.delete(first.id);
  });

  test('200 concurrent gets on one client', async () => {
    const created = await client.webhooks.create({ url: 'https://example.test/many' });
    const all = await Promise.all(Array.from({ length: 200 }, () => client.webhooks.get(created.id)));
    assert.equal(all.length, 200);
    for (const e of all) assert.equal(e.id, created.id);
    await client.webhooks.delete(created.id);
  });
});

describe('pagination', () => {
  test('for await over list() walks every page of 25 endpoints', async () => {
    const pages = new Send0(PAGES_KEY, { baseUrl: server.url });
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push((await pages.webhooks.create({ url: `https://example.test/p/${i}`, description: `page ${i}` })).id);

    const seen: string[] = [];
    for await (const endpoint of pages.webhooks.list({ limit: 10 })) seen.push(endpoint.id);
    assert.equal(seen.length, 25);
    assert.deepEqual(new Set(seen), new Set(ids));
    assert.deepEqual(seen, [...ids].reverse(), 'newest first');

    const first = await pages.webhooks.list({ limit: 10 });
    assert.equal(first.data.length, 10);
    assert.equal(first.hasMore, true);
    assert.ok(first.hasNextPage());
    let count = 0;
    const sizes: number[] = [];
    for await (const page of first.iterPages()) {
      sizes.push(page.data.length);
      count += page.data.length;
    }
    assert.deepEqual(sizes, [10, 10, 5]);
    assert.equal(count, 25);
    const second = await first.nextPage();
    assert.deepEqual(second.data.map((e) => e.id), seen.slice(10, 20));
    const last = await second.nextPage();
    assert.equal(last.hasNextPage(), false);
    await assert.rejects(() => last.nextPage(), /last page/);

    // for await over one page (not the PagePromise) also walks on.
    let fromPage = 0;
    for await (const e of second) {
      assert.ok(ids.includes(e.id));
      fromPage++;
    }
    assert.equal(fromPage, 15);
  });
});

describe('API errors', () => {
  test('AuthenticationError: 401, with status, code, requestId and headers; the key is not shown', async () => {
    const bad = new Send0('sk_test_not_a_real_key_123', { baseUrl: server.url });
    const error = await rejection(() => bad.webhooks.list());
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.ok(error instanceof APIError && error instanceof Send0Error && error instanceof Error);
    assert.equal(error.status, 401);
    assert.equal(error.kind, 'authentication');
    assert.equal(error.code, 'unauthorized');
    assert.match(error.requestId ?? '', /^req_/);
    assert.equal(error.headers['x-request-id'], error.requestId);
    assert.ok(error.message.includes(error.requestId as string));
    assert.match(error.message, /Invalid or missing API key/);
    assert.ok(!error.message.includes('not_a_real_key'));
    assert.equal(JSON.parse(error.body).error, 'unauthorized');
  });

  test('PermissionDeniedError: a read-only key can read but not manage; requiredScope', async () => {
    const reader = new Send0(READ_KEY, { baseUrl: server.url });
    const created = await client.webhooks.create({ url: 'https://example.test/ro' });
    assert.equal((await reader.webhooks.get(created.id)).id, created.id);
    await reader.webhooks.list();
    for (const run of [
      () => reader.webhooks.create({ url: 'https://example.test/x' }),
      () => reader.webhooks.update(created.id, { description: 'x' }),
      () => reader.webhooks.delete(created.id),
    ]) {
      const error = await rejection(run);
      assert.ok(error instanceof PermissionDeniedError, String(error));
      assert.equal(error.status, 403);
      assert.equal(error.kind, 'permission');
      assert.equal(error.requiredScope, 'platform:webhooks:manage');
      assert.match(error.requestId ?? '', /^req_/);
    }
    await client.webhooks.delete(created.id);
  });

  test("NotFoundError: an unknown id, and another workspace's id", async () => {
    const unknown = await rejection(() => client.webhooks.get('wh_000000000000'));
    assert.ok(unknown instanceof NotFoundError);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.kind, 'not_found');
    assert.equal(unknown.code, 'not_found');
    const created = await client.webhooks.create({ url: 'https://example.test/mine' });
    const other = new Send0(OTHER_KEY, { baseUrl: server.url });
    const hidden = await rejection(() => other.webhooks.get(created.id));
    assert.ok(hidden instanceof NotFoundError, 'another workspace sees a 404, not a 403');
    await client.webhooks.delete(created.id);
  });

  test('InvalidRequestError: 400 with param', async () => {
    const http = await rejection(() => client.webhooks.create({ url: 'http://example.com/hook' }));
    assert.ok(http instanceof InvalidRequestError, String(http));
    assert.equal(http.status, 400);
    assert.equal(http.kind, 'invalid_request');
    assert.equal(http.code, 'invalid_request');
    assert.equal(http.param, 'url');
    assert.match(http.message, /HTTPS/);
    const typo = await rejection(() => client.webhooks.create({ url: 'https://example.test/x', events: ['email.delivred'] }));
    assert.ok(typo instanceof InvalidRequestError);
    assert.equal(typo.param, 'events');
    assert.match(typo.message, /email\.delivered/, 'suggests the closest known type');
    const cursor = await rejection(() => client.webhooks.list({ cursor: 'not-a-cursor' }));
    assert.ok(cursor instanceof InvalidRequestError, String(cursor));
    assert.equal(cursor.param, 'cursor');
    // Checked before any request is made.
    const limit = await rejection(() => client.webhooks.list({ limit: 1000 }));
    assert.ok(limit instanceof InvalidArgumentError, String(limit));
    assert.match(limit.message, /between 1 and 100/);
  });

  test('APIConnectionError: nothing listens on the port', async () => {
    const port = await freePort();
    const refused = new Send0(API_KEY, { baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0 });
    const error = await rejection(() => refused.webhooks.get('wh_000000000000'));
    assert.ok(error instanceof APIConnectionError, String(error));
    assert.ok(!(error instanceof APITimeoutError));
    assert.ok(!(error instanceof APIError));
    assert.equal(error.kind, 'connection');
  });

  test('InvalidArgumentError: no API key anywhere; a bad base URL; a bad timeout', () => {
    const saved = process.env['SEND0_API_KEY'];
    delete process.env['SEND0_API_KEY'];
    try {
      assert.throws(
        () => new Send0(),
        (error: unknown) => error instanceof InvalidArgumentError && error.kind === 'invalid_argument' && /SEND0_API_KEY/.test(error.message),
      );
      process.env['SEND0_API_KEY'] = API_KEY;
      process.env['SEND0_BASE_URL'] = server.url;
      const fromEnv = new Send0();
      assert.equal(fromEnv.baseUrl.replace(/\/$/, ''), server.url);
    } finally {
      if (saved === undefined) delete process.env['SEND0_API_KEY'];
      else process.env['SEND0_API_KEY'] = saved;
      delete process.env['SEND0_BASE_URL'];
    }
    assert.throws(() => new Send0(API_KEY, { baseUrl: 'not a url' }), InvalidArgumentError);
    // The options object where the key goes (the shape of other SDKs) says what to pass.
    assert.throws(
      () => new Send0({ apiKey: API_KEY } as unknown as string),
      (e: unknown) => e instanceof InvalidArgumentError && /API key must be a string/.test(e.message),
    );
    assert.throws(() => new Send0(API_KEY, { timeout: 0 }), InvalidArgumentError);
    // Not wrapped into 2^32 - 1 retries, nor truncated.
    for (const maxRetries of [-1, 1.5, Number.NaN]) {
      assert.throws(() => new Send0(API_KEY, { maxRetries }), (e: unknown) => e instanceof InvalidArgumentError && /maxRetries/.test(e.message));
    }
    assert.throws(() => new Send0(API_KEY, { timeout: 'soon' as unknown as number }), InvalidArgumentError);
  });

  test('what list() returns is a promise: then, catch and finally', async () => {
    let settled = false;
    const caught = await client.webhooks
      .list({ cursor: 'not-a-cursor' })
      .catch((error: unknown) => error)
      .finally(() => (settled = true));
    assert.ok(caught instanceof InvalidRequestError);
    assert.ok(settled);
    let finished = false;
    const page = await client.webhooks.list({ limit: 1 }).finally(() => (finished = true));
    assert.ok(page instanceof Page);
    assert.ok(finished);
  });

  test('the client never shows its key', () => {
    const shown = new Send0('sk_test_supersecretvalue', { baseUrl: server.url });
    for (const text of [String(shown), inspect(shown), JSON.stringify(Object.keys(shown))]) {
      assert.ok(!text.includes('supersecretvalue'), text);
    }
    assert.match(String(shown), /sk_test_/);
  });
});

describe('process lifetime', () => {
  test('a process that used the client exits by itself, promptly', async () => {
    const created = await client.webhooks.create({ url: 'https://example.test/exit' });
    const script = [
      "const { Send0 } = require('send0');",
      'const client = new Send0();',
      'client.webhooks.get(process.env.ENDPOINT_ID).then((e) => console.log("got " + e.id));',
    ].join('\n');
    const started = Date.now();
    const child = spawn(process.execPath, ['-e', script], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, SEND0_API_KEY: API_KEY, SEND0_BASE_URL: server.url, ENDPOINT_ID: created.id },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('still running after 5 s');
      }, 5000);
      child.on('exit', (c, signal) => {
        clearTimeout(timer);
        resolve(c ?? String(signal));
      });
    });
    assert.equal(code, 0, out);
    assert.equal(out.trim(), `got ${created.id}`);
    assert.ok(Date.now() - started < 5000);
    await client.webhooks.delete(created.id);
  });
});
