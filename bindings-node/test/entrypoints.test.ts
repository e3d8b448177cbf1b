/**
 * The package's two entry points: `require('send0')` (CommonJS, dist/) and `import('send0')`
 * (ESM, esm/index.mjs) expose the same classes, so `instanceof` works whichever way a module loaded it.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import * as cjs from 'send0';

import { PACKAGE_ROOT } from './helpers';

const CLASSES = [
  'Send0',
  'WebhooksResource',
  'Page',
  'PagePromise',
  'Send0Error',
  'APIError',
  'AuthenticationError',
  'PermissionDeniedError',
  'NotFoundError',
  'InvalidRequestError',
  'ConflictError',
  'RateLimitError',
  'InternalServerError',
  'APIConnectionError',
  'APITimeoutError',
  'APIResponseDecodeError',
  'InvalidArgumentError',
  'APIUserAbortError',
  'WebhookVerificationError',
] as const;
const FUNCTIONS = ['verify', 'verifyRaw', 'sign'] as const;

function nodeEval(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: PACKAGE_ROOT, encoding: 'utf8', timeout: 10_000 });
}

describe('entry points', () => {
  test('require and import resolve to dist/index.js and esm/index.mjs', () => {
    assert.equal(require.resolve('send0'), path.join(PACKAGE_ROOT, 'dist', 'index.js'));
    const resolved = nodeEval(['--input-type=module', '-e', "console.log(import.meta.resolve('send0'))"]).trim();
    assert.equal(resolved, `file://${path.join(PACKAGE_ROOT, 'esm', 'index.mjs')}`);
  });

  test('the ESM entry exports the very same classes and functions as the CommonJS one', async () => {
    const esm = await import('send0');
    const esmAll = esm as unknown as Record<string, unknown>;
    const cjsAll = cjs as unknown as Record<string, unknown>;
    for (const name of [...CLASSES, ...FUNCTIONS, 'webhooks']) {
      assert.equal(typeof cjsAll[name], name === 'webhooks' ? 'object' : 'function', `require('send0').${name}`);
      assert.equal(esmAll[name], cjsAll[name], `import('send0').${name} is require('send0').${name}`);
    }
    // Nothing exported by one entry is missing from the other.
    const cjsNames = Object.keys(cjs).filter((k) => k !== 'default' && k !== '__esModule').sort();
    const esmNames = Object.keys(esm).filter((k) => k !== 'default').sort();
    assert.deepEqual(esmNames, cjsNames);
  });

  test('instanceof works across the two entries', async () => {
    const esm = await import('send0');
    const fromCjs = (() => {
      try {
        cjs.verify('{}', {}, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
      } catch (error) {
        return error;
      }
      return null;
    })();
    assert.ok(fromCjs instanceof esm.WebhookVerificationError);
    assert.ok(fromCjs instanceof esm.Send0Error);
    let fromEsm: unknown = null;
    try {
      esm.verify('{}', {}, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    } catch (error) {
      fromEsm = error;
    }
    assert.ok(fromEsm instanceof cjs.WebhookVerificationError);
    const client = new esm.Send0('sk_test_entrypoints', { baseUrl: 'http://127.0.0.1:9' });
    assert.ok(client instanceof cjs.Send0);
    assert.ok(client.webhooks instanceof cjs.WebhooksResource);
  });

  test('a real ES module consumer: named imports, a default import, and verify', () => {
    const script = `
      import send0, { Send0, verify, sign, WebhookVerificationError } from 'send0';
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const fromRequire = require('send0');
      const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
      const now = 1700000000;
      const body = JSON.stringify({ type: 'email.delivered', data: { email_id: 'em_1' } });
      const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(now), 'webhook-signature': sign(secret, 'msg_1', now, body) };
      const event = verify(body, headers, secret, { now });
      console.log(JSON.stringify({
        type: event.type,
        createdAtIsDate: event.createdAt instanceof Date,
        sameClass: Send0 === fromRequire.Send0 && send0.Send0 === Send0,
        sameError: WebhookVerificationError === fromRequire.WebhookVerificationError,
        staticVerify: Send0.webhooks.verify === verify,
      }));`;
    const out = JSON.parse(nodeEval(['--input-type=module', '-e', script])) as Record<string, unknown>;
    assert.deepEqual(out, { type: 'email.delivered', createdAtIsDate: true, sameClass: true, sameError: true, staticVerify: true });
  });
});
