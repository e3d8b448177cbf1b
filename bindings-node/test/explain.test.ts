/**
 * `Send0.webhooks.explain` in the Node-API build: every case of tests/fixtures/explain/explain.json
 * through the runtime-neutral checker the edge runtimes also run (tests/edge/suite.mjs: `expect`
 * as core/tests/explain.rs reads it, no part of a secret in a report or an error, `verified` as
 * verifyRaw answers, the failed verify's `hint` equal to the summary, and the same report from every
 * body form and header container), the typed report, `WebhookVerificationError.hint`, and the
 * example receivers, which log the hint and never send it back.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';

import * as send0 from 'send0';
import { type DiagnosisCode, Send0, WebhookVerificationError, type WebhookExplanation, sign, verify } from 'send0';

import { PACKAGE_ROOT, REPO_ROOT, waitFor } from './helpers';

interface ExplainCase {
  name: string;
  secrets: string[];
  headers: Array<[string, string]>;
  body: string;
  now: number;
  expect: { verified: boolean; diagnoses: string[]; matched_secrets: Array<number | null>; altered: string | null; fix_mentions?: string };
}
interface Checker {
  checkExplain(sdk: unknown, c: ExplainCase): { checks: number; problems: string[]; hinted: boolean };
}

const EXPLAIN_DIR = path.join(REPO_ROOT, 'tests', 'fixtures', 'explain');
const cases = (JSON.parse(fs.readFileSync(path.join(EXPLAIN_DIR, 'explain.json'), 'utf8')) as { cases: ExplainCase[] }).cases;
const checker = import(pathToFileURL(path.join(REPO_ROOT, 'tests', 'edge', 'suite.mjs')).href) as Promise<Checker>;

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NOW = 1_700_000_000;
const BODY = '{"eventId":"evt_1","type":"platform.test","service":"platform","data":{},"livemode":false,"createdAt":1700000000000}';
const signed = (body = BODY): Record<string, string> => ({
  'webhook-id': 'msg_1',
  'webhook-timestamp': String(NOW),
  'webhook-signature': sign(SECRET, 'msg_1', NOW, body),
});

/** Every code of the core's DiagnosisCode: the record fails to compile when the union lacks one or has another. */
const CODES: Record<DiagnosisCode, true> = {
  verified: true, missing_header: true, svix_headers: true, underscored_headers: true, timestamp_not_digits: true,
  timestamp_in_milliseconds: true, timestamp_too_old: true, timestamp_too_new: true, no_secret: true, secret_invalid: true,
  secret_whitespace: true, secret_doubled_prefix: true, secret_is_api_key: true, secret_too_short: true, public_key_for_v1: true,
  hmac_secret_for_v1a: true, no_signature_entries: true, body_newline_added: true, body_newline_removed: true,
  body_line_endings_changed: true, body_reserialized: true, body_object_object: true, body_empty: true, no_match: true,
};

describe('explain (Node-API)', () => {
  test('every explain vector: expect, no secret, verified as verifyRaw, the hint, every container', async () => {
    const { checkExplain } = await checker;
    let hinted = 0;
    let checks = 0;
    const failures: string[] = [];
    for (const c of cases) {
      const result = checkExplain(send0, c);
      checks += result.checks;
      if (result.hinted) hinted++;
      for (const problem of result.problems) failures.push(`${c.name}: ${problem}`);
    }
    assert.deepEqual(failures, []);
    assert.ok(cases.length >= 26, `only ${cases.length} cases`);
    assert.ok(hinted >= 10, `only ${hinted} hints compared with their summary`);
    assert.ok(checks >= cases.length * 9, `only ${checks} container checks`);
  });

  test("the report is typed and camelCased; the union is the core's list of codes", () => {
    const core = fs.readFileSync(path.join(REPO_ROOT, 'core', 'src', 'webhooks', 'explain.rs'), 'utf8');
    const codes = [...core.matchAll(/DiagnosisCode::\w+ => "(\w+)"/g)].map((m) => m[1]).sort();
    assert.deepEqual(Object.keys(CODES).sort(), codes);
    const readme = fs.readFileSync(path.join(EXPLAIN_DIR, 'README.md'), 'utf8');
    for (const [, code] of readme.matchAll(/^\| `(\w+)` \|/gm)) assert.ok(code && code in CODES, code);
    const seen = new Set<string>();
    for (const c of cases) {
      const report: WebhookExplanation = Send0.webhooks.explain(c.body, c.headers, c.secrets, { now: c.now });
      JSON.stringify(report, (key, value: unknown) => (seen.add(key), value));
      for (const d of report.diagnoses) assert.ok(d.code in CODES, d.code);
    }
    seen.delete('');
    const keys = [...seen].filter((k) => !/^\d+$/.test(k));
    assert.deepEqual(keys.filter((k) => k.includes('_')), [], 'snake_case keys');
    for (const key of ['unixSeconds', 'skewSeconds', 'toleranceSeconds', 'withinTolerance', 'looksLikeMilliseconds', 'keyLength', 'repaired', 'wellFormed', 'matchedSecret', 'altered']) {
      assert.ok(seen.has(key), key);
    }
  });

  test('every header of the request reaches explain, in any container; verify keeps to its three', () => {
    const headers = signed();
    const svix = { 'content-type': 'application/json', 'user-agent': 'send0', ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.replace('webhook', 'svix'), v])) };
    const report = Send0.webhooks.explain(BODY, svix, SECRET, { now: new Date(NOW * 1000) });
    assert.equal(report.headers.source, 'svix');
    assert.deepEqual(report.headers.names, ['svix-id', 'svix-signature', 'svix-timestamp']);
    assert.deepEqual([report.verified, report.diagnoses[0]?.code, report.entries[0]?.matchedSecret], [false, 'svix_headers', 0]);
    assert.throws(() => verify(BODY, svix, SECRET, { now: NOW }), (e: unknown) => e instanceof WebhookVerificationError && e.kind === 'missing_header');
    assert.deepEqual(Send0.webhooks.explain(BODY, headers, [], { now: NOW }).diagnoses.map((d) => d.code), ['no_secret']);
    // A header explain cannot pass on (a NUL would re-pair the others) is left out, not thrown over.
    const withNul = Send0.webhooks.explain(Buffer.from(BODY), [...Object.entries(headers), ['x-odd', 'a\0b']] as Array<[string, string]>, [SECRET], { now: NOW });
    assert.deepEqual([withNul.verified, withNul.diagnoses[0]?.code], [true, 'verified']);
    // An argument of the wrong type is still a TypeError, as for verify.
    assert.throws(() => Send0.webhooks.explain({ type: 'x' } as never, headers, SECRET), TypeError);
    assert.throws(() => Send0.webhooks.explain(BODY, headers, 42 as never), TypeError);
  });

  test('WebhookVerificationError.hint: the summary on a failed verify, null where the core gave none', () => {
    const body = `${BODY}\n`;
    const error = (run: () => unknown): WebhookVerificationError => {
      try {
        run();
      } catch (e) {
        assert.ok(e instanceof WebhookVerificationError);
        return e;
      }
      assert.fail('no error');
    };
    const failed = error(() => verify(body, signed(), SECRET, { now: NOW }));
    assert.equal(failed.hint, Send0.webhooks.explain(body, signed(), SECRET, { now: NOW }).summary);
    assert.match(failed.hint ?? '', /express\.raw/);
    assert.ok(!failed.message.includes(failed.hint ?? '-'));
    // Refused on this side of the boundary, before the core: no hint.
    assert.equal(error(() => verify(BODY, { ...signed(), 'webhook-id': 'a\0b' }, SECRET)).hint, null);
    assert.equal(new WebhookVerificationError('made here', 'invalid_signature').hint, null);
  });
});

/** Starts an example receiver (build/examples/node/NAME.js) on a free port: its URL, its log, and how to stop it. */
async function example(name: string): Promise<{ url: string; log: () => string; stop: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'send0-explain-'));
  const ready = path.join(dir, 'url');
  const script = path.join(PACKAGE_ROOT, 'build', 'examples', 'node', `${name}.js`);
  const child: ChildProcess = spawn(process.execPath, [script, '--port', '0', '--ready-file', ready], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, SEND0_WEBHOOK_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const url = await waitFor(`${name} to listen (${log})`, () => (fs.existsSync(ready) ? fs.readFileSync(ready, 'utf8') : ''));
    return {
      url,
      log: () => log,
      stop: async () => {
        child.kill('SIGTERM');
        await exited;
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
}

describe('the example receivers (the handlers the README shows)', () => {
  for (const name of ['express-receiver', 'next-route']) {
    test(`${name} answers a failed verify with kind and message, and logs the hint only`, async () => {
      const receiver = await example(name);
      try {
        const now = Math.floor(Date.now() / 1000);
        const headers = { 'content-type': 'application/json', 'webhook-id': 'msg_1', 'webhook-timestamp': String(now), 'webhook-signature': sign(SECRET, 'msg_1', now, BODY) };
        const body = `${BODY}\n`;
        const summary = Send0.webhooks.explain(body, headers, SECRET, { now }).summary;
        const response = await fetch(receiver.url, { method: 'POST', headers, body });
        const answer = await response.text();
        assert.equal(response.status, 400);
        const parsed = JSON.parse(answer) as Record<string, unknown>;
        assert.deepEqual(Object.keys(parsed).sort(), ['error', 'message']);
        assert.equal(parsed['error'], 'invalid_signature');
        assert.ok(!answer.includes(summary.split(':')[0] ?? summary), `the answer gives the hint away: ${answer}`);
        await waitFor('the rejection in the log', () => receiver.log().includes('rejected a delivery'));
        assert.ok(receiver.log().includes(`(hint: ${summary})`), receiver.log());
      } finally {
        await receiver.stop();
      }
    });
  }
});
