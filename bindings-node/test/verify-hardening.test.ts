/**
 * Verify hardening (issue 9, item 8): every secret given is checked, a NUL in a header cannot
 * re-pair the packed headers, the event keeps its own copy of the body, and a panic in the native
 * module comes back as an error instead of aborting Node.
 */

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import * as send0 from 'send0';
import { WebhookVerificationError, sign, verify, verifyRaw, type WebhookHeaders } from 'send0';

import { PACKAGE_ROOT } from './helpers';

const SECRET = 'whsec_' + Buffer.alloc(32, 9).toString('base64');
const NOW = 1_775_989_800;
const ID = 'msg_hardening_1';
const DATA = { email_id: 'em_1', from: 'a@acme.test', to: ['b@example.test'], subject: 'hi', bounce_type: 'hard', bounce_message: '550' };
const BODY = JSON.stringify({ eventId: 'evt_1', type: 'email.bounced', service: 'email', data: DATA, livemode: false, createdAt: NOW * 1000 });
const AT_NOW = { now: NOW };

function headersFor(id: string, body: string | Buffer = BODY): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(NOW), 'webhook-signature': sign(SECRET, id, NOW, body) };
}

/** The WebhookVerificationError `run` throws (fails when it throws anything else, or nothing). */
function verificationError(run: () => unknown): WebhookVerificationError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof WebhookVerificationError, String(error));
    return error;
  }
  assert.fail('expected a WebhookVerificationError');
}

describe('secrets: every one given is checked', () => {
  test('a trailing empty secret is invalid_secret, not dropped', () => {
    for (const secrets of [[SECRET, ''], ['', SECRET], [SECRET, '', ''], [SECRET, SECRET, '']]) {
      for (const run of [verify, verifyRaw]) {
        const error = verificationError(() => run(BODY, headersFor(ID), secrets, AT_NOW));
        assert.equal(error.kind, 'invalid_secret', JSON.stringify(secrets));
        assert.match(error.message, /empty/);
      }
    }
    assert.equal(verificationError(() => verify(BODY, headersFor(ID), [], AT_NOW)).kind, 'invalid_secret');
    assert.equal(verificationError(() => verify(BODY, headersFor(ID), '', AT_NOW)).kind, 'invalid_secret');
  });
});

describe('a NUL in a header', () => {
  // Signed for ID, and packed as before the fix this value re-paired into webhook-id = ID and
  // verified, although the header the caller holds is not ID.
  const smuggled = `${ID}\0x\0webhook-id`;

  test('a NUL in a webhook header value is missing_header, whatever the container', () => {
    const good = headersFor(ID);
    const containers: Array<[string, WebhookHeaders]> = [
      ['object', { ...good, 'webhook-id': smuggled }],
      ['object, string[]', { ...good, 'webhook-id': [ID, smuggled] }],
      ['object, other case', { 'Webhook-Id': smuggled, 'webhook-timestamp': good['webhook-timestamp'] as string, 'webhook-signature': good['webhook-signature'] as string }],
      ['Map', new Map(Object.entries({ ...good, 'webhook-id': smuggled }))],
      ['pairs', Object.entries({ ...good, 'webhook-id': smuggled }) as Array<[string, string]>],
    ];
    for (const [name, headers] of containers) {
      const error = verificationError(() => verify(BODY, headers, SECRET, AT_NOW));
      assert.equal(error.kind, 'missing_header', name);
      assert.equal(error.message, 'the webhook-id header has a NUL character', name);
    }
    for (const header of ['webhook-timestamp', 'webhook-signature']) {
      const headers = { ...good, [header]: `${good[header]}\0` };
      const error = verificationError(() => verifyRaw(BODY, headers, SECRET, AT_NOW));
      assert.equal(error.kind, 'missing_header', header);
      assert.match(error.message, new RegExp(`the ${header} header has a NUL character`));
    }
  });

  test('a name with a NUL, or matched only by a Unicode case fold, is not a webhook header', () => {
    const good = headersFor(ID);
    for (const name of ['webhook-id\0', '\0webhook-id', 'WEBHOO\u212A-ID']) {
      const pairs: Array<[string, string]> = [[name, ID], ['webhook-timestamp', String(NOW)], ['webhook-signature', good['webhook-signature'] as string]];
      const error = verificationError(() => verify(BODY, pairs, SECRET, AT_NOW));
      assert.equal(error.kind, 'missing_header', JSON.stringify(name));
      assert.match(error.message, /webhook-id/);
    }
    // The same name in ASCII of any case is read.
    assert.equal(verify(BODY, [['WEBHOOK-ID', ID], ['Webhook-Timestamp', String(NOW)], ['webhook-SIGNATURE', good['webhook-signature'] as string]], SECRET, AT_NOW).webhookId, ID);
  });
});

describe("the event keeps its own copy of the body", () => {
  test('overwriting the Buffer after verify changes neither event.data nor event.raw', () => {
    const bytes = Buffer.from(BODY);
    const event = verify(bytes, headersFor(ID), SECRET, AT_NOW);
    // Still valid JSON, so reading data from the caller's buffer would have returned 'soft'.
    bytes.write('soft', bytes.indexOf('"hard"') + 1);
    assert.deepEqual(event.data, DATA);
    assert.equal(event.raw.toString(), BODY);
    bytes.fill(0);
    assert.equal(event.raw.toString(), BODY);
  });

  test('the same for a Uint8Array view and an ArrayBuffer', () => {
    const larger = new Uint8Array(BODY.length + 8);
    larger.set(Buffer.from(BODY), 4);
    const view = larger.subarray(4, 4 + BODY.length);
    const arrayBuffer = new Uint8Array(Buffer.from(BODY)).buffer;
    for (const [name, body, overwrite] of [
      ['view', view, () => larger.fill(0x20)],
      ['ArrayBuffer', arrayBuffer, () => new Uint8Array(arrayBuffer).fill(0x20)],
    ] as const) {
      const event = verify(body, headersFor(ID), SECRET, AT_NOW);
      overwrite();
      assert.deepEqual(event.data, DATA, name);
      assert.equal(event.raw.toString(), BODY, name);
    }
  });
});

describe('a panic in the native module', () => {
  interface Native {
    __panicForTest(message: string): void;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const native = require(path.join(PACKAGE_ROOT, 'native', 'index.js')) as Native;

  test('is a JS error (the api kind, as in Go), and the process carries on', () => {
    for (let i = 0; i < 2; i++) {
      assert.throws(
        () => native.__panicForTest(`boom ${i}`),
        (error: unknown) => {
          assert.ok(error instanceof Error, String(error));
          assert.deepEqual(JSON.parse(error.message), { kind: 'api', message: `internal error in the send0 core: boom ${i}` });
          return true;
        },
      );
    }
    // An abort would have ended this process before here.
    assert.equal(verify(BODY, headersFor(ID), SECRET, AT_NOW).webhookId, ID);
  });

  test('is not part of the public API', () => {
    assert.deepEqual(Object.keys(send0).filter((name) => /panic/i.test(name)), []);
  });

  test('every export of the native module runs its body shielded', () => {
    const source = fs.readFileSync(path.join(PACKAGE_ROOT, 'src', 'lib.rs'), 'utf8');
    // Each `#[napi…]` item up to the next one; the items that are functions must use `shielded`.
    const items = source.split('#[napi').slice(1);
    const functions = items.filter((item) => /^[^\n]*\]\s*(?:#\[[^\n]*\]\s*)*pub fn /.test(item));
    assert.ok(functions.length >= 10, `found ${functions.length} exported functions`);
    for (const item of functions) {
      const name = /pub fn (\w+)/.exec(item)?.[1];
      assert.ok(item.includes('shielded('), `${name} does not run inside shielded()`);
    }
  });
});
