/**
 * Interoperability with the published npm `standardwebhooks` library, both ways, on random ids,
 * bodies, keys and timestamps from a seeded PRNG. That library verifies with the system clock (and a
 * 300 s tolerance), so every timestamp is near now.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { WebhookVerificationError, sign, verify, verifyRaw } from 'send0';
import { Webhook, WebhookVerificationError as StandardError } from 'standardwebhooks';

import { EVENT_TYPES, rng } from './helpers';

const ROUNDS = 200;
const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const TEXT = ['a', 'Z', '0', ' ', '"', '\\', '{', '}', ':', ',', '.', '\n', '\t', '\u00e9', '\u00df', '\u4e2d', '\u20ac', '\u{1f4e7}', '\u{1f600}', '\u0000'];

interface Input {
  secret: string;
  id: string;
  timestamp: number;
  body: string;
  /** Whether the body is a send0 event envelope (so `verify`, not only `verifyRaw`, accepts it). */
  envelope: boolean;
}

function inputs(seed: number): Input[] {
  const r = rng(seed);
  const now = Math.floor(Date.now() / 1000);
  const out: Input[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const key = r.bytes(r.int(16, 64)).toString('base64');
    // Both forms the spec allows: whsec_ prefixed and bare base64.
    const secret = r.next() < 0.8 ? `whsec_${key}` : key;
    const id = (r.next() < 0.5 ? 'msg_' : 'evt_') + Array.from({ length: r.int(1, 40) }, () => r.pick([...ID_CHARS])).join('');
    const timestamp = now + r.int(-240, 240);
    const text = Array.from({ length: r.int(0, 300) }, () => r.pick(TEXT)).join('');
    const envelope = r.next() < 0.5;
    const body = envelope
      ? JSON.stringify({
          eventId: id,
          type: r.pick(EVENT_TYPES),
          data: { note: text, n: r.int(0, 1e9) },
          livemode: r.next() < 0.5,
          createdAt: timestamp * 1000 - r.int(0, 5000),
        })
      : text;
    out.push({ secret, id, timestamp, body, envelope });
  }
  return out;
}

function headers(input: Input, signature: string): Record<string, string> {
  return { 'webhook-id': input.id, 'webhook-timestamp': String(input.timestamp), 'webhook-signature': signature };
}

describe('interop with npm standardwebhooks', () => {
  test(`what standardwebhooks signs, send0 verifies (${ROUNDS} random inputs)`, () => {
    for (const input of inputs(0x5e4d0)) {
      const theirs = new Webhook(input.secret).sign(input.id, new Date(input.timestamp * 1000), input.body);
      assert.equal(sign(input.secret, input.id, input.timestamp, input.body), theirs, `same signature for ${input.id}`);
      const h = headers(input, theirs);
      assert.equal(verifyRaw(input.body, h, input.secret), undefined);
      assert.equal(verifyRaw(Buffer.from(input.body), h, input.secret), undefined);
      if (input.envelope) {
        const event = verify(input.body, h, input.secret);
        assert.equal(event.id, input.id);
        assert.equal(event.webhookId, input.id);
        assert.equal(event.timestamp, input.timestamp);
        assert.deepEqual(event.data, (JSON.parse(input.body) as { data: unknown }).data);
      }
    }
  });

  test(`what send0 signs, standardwebhooks verifies (${ROUNDS} random inputs)`, () => {
    for (const input of inputs(0xc0ffee)) {
      const ours = sign(input.secret, input.id, input.timestamp, input.body);
      const wh = new Webhook(input.secret);
      // It checks the timestamp against the system clock: these are all within ±240 s of now.
      const parsed = wh.verify(input.body, headers(input, ours), { jsonParse: input.envelope }) as unknown;
      if (input.envelope) assert.deepEqual(parsed, JSON.parse(input.body));
      // Several entries (a rotation), ours among them, in a Buffer body.
      const rotated = `v1,${Buffer.alloc(32, 1).toString('base64')} ${ours}`;
      wh.verify(Buffer.from(input.body), headers(input, rotated), { jsonParse: false });
    }
  });

  test('both refuse a tampered body, id, timestamp or key', () => {
    const r = rng(42);
    for (const input of inputs(7).slice(0, 50)) {
      const signature = sign(input.secret, input.id, input.timestamp, input.body);
      const wrongKey = `whsec_${r.bytes(32).toString('base64')}`;
      const forged: Array<[string, Input, string]> = [
        ['body', { ...input, body: `${input.body} ` }, input.secret],
        ['id', { ...input, id: `${input.id}x` }, input.secret],
        ['timestamp', { ...input, timestamp: input.timestamp + 1 }, input.secret],
        ['key', input, wrongKey],
      ];
      for (const [what, changed, secret] of forged) {
        const h = headers(changed, signature);
        assert.throws(() => verifyRaw(changed.body, h, secret), (e: unknown) => e instanceof WebhookVerificationError && e.kind === 'invalid_signature', what);
        assert.throws(() => new Webhook(secret).verify(changed.body, h), StandardError, what);
      }
    }
  });

  test('timestamps outside 300 s: both refuse, and send0 says which side', () => {
    const now = Math.floor(Date.now() / 1000);
    for (const [offset, kind] of [
      [-400, 'timestamp_too_old'],
      [400, 'timestamp_too_new'],
    ] as const) {
      const input: Input = { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id: 'msg_1', timestamp: now + offset, body: '{}', envelope: false };
      const h = headers(input, sign(input.secret, input.id, input.timestamp, input.body));
      assert.throws(() => verifyRaw(input.body, h, input.secret), (e: unknown) => e instanceof WebhookVerificationError && e.kind === kind);
      assert.throws(() => new Webhook(input.secret).verify(input.body, h), StandardError);
    }
  });
});
