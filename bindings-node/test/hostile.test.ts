/**
 * Hostile replies from the API (issue 9): Retry-After forms that are huge, negative, not numbers
 * or far-future dates; absurd status codes; bodies that are not JSON, cut short or huge; a server
 * that never answers. Each gives a bounded retry or a typed send0 error, in bounded time, and
 * never a crash or a hang.
 */

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';

import {
  APIConnectionError,
  APIResponseDecodeError,
  APITimeoutError,
  InternalServerError,
  InvalidRequestError,
  RateLimitError,
  Send0,
  Send0Error,
} from 'send0';

import { RawServer, ScriptedServer, wireEndpoint } from './helpers';

const KEY = 'sk_test_hostile_key';
const ID = 'wh_scripted0001';
/** What the core reads any longer wait as (a day), in seconds. */
const LONGEST_WAIT = 24 * 60 * 60;

let scripted: ScriptedServer;
let raw: RawServer;

before(async () => {
  [scripted, raw] = await Promise.all([ScriptedServer.start(), RawServer.start()]);
});

after(async () => {
  await Promise.all([scripted?.close(), raw?.close()]);
});

beforeEach(() => {
  scripted.reset();
  raw.reset();
});

function client(baseUrl: string, options: { maxRetries?: number; timeout?: number } = {}): Send0 {
  return new Send0(KEY, { baseUrl, maxRetries: 0, timeout: 2000, ...options });
}

/**
 * The error `fn` rejects with, checked to be an instance of `cls` with `kind`, and to come within
 * `withinMs`.
 */
async function rejectsWith<E extends Send0Error>(
  fn: () => PromiseLike<unknown>,
  cls: abstract new (...args: never[]) => E,
  kind: string,
  withinMs = 3000,
): Promise<E> {
  const started = Date.now();
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  const took = Date.now() - started;
  assert.ok(caught !== undefined, 'expected a rejection');
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  assert.ok(took < withinMs, `took ${took} ms`);
  return caught;
}

/** A whole response, written byte for byte (with `connection: close` and its content-length). */
function rawResponse(statusLine: string, body: string | Buffer = ''): Buffer {
  const head = [statusLine, 'connection: close', `content-length: ${Buffer.byteLength(body)}`, '', ''].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]);
}

describe('Retry-After forms', () => {
  // Huge, exponent, negative, NaN, inf, far-future, garbage and empty forms are vectors
  // (tests/fixtures/http/answers.json, played by wire-contract.test.ts); these are the others.
  const forms: Array<[string, string]> = [['retry-after', '-inf']];

  for (const [name, value] of forms) {
    const label = `${name}: ${value.length > 24 ? `${value.slice(0, 8)}… (${value.length} chars)` : JSON.stringify(value)}`;

    test(`${label}: a retry after a bounded wait`, async () => {
      scripted.reply({ status: 503, headers: { [name]: value }, body: { error: 'unavailable', message: 'later' } }, { body: wireEndpoint() });
      const started = Date.now();
      const endpoint = await client(scripted.url, { maxRetries: 1 }).webhooks.get(ID);
      assert.equal(endpoint.id, ID);
      assert.equal(scripted.requests.length, 2);
      const [first, second] = scripted.requests;
      assert.ok(first && second);
      // Anything beyond 60 s falls back to the backoff: 0.5 s at most before the first retry.
      assert.ok(second.at - first.at < 1000, `retried after ${second.at - first.at} ms`);
      assert.ok(Date.now() - started < 2000);
    });

    test(`${label}: RateLimitError with no retry left, retryAfter null or at most a day`, async () => {
      scripted.reply({ status: 429, headers: { [name]: value }, body: { error: 'rate_limited', message: 'slow down' } });
      const error = await rejectsWith(() => client(scripted.url).webhooks.get(ID), RateLimitError, 'rate_limited');
      assert.equal(error.status, 429);
      const wait = error.retryAfter;
      assert.ok(wait === null || (Number.isFinite(wait) && wait >= 0 && wait <= LONGEST_WAIT), `retryAfter ${wait}`);
      assert.equal(scripted.requests.length, 1);
    });
  }
});

describe('absurd status codes', () => {
  for (const status of [600, 999]) {
    test(`${status} is a server error: retried, then InternalServerError with the status`, async () => {
      const reply = { status, headers: { 'retry-after-ms': '5' }, body: 'what is this' };
      scripted.reply(reply, reply);
      const error = await rejectsWith(() => client(scripted.url, { maxRetries: 1 }).webhooks.get(ID), InternalServerError, 'api');
      assert.equal(error.status, status);
      assert.equal(error.body, 'what is this');
      assert.equal(scripted.requests.length, 2);
    });
  }

  test('a final 100 Continue and then the connection closes: APIConnectionError', async () => {
    raw.reply({ bytes: 'HTTP/1.1 100 Continue\r\n\r\n' });
    await rejectsWith(() => client(raw.url).webhooks.get(ID), APIConnectionError, 'connection');
  });

  test('a 100 Continue and then silence: APITimeoutError within the timeout', async () => {
    raw.reply({ bytes: 'HTTP/1.1 100 Continue\r\n\r\n', keepOpen: true });
    await rejectsWith(() => client(raw.url, { timeout: 300 }).webhooks.get(ID), APITimeoutError, 'timeout', 2000);
  });

  for (const statusLine of ['HTTP/1.1 000 Zero', 'HTTP/1.1 1000 Thousand', 'HTTP/1.1 abc Letters', 'SMTP 220 hello']) {
    test(`a status line that is not HTTP (${statusLine}): APIConnectionError, retried`, async () => {
      raw.reply({ bytes: rawResponse(statusLine, '{}') }, { bytes: rawResponse(statusLine, '{}') });
      await rejectsWith(() => client(raw.url, { maxRetries: 1 }).webhooks.get(ID), APIConnectionError, 'connection');
      assert.equal(raw.requests.length, 2);
    });
  }
});

describe('bodies', () => {
  // A body that is not JSON, JSON that is not an endpoint, an empty body, a 204 and a list whose
  // data is not an array are vectors (answers.json).
  const decodeCases: Array<[string, string]> = [
    ['truncated JSON', JSON.stringify(wireEndpoint()).slice(0, 40)],
    ['an endpoint with fields of the wrong type', JSON.stringify(wireEndpoint(ID, { active: 'yes', created_at: 12 }))],
  ];
  for (const [name, body] of decodeCases) {
    test(`200 with ${name}: APIResponseDecodeError`, async () => {
      scripted.reply({ status: 200, body });
      await rejectsWith(() => client(scripted.url).webhooks.get(ID), APIResponseDecodeError, 'decode');
    });
  }

  test('200 with bytes that are not UTF-8: APIResponseDecodeError', async () => {
    raw.reply({ bytes: rawResponse('HTTP/1.1 200 OK', Buffer.from([0xff, 0xfe, 0x7b, 0x7d])) });
    await rejectsWith(() => client(raw.url).webhooks.get(ID), APIResponseDecodeError, 'decode');
  });

  test('a body cut short by the connection closing: APIConnectionError, retried', async () => {
    const cut = `${['HTTP/1.1 200 OK', 'content-type: application/json', 'content-length: 500', '', ''].join('\r\n')}{"id": "wh_`;
    raw.reply({ bytes: cut }, { bytes: cut });
    await rejectsWith(() => client(raw.url, { maxRetries: 1 }).webhooks.get(ID), APIConnectionError, 'connection');
    assert.equal(raw.requests.length, 2);
  });

  test('a body that stalls half way: APITimeoutError within the timeout', async () => {
    raw.reply({ bytes: `${['HTTP/1.1 200 OK', 'content-length: 500', '', ''].join('\r\n')}{"id"`, keepOpen: true });
    await rejectsWith(() => client(raw.url, { timeout: 300 }).webhooks.get(ID), APITimeoutError, 'timeout', 2000);
  });

  const huge = `"${'x'.repeat(8 * 1024 * 1024)}"`;

  test('a huge JSON string (8 MiB) instead of an endpoint: APIResponseDecodeError', async () => {
    scripted.reply({ status: 200, body: huge });
    await rejectsWith(() => client(scripted.url).webhooks.get(ID), APIResponseDecodeError, 'decode', 5000);
  });

  // serde's error quotes the whole string it met; the core cuts what it quotes.
  test('a huge JSON string (8 MiB): the decode error has a short message', async () => {
    scripted.reply({ status: 200, body: huge });
    const error = await rejectsWith(() => client(scripted.url).webhooks.get(ID), APIResponseDecodeError, 'decode', 5000);
    assert.ok(error.message.length < 10_000, `a message of ${error.message.length} chars`);
  });

  test('a huge error body (8 MiB): InternalServerError, with a short message', async () => {
    scripted.reply({ status: 500, body: huge });
    const error = await rejectsWith(() => client(scripted.url).webhooks.get(ID), InternalServerError, 'api', 5000);
    assert.equal(error.status, 500);
    assert.ok(error.message.length < 10_000, `a message of ${error.message.length} chars`);
  });

  test('an error body that is not JSON: the class of its status, and a message naming it', async () => {
    scripted.reply({ status: 429, body: 'slow down!' }, { status: 400, body: '<html>bad</html>' });
    const limited = await rejectsWith(() => client(scripted.url).webhooks.get(ID), RateLimitError, 'rate_limited');
    assert.equal(limited.body, 'slow down!');
    const invalid = await rejectsWith(() => client(scripted.url).webhooks.get(ID), InvalidRequestError, 'invalid_request');
    assert.match(invalid.message, /400/);
  });
});

describe('a server that never answers', () => {
  test('accepts the connection, reads the request, says nothing: APITimeoutError after each retry', async () => {
    raw.reply({ silent: true }, { silent: true });
    await rejectsWith(() => client(raw.url, { timeout: 300, maxRetries: 1 }).webhooks.get(ID), APITimeoutError, 'timeout', 2500);
    assert.equal(raw.requests.length, 2, 'the timeout was retried once');
  });

  test('the same for a POST: no hang, and the retry reuses the Idempotency-Key', async () => {
    raw.reply({ silent: true }, { silent: true });
    await rejectsWith(
      () => client(raw.url, { timeout: 300, maxRetries: 1 }).webhooks.create({ url: 'https://example.test/hook' }),
      APITimeoutError,
      'timeout',
      2500,
    );
    const keys = raw.requests.map((head) => /\r\nidempotency-key: *(\S+)/i.exec(head)?.[1]);
    assert.equal(keys.length, 2);
    assert.ok(keys[0] && keys[0] === keys[1], String(keys));
  });
});
