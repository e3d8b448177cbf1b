/**
 * Every case of tests/fixtures/webhooks/*.json (the vectors every send0 SDK loads), through the
 * package's public `verify`, `verifyRaw` and `sign`.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Send0, Send0Error, WebhookVerificationError, sign, verify, verifyRaw, type WebhookHeaders } from 'send0';

import { type FixtureCase, fixtureBody, fixtureCases } from './helpers';

const cases = fixtureCases();

/** Node's `IncomingHttpHeaders` shape: lower-case names, repeated fields as `string[]`, in order. */
function nodeHeaders(pairs: Array<[string, string]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    const seen = out[key];
    out[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

function options(c: FixtureCase): { now: number; tolerance?: number } {
  return { now: c.now as number, ...(c.tolerance === undefined ? {} : { tolerance: c.tolerance }) };
}

/** The secret strings that must never show in an error message (and their key part). */
function secretParts(c: FixtureCase): string[] {
  const parts: string[] = [];
  for (const s of c.secrets ?? []) {
    for (const p of [s, s.replace(/^(whsec_|whpk_)/, '')]) if (p.length >= 8) parts.push(p);
  }
  return parts;
}

function checkError(c: FixtureCase, run: () => unknown): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof WebhookVerificationError, `${c.name}: expected a WebhookVerificationError, got ${String(error)}`);
    assert.ok(error instanceof Send0Error);
    assert.ok(error instanceof Error);
    assert.equal(error.kind, c.error, `${c.name}: ${error.message}`);
    assert.equal(error.name, 'WebhookVerificationError');
    if (c.error_mentions) assert.ok(error.message.includes(c.error_mentions), `${c.name}: "${error.message}" should mention ${c.error_mentions}`);
    for (const part of secretParts(c)) assert.ok(!error.message.includes(part), `${c.name}: the message shows a secret: ${error.message}`);
    return true;
  });
}

function checkEvent(c: FixtureCase, headers: WebhookHeaders): void {
  const body = fixtureBody(c);
  const event = verify(body, headers, c.secrets as string[], options(c));
  const want = c.event;
  assert.ok(want, `${c.name}: a successful verify case has an event`);
  assert.equal(event.id, want.id);
  assert.equal(event.type, want.type);
  assert.equal(event.service, want.service);
  assert.deepEqual(event.data, want.data);
  assert.equal(event.livemode, want.livemode);
  assert.ok(event.createdAt instanceof Date, 'createdAt is a Date');
  assert.equal(event.createdAt.getTime(), want.created_at);
  assert.equal(event.webhookId, want.webhook_id);
  assert.equal(event.timestamp, want.timestamp);
  assert.ok(Buffer.isBuffer(event.raw));
  assert.ok(event.raw.equals(body), 'raw is the body as verified');
}

describe('shared webhook vectors', () => {
  test('the vector files load and cover every op', () => {
    assert.ok(cases.length >= 150, `only ${cases.length} cases`);
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are unique');
    assert.deepEqual(new Set(cases.map((c) => c.op)), new Set(['verify', 'verify_raw', 'sign']));
  });

  for (const c of cases) {
    test(`${c.file}: ${c.name}`, () => {
      if (c.op === 'sign') {
        const body = fixtureBody(c);
        const signature = sign(c.secret as string, c.msg_id as string, c.timestamp as number, body);
        assert.equal(signature, c.expected, c.description);
        // The same through the static helpers, with the body as a string when it is one, and a Date.
        assert.equal(Send0.webhooks.sign(c.secret as string, c.msg_id as string, new Date((c.timestamp as number) * 1000), c.body ?? body), c.expected);
        // What we sign, we verify.
        const headers: Array<[string, string]> = [['webhook-id', c.msg_id as string], ['webhook-timestamp', String(c.timestamp)], ['webhook-signature', signature]];
        verifyRaw(body, headers, c.secret as string, { now: c.timestamp as number });
        return;
      }
      const pairs = c.headers as Array<[string, string]>;
      const body = fixtureBody(c);
      const run = (headers: WebhookHeaders) =>
        c.op === 'verify' ? verify(body, headers, c.secrets as string[], options(c)) : verifyRaw(body, headers, c.secrets as string[], options(c));
      // Two header containers: ordered pairs as the vector gives them, and Node's IncomingHttpHeaders.
      for (const headers of [pairs, nodeHeaders(pairs)]) {
        if (c.error) {
          checkError(c, () => run(headers));
        } else if (c.op === 'verify') {
          checkEvent(c, headers);
        } else {
          assert.equal(run(headers), undefined);
        }
      }
    });
  }
});
