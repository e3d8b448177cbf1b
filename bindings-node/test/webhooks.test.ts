/**
 * `verify` / `verifyRaw` / `sign` with Node's own types: every body type, every header container,
 * the TypeErrors for misuse, options, and the typed event union.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';

import { Send0, Send0Error, WebhookVerificationError, sign, verify, verifyRaw, webhooks, type WebhookEvent } from 'send0';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER_SECRET = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
const NOW = 1_775_989_800;
const ID = 'evt_0b6a1c7e-2f7d-4d0e-9d55-4d2b7c1e9a10';
const BODY = JSON.stringify({
  eventId: ID,
  type: 'email.bounced',
  service: 'email',
  data: {
    email_id: 'em_3mKpLvRw9nQx',
    from: 'Acme <billing@acme.test>',
    to: ['ada@example.test'],
    subject: 'Caf\u00e9 \u2615 invoice',
    bounce_type: 'hard',
    bounce_message: '550 5.1.1 no such user',
  },
  livemode: false,
  createdAt: NOW * 1000 - 1500,
});
const SIGNATURE = sign(SECRET, ID, NOW, BODY);
const HEADERS = { 'webhook-id': ID, 'webhook-timestamp': String(NOW), 'webhook-signature': SIGNATURE };
const AT_NOW = { now: NOW };

function kindOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof WebhookVerificationError, String(error));
    return error.kind;
  }
  return 'ok';
}

describe('body types', () => {
  const bytes = Buffer.from(BODY, 'utf8');

  test('string, Buffer, Uint8Array, ArrayBuffer and views all verify the same', () => {
    const inBigger = new Uint8Array(bytes.length + 16);
    inBigger.set(bytes, 7);
    const bodies: Array<[string, string | Buffer | Uint8Array | ArrayBuffer]> = [
      ['string', BODY],
      ['Buffer', bytes],
      ['Uint8Array', new Uint8Array(bytes)],
      ['ArrayBuffer', bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)],
      ['Uint8Array view at an offset of a larger buffer', inBigger.subarray(7, 7 + bytes.length)],
    ];
    for (const [name, body] of bodies) {
      const event = verify(body, HEADERS, SECRET, AT_NOW);
      assert.equal(event.id, ID, name);
      assert.ok(event.raw.equals(bytes), `${name}: raw is the exact bytes`);
      assert.equal(verifyRaw(body, HEADERS, SECRET, AT_NOW), undefined, name);
      assert.equal(sign(SECRET, ID, NOW, body), SIGNATURE, name);
    }
  });

  test('a DataView is accepted too (any ArrayBufferView)', () => {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    assert.equal(verify(dv as unknown as Uint8Array, HEADERS, SECRET, AT_NOW).id, ID);
  });

  test('a parsed object is a TypeError that says to use express.raw', () => {
    for (const run of [
      () => verify(JSON.parse(BODY) as unknown as string, HEADERS, SECRET, AT_NOW),
      () => verifyRaw({ type: 'email.bounced' } as unknown as string, HEADERS, SECRET, AT_NOW),
      () => sign(SECRET, ID, NOW, {} as unknown as string),
    ]) {
      assert.throws(run, (error: unknown) => {
        assert.ok(error instanceof TypeError, String(error));
        assert.match(error.message, /express\.raw/);
        assert.match(error.message, /raw/);
        assert.match(error.message, /request\.text\(\)|arrayBuffer/);
        return true;
      });
    }
  });

  test('null, undefined and numbers are TypeErrors naming what is accepted', () => {
    for (const body of [null, undefined, 42]) {
      assert.throws(() => verify(body as unknown as string, HEADERS, SECRET, AT_NOW), (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, /string, Buffer, Uint8Array or ArrayBuffer/);
        return true;
      });
    }
  });

  test('a body re-serialized by a framework no longer verifies', () => {
    const reserialized = JSON.stringify(JSON.parse(BODY), null, 2);
    assert.equal(kindOf(() => verify(reserialized, HEADERS, SECRET, AT_NOW)), 'invalid_signature');
  });

  test('a non-UTF-8 body verifies raw and is invalid_payload for verify', () => {
    const body = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x7b]);
    const headers = { ...HEADERS, 'webhook-signature': sign(SECRET, ID, NOW, body) };
    assert.equal(verifyRaw(body, headers, SECRET, AT_NOW), undefined);
    assert.equal(kindOf(() => verify(body, headers, SECRET, AT_NOW)), 'invalid_payload');
  });
});

describe('header containers', () => {
  test('a plain object, any case', () => {
    const upper = { 'WEBHOOK-ID': ID, 'Webhook-Timestamp': String(NOW), 'webhook-SIGNATURE': SIGNATURE, 'Content-Type': 'application/json' };
    assert.equal(verify(BODY, upper, SECRET, AT_NOW).id, ID);
  });

  test("Node's IncomingHttpHeaders: string[] values are joined, undefined values ignored", () => {
    const headers = {
      'webhook-id': ID,
      'webhook-timestamp': String(NOW),
      'webhook-signature': ['v1,bm90IGl0', SIGNATURE],
      'x-unset': undefined,
    };
    assert.equal(verify(BODY, headers, SECRET, AT_NOW).id, ID);
  });

  test('a fetch Headers (repeated fields arrive joined with a comma)', () => {
    const headers = new Headers({ 'Webhook-Id': ID, 'Webhook-Timestamp': String(NOW) });
    headers.append('Webhook-Signature', 'v1,bm90IGl0');
    headers.append('Webhook-Signature', SIGNATURE);
    assert.equal(headers.get('webhook-signature'), `v1,bm90IGl0, ${SIGNATURE}`);
    assert.equal(verify(BODY, headers, SECRET, AT_NOW).id, ID);
  });

  test('a Map, with string or string[] values, any case', () => {
    const map = new Map<string, string | string[]>([
      ['Webhook-Id', ID],
      ['WEBHOOK-TIMESTAMP', String(NOW)],
      ['webhook-signature', ['v2,whatever', SIGNATURE]],
    ]);
    assert.equal(verify(BODY, map, SECRET, AT_NOW).id, ID);
  });

  test('[name, value] pairs, repeats kept in order, any case', () => {
    const pairs: Array<[string, string]> = [
      ['webhook-id', ID],
      ['Webhook-Timestamp', String(NOW)],
      ['Webhook-Signature', 'v1,bm90IGl0'],
      ['WEBHOOK-SIGNATURE', SIGNATURE],
    ];
    assert.equal(verify(BODY, pairs, SECRET, AT_NOW).id, ID);
    // Any iterable of pairs, e.g. a generator or Object.entries.
    function* gen(): Generator<[string, string]> {
      yield* pairs;
    }
    assert.equal(verify(BODY, gen(), SECRET, AT_NOW).id, ID);
    assert.equal(verify(BODY, Object.entries(HEADERS), SECRET, AT_NOW).id, ID);
  });

  test('each missing or empty header is missing_header naming it, whatever the container', () => {
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const without = Object.fromEntries(Object.entries(HEADERS).filter(([k]) => k !== name));
      const empty = { ...HEADERS, [name]: '' };
      const containers = [without, empty, new Headers(without), new Map(Object.entries(without)), Object.entries(without)];
      for (const headers of containers) {
        assert.throws(
          () => verify(BODY, headers, SECRET, AT_NOW),
          (error: unknown) => error instanceof WebhookVerificationError && error.kind === 'missing_header' && error.message.includes(name),
        );
      }
    }
  });

  test('headers that are not a container are a TypeError', () => {
    for (const headers of [null, undefined, 'webhook-id: x']) {
      assert.throws(() => verify(BODY, headers as unknown as Record<string, string>, SECRET, AT_NOW), TypeError);
    }
    assert.throws(() => verify(BODY, [['webhook-id']] as unknown as Array<[string, string]>, SECRET, AT_NOW), /\[name, value\]/);
  });
});

describe('secrets, options and errors', () => {
  test('a list of secrets (rotation): any one matching is enough', () => {
    assert.equal(verify(BODY, HEADERS, [OTHER_SECRET, SECRET], AT_NOW).id, ID);
    assert.equal(kindOf(() => verify(BODY, HEADERS, [OTHER_SECRET], AT_NOW)), 'invalid_signature');
  });

  test('the secret may come without its whsec_ prefix', () => {
    assert.equal(verify(BODY, HEADERS, SECRET.slice('whsec_'.length), AT_NOW).id, ID);
  });

  test('an invalid secret is invalid_secret and the message never shows it', () => {
    const bad = 'whsec_not-url-safe_base64_secret!!';
    assert.throws(
      () => verify(BODY, HEADERS, bad, AT_NOW),
      (error: unknown) => error instanceof WebhookVerificationError && error.kind === 'invalid_secret' && !error.message.includes('not-url-safe'),
    );
    assert.throws(() => sign(bad, ID, NOW, BODY), (error: unknown) => error instanceof WebhookVerificationError && error.kind === 'invalid_secret');
    assert.throws(() => verify(BODY, HEADERS, 42 as unknown as string, AT_NOW), TypeError);
  });

  test('no error message carries the secret', () => {
    const runs = [
      () => verify(BODY, { ...HEADERS, 'webhook-signature': 'v1,AAAA' }, SECRET, AT_NOW),
      () => verify(BODY, HEADERS, SECRET, { now: NOW + 1000 }),
      () => verify(BODY, HEADERS, SECRET, { now: NOW - 1000 }),
      () => verify(BODY, { ...HEADERS, 'webhook-timestamp': 'soon' }, SECRET, AT_NOW),
      () => verify(BODY, { 'webhook-id': ID }, SECRET, AT_NOW),
    ];
    for (const run of runs) {
      assert.throws(run, (error: unknown) => {
        assert.ok(error instanceof WebhookVerificationError);
        for (const text of [error.message, String(error.stack), inspect(error)]) {
          assert.ok(!text.includes(SECRET.slice(6)), text);
        }
        return true;
      });
    }
  });

  test('tolerance and now (seconds or a Date), inclusive on both sides', () => {
    assert.equal(verify(BODY, HEADERS, SECRET, { now: NOW + 300 }).id, ID);
    assert.equal(verify(BODY, HEADERS, SECRET, { now: NOW - 300 }).id, ID);
    assert.equal(kindOf(() => verify(BODY, HEADERS, SECRET, { now: NOW + 301 })), 'timestamp_too_old');
    assert.equal(kindOf(() => verify(BODY, HEADERS, SECRET, { now: NOW - 301 })), 'timestamp_too_new');
    assert.equal(verify(BODY, HEADERS, SECRET, { now: new Date((NOW + 60) * 1000) }).id, ID);
    assert.equal(kindOf(() => verify(BODY, HEADERS, SECRET, { now: NOW + 11, tolerance: 10 })), 'timestamp_too_old');
    assert.equal(verify(BODY, HEADERS, SECRET, { now: NOW + 3000, tolerance: 3600 }).id, ID);
    // Without `now` it is the system clock: years later, too old.
    assert.equal(kindOf(() => verify(BODY, HEADERS, SECRET)), 'timestamp_too_old');
    for (const bad of [{ tolerance: -1 }, { tolerance: Number.NaN }, { now: 1.5 }, { now: '1775989800' }]) {
      assert.throws(() => verify(BODY, HEADERS, SECRET, bad as never), TypeError);
    }
  });

  test('errors are Send0Error with a stable kind and name', () => {
    try {
      verify(BODY, { ...HEADERS, 'webhook-timestamp': '-5' }, SECRET, AT_NOW);
      assert.fail('should throw');
    } catch (error) {
      assert.ok(error instanceof WebhookVerificationError);
      assert.ok(error instanceof Send0Error);
      assert.equal(error.kind, 'invalid_timestamp');
      assert.equal(error.name, 'WebhookVerificationError');
      assert.match(String(error), /^WebhookVerificationError: /);
    }
  });

  test('an authentic body that is not an event: invalid_payload from verify, fine for verifyRaw', () => {
    const body = '{"test": 2432232314}';
    const headers = { ...HEADERS, 'webhook-signature': sign(SECRET, ID, NOW, body) };
    assert.equal(kindOf(() => verify(body, headers, SECRET, AT_NOW)), 'invalid_payload');
    assert.equal(verifyRaw(body, headers, SECRET, AT_NOW), undefined);
  });

  test('sign: the reference vector, Date timestamps, and TypeErrors', () => {
    const vector = sign('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    assert.equal(vector, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    assert.equal(sign(SECRET, ID, new Date(NOW * 1000 + 999), BODY), SIGNATURE);
    assert.throws(() => sign(42 as unknown as string, ID, NOW, BODY), TypeError);
    assert.throws(() => sign(SECRET, ID, 1.5, BODY), TypeError);
  });
});

describe('the event', () => {
  test('is a discriminated union on type, with createdAt a Date', () => {
    const event: WebhookEvent = verify(BODY, HEADERS, SECRET, AT_NOW);
    assert.ok(event.createdAt instanceof Date);
    assert.equal(event.createdAt.getTime(), NOW * 1000 - 1500);
    assert.equal(event.timestamp, NOW);
    assert.equal(event.webhookId, ID);
    switch (event.type) {
      case 'email.bounced':
        // Narrowed: bounce_type exists only on email.bounced's data.
        assert.equal(event.data.bounce_type, 'hard');
        assert.deepEqual(event.data.to, ['ada@example.test']);
        assert.equal(event.data.subject, 'Caf\u00e9 \u2615 invoice');
        break;
      default:
        assert.fail(`unexpected type ${event.type}`);
    }
  });

  test('the same helpers are on Send0.webhooks, the module and a client', () => {
    assert.equal(Send0.webhooks.verify, verify);
    assert.equal(webhooks.verifyRaw, verifyRaw);
    assert.equal(webhooks.sign, sign);
    const client = new Send0('sk_test_unused_key', { baseUrl: 'http://127.0.0.1:9' });
    assert.equal(client.webhooks.verify, verify);
    assert.equal(client.webhooks.verify(BODY, HEADERS, SECRET, AT_NOW).id, ID);
  });
});
