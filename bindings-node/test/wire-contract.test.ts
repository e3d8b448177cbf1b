/**
 * The API behaviour vectors of tests/fixtures/http (its README gives the schema), played to the
 * client through the scripted server: the same cases every SDK's suite plays to its own.
 */

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';

import {
  APIConnectionError,
  APIError,
  APIResponseDecodeError,
  APITimeoutError,
  AuthenticationError,
  ConflictError,
  InvalidRequestError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  Send0,
  Send0Error,
} from 'send0';

import { REPO_ROOT, type Reply, ScriptedServer } from './helpers';

/** One scripted answer (README: `status`, `headers`, `body` or `text`, `delay_ms`, `drop`). */
interface VectorReply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  text?: string;
  delay_ms?: number;
  drop?: boolean;
}

interface VectorCase {
  name: string;
  call?: 'list' | 'get' | 'create';
  options?: { max_retries?: number; timeout_ms?: number };
  replies: VectorReply[];
  expect: Record<string, unknown>;
}

/** A vector's reply as the scripted server's: `body` goes out as JSON, `text` as it is. */
function toReply(r: VectorReply): Reply {
  return {
    status: r.status ?? 200,
    headers: r.headers,
    body: r.text ?? (r.body === undefined ? undefined : JSON.stringify(r.body)),
    delayMs: r.delay_ms,
    destroy: r.drop,
  };
}

function cases(file: string): VectorCase[] {
  const document = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'tests', 'fixtures', 'http', file), 'utf8')) as { cases: VectorCase[] };
  assert.ok(document.cases.length > 0, `${file} has no cases`);
  return document.cases;
}

let scripted: ScriptedServer;
before(async () => {
  scripted = await ScriptedServer.start();
});
after(() => scripted.close());
beforeEach(() => scripted.reset());

const client = (): Send0 => new Send0('sk_test_scripted_key', { baseUrl: scripted.url });

describe('pagination vectors: each walk ends with the expected error', () => {
  for (const c of cases('pagination.json')) {
    test(c.name, async () => {
      scripted.reply(...c.replies.map(toReply));
      const items: string[] = [];
      const error = await (async () => {
        try {
          for await (const endpoint of client().webhooks.list()) items.push(endpoint.id);
        } catch (e) {
          return e;
        }
        return assert.fail('the walk ended without an error');
      })();
      assert.ok(error instanceof Send0Error, String(error));
      assert.deepEqual(
        { items, kind: error.kind, requests: scripted.requests.length },
        { items: c.expect['items'], kind: c.expect['error'], requests: c.expect['requests'] },
      );
    });
  }
});

describe('forward-compatibility vectors: unknown fields and statuses reach the user', () => {
  for (const c of cases('forward_compat.json')) {
    test(c.name, async () => {
      scripted.reply(...c.replies.map(toReply));
      const got = await client().webhooks.get(c.expect['id'] as string);
      const listed = (await client().webhooks.list()).data[0];
      for (const endpoint of [got, listed]) {
        assert.equal(endpoint?.status, c.expect['status']);
        const asSent = endpoint as unknown as Record<string, unknown>;
        for (const [name, value] of Object.entries(c.expect['unknown'] as Record<string, unknown>)) {
          assert.deepEqual(asSent[name], value, name);
        }
      }
    });
  }
});

/** The error class of each outcome of a call (an `error_kinds` name of contract.json). */
const ERROR_CLASSES: Record<string, abstract new (...args: never[]) => Send0Error> = {
  authentication: AuthenticationError,
  permission: PermissionDeniedError,
  not_found: NotFoundError,
  invalid_request: InvalidRequestError,
  conflict: ConflictError,
  rate_limited: RateLimitError,
  api: APIError,
  connection: APIConnectionError,
  timeout: APITimeoutError,
  decode: APIResponseDecodeError,
};

const CALLS: Record<string, (client: Send0) => PromiseLike<unknown>> = {
  list: (client) => client.webhooks.list(),
  get: (client) => client.webhooks.get('wh_1'),
  create: (client) => client.webhooks.create({ url: 'https://example.com/hook' }),
};

const EXPECT_KEYS = new Set([
  'outcome',
  'status',
  'message_contains',
  'param',
  'retry_after',
  'requests',
  'retry_counts',
  'one_idempotency_key',
  'min_wait_ms',
  'max_elapsed_ms',
]);

/** Plays one case of retries.json or answers.json and checks every key of its `expect`. */
async function playCall(c: VectorCase): Promise<void> {
  const expect = c.expect;
  for (const key of Object.keys(expect)) assert.ok(EXPECT_KEYS.has(key), `this player does not check expect.${key}`);
  const call = CALLS[c.call ?? ''];
  assert.ok(call, `unknown call ${String(c.call)}`);
  scripted.reply(...c.replies.map(toReply));
  const sdk = new Send0('sk_test_scripted_key', { baseUrl: scripted.url, maxRetries: c.options?.max_retries, timeout: c.options?.timeout_ms });

  const started = Date.now();
  let error: unknown;
  try {
    await call(sdk);
  } catch (e) {
    error = e;
  }
  const elapsed = Date.now() - started;
  const requests = scripted.requests;

  if (expect['outcome'] === 'ok') {
    assert.equal(error, undefined, `the call failed: ${String(error)}`);
  } else {
    const cls = ERROR_CLASSES[expect['outcome'] as string];
    assert.ok(cls, `no error class for the outcome ${String(expect['outcome'])}`);
    assert.ok(error instanceof cls, `expected ${cls.name}, got ${String(error)}`);
    assert.equal(error.kind, expect['outcome'], error.message);
    if ('status' in expect) {
      assert.ok(error instanceof APIError, String(error));
      assert.equal(error.status, expect['status']);
    }
    if ('message_contains' in expect) {
      assert.ok(error.message.includes(expect['message_contains'] as string), `the message ${JSON.stringify(error.message)}`);
    }
    if ('param' in expect) assert.equal((error as APIError).param, expect['param']);
    // Seconds, or null for no wait.
    if ('retry_after' in expect) assert.equal((error as RateLimitError).retryAfter, expect['retry_after']);
  }
  if ('requests' in expect) assert.equal(requests.length, expect['requests'], 'requests that reached the server');
  if ('retry_counts' in expect) {
    assert.deepEqual(
      requests.map((r) => r.headers['x-send0-retry-count']),
      expect['retry_counts'],
    );
  }
  if (expect['one_idempotency_key'] === true) {
    const key = requests[0]?.headers['idempotency-key'];
    assert.ok(typeof key === 'string' && key.length > 0, `Idempotency-Key ${String(key)}`);
    for (const r of requests) {
      assert.equal(r.headers['idempotency-key'], key);
      assert.equal(r.body, requests[0]?.body);
    }
  }
  if ('min_wait_ms' in expect) {
    const [first, second] = requests;
    assert.ok(first && second, `${requests.length} requests`);
    const waited = second.at - first.at;
    assert.ok(waited >= (expect['min_wait_ms'] as number), `the retry came ${waited} ms after the first attempt`);
  }
  if ('max_elapsed_ms' in expect) assert.ok(elapsed < (expect['max_elapsed_ms'] as number), `the call took ${elapsed} ms`);
}

describe('retry vectors: retries, Retry-After, timeouts and idempotency keys', () => {
  for (const c of cases('retries.json')) test(c.name, () => playCall(c));
});

describe('answer vectors: answers the API never gives, and hostile Retry-After values', () => {
  for (const c of cases('answers.json')) test(c.name, () => playCall(c));
});
