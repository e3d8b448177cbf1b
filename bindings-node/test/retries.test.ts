/**
 * Requests to a scripted server: their shape, the caller's Idempotency-Key, a timeout's class, and
 * cancellation through `AbortSignal`. The scripted fault scenarios every SDK plays (retries,
 * Retry-After, timeouts, dropped connections) are in wire-contract.test.ts.
 */

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';

import { APIConnectionError, APITimeoutError, APIUserAbortError, Send0, Send0Error, VERSION } from 'send0';

import { ScriptedServer, waitFor, wireEndpoint } from './helpers';

const KEY = 'sk_test_scripted_key';
let scripted: ScriptedServer;

before(async () => {
  scripted = await ScriptedServer.start();
});

after(async () => {
  await scripted?.close();
});

beforeEach(() => scripted.reset());

function client(options: { maxRetries?: number; timeout?: number } = {}): Send0 {
  return new Send0(KEY, { baseUrl: scripted.url, ...options });
}

async function rejection(fn: () => PromiseLike<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

const created = (): Record<string, unknown> => wireEndpoint('wh_scripted0001', { secret: `whsec_${Buffer.alloc(32, 3).toString('base64')}` });

describe('requests', () => {
  test('method, path, auth, user agent and JSON body', async () => {
    scripted.reply({ status: 201, body: created() });
    const endpoint = await client().webhooks.create({ url: 'https://example.test/hook', events: ['email.*'], description: 'd' });
    assert.equal(endpoint.id, 'wh_scripted0001');
    const [req] = scripted.requests;
    assert.ok(req);
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/v1/webhooks');
    assert.equal(req.headers['authorization'], `Bearer ${KEY}`);
    assert.equal(req.headers['user-agent'], `send0-node/${VERSION}`);
    assert.match(String(req.headers['content-type']), /application\/json/);
    assert.deepEqual(JSON.parse(req.body), { url: 'https://example.test/hook', events: ['email.*'], description: 'd' });
    assert.ok(req.headers['idempotency-key'], 'every POST carries an Idempotency-Key');
  });

  test('camelCase parameters go out in snake_case; list parameters in the query', async () => {
    scripted.reply(
      { body: { secret: 'whsec_AAAA', previous_secret_expires_at: '2026-04-13T10:30:00Z' } },
      { body: { object: 'list', data: [], has_more: false, cursor: null } },
    );
    const rotated = await client().webhooks.rotateSecret('wh_scripted0001', { expirePreviousIn: 60 });
    assert.equal(rotated.previousSecretExpiresAt?.toISOString(), '2026-04-13T10:30:00.000Z');
    assert.deepEqual(JSON.parse(scripted.requests[0]?.body ?? ''), { expire_previous_in: 60 });
    assert.equal(scripted.requests[0]?.url, '/v1/webhooks/wh_scripted0001/rotate-secret');
    await client().webhooks.list({ limit: 5, cursor: 'abc' });
    assert.equal(scripted.requests[1]?.method, 'GET');
    assert.match(scripted.requests[1]?.url ?? '', /^\/v1\/webhooks\?/);
    const query = new URLSearchParams((scripted.requests[1]?.url ?? '').split('?')[1]);
    assert.equal(query.get('limit'), '5');
    assert.equal(query.get('cursor'), 'abc');
  });
});

// The retry policy, Retry-After, one generated Idempotency-Key across retries, timeouts and the
// error classes of scripted answers are played from tests/fixtures/http (wire-contract.test.ts).

describe('idempotency keys', () => {
  test('an explicit idempotencyKey is sent as given, on every retry', async () => {
    scripted.reply({ status: 503, headers: { 'retry-after-ms': '10' } }, { status: 201, body: created() });
    await client().webhooks.create({ url: 'https://example.test/hook' }, { idempotencyKey: 'order-1042-webhook' });
    assert.deepEqual(
      scripted.requests.map((r) => r.headers['idempotency-key']),
      ['order-1042-webhook', 'order-1042-webhook'],
    );
  });

  test('two creates get two different Idempotency-Keys', async () => {
    scripted.reply({ status: 201, body: created() }, { status: 201, body: created() });
    await client().webhooks.create({ url: 'https://example.test/hook' });
    await client().webhooks.create({ url: 'https://example.test/hook' });
    assert.notEqual(scripted.requests[0]?.headers['idempotency-key'], scripted.requests[1]?.headers['idempotency-key']);
  });
});

describe('timeouts', () => {
  test('APITimeoutError is an APIConnectionError, and comes no sooner than the timeout', async () => {
    scripted.reply({ delayMs: 3000, body: wireEndpoint() });
    const started = Date.now();
    const error = await rejection(() => client({ timeout: 200, maxRetries: 0 }).webhooks.get('wh_scripted0001'));
    const took = Date.now() - started;
    assert.ok(error instanceof APITimeoutError, String(error));
    assert.ok(error instanceof APIConnectionError, 'a timeout is a kind of connection error');
    assert.ok(took >= 180 && took < 2500, `took ${took} ms`);
  });
});

describe('AbortSignal', () => {
  test('aborts an in-flight request: APIUserAbortError at once, and the connection closes', async () => {
    scripted.reply({ delayMs: 10_000, body: wireEndpoint() });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await rejection(() => client().webhooks.get('wh_scripted0001', { signal: controller.signal }));
    const took = Date.now() - started;
    clearTimeout(timer);
    assert.ok(error instanceof APIUserAbortError, String(error));
    assert.ok(error instanceof Send0Error);
    assert.equal(error.kind, 'cancelled');
    assert.ok(took >= 90 && took < 2000, `took ${took} ms (the reply was 10 s away)`);
    await waitFor('the scripted server to see the connection close', () => scripted.requests[0]?.clientClosed, 3000);
    assert.equal(scripted.requests.length, 1, 'no retry after an abort');
  });

  test('an already-aborted signal rejects without a request', async () => {
    const error = await rejection(() => client().webhooks.get('wh_scripted0001', { signal: AbortSignal.abort() }));
    assert.ok(error instanceof APIUserAbortError, String(error));
    const create = await rejection(() => client().webhooks.create({ url: 'https://example.test/x' }, { signal: AbortSignal.abort() }));
    assert.ok(create instanceof APIUserAbortError);
    const list = await rejection(() => client().webhooks.list({}, { signal: AbortSignal.abort() }));
    assert.ok(list instanceof APIUserAbortError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(scripted.requests.length, 0);
  });

  test('aborts the wait between retries', async () => {
    scripted.reply({ status: 503, headers: { 'retry-after': '10' } }, { body: wireEndpoint() });
    const started = Date.now();
    const error = await rejection(() => client().webhooks.get('wh_scripted0001', { signal: AbortSignal.timeout(200) }));
    assert.ok(error instanceof APIUserAbortError, String(error));
    assert.ok(Date.now() - started < 3000, 'did not wait out the 10 s Retry-After');
    assert.equal(scripted.requests.length, 1);
  });

  test('a signal that never fires changes nothing', async () => {
    scripted.reply({ body: wireEndpoint() });
    const controller = new AbortController();
    const endpoint = await client().webhooks.get('wh_scripted0001', { signal: controller.signal });
    assert.equal(endpoint.id, 'wh_scripted0001');
    controller.abort(); // after the fact: nothing to cancel, nothing thrown
  });
});
