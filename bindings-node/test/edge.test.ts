/**
 * The edge build (send0-wasm: the core compiled to WebAssembly, behind the workerd, edge-light,
 * worker and browser conditions of `send0`), run in Node: every shared vector through it and
 * through the Node-API build with the same runtime-neutral runner (tests/edge/suite.mjs), how
 * `send0` resolves under each condition, the client's refusal, and a trap in the core. The explain
 * vectors are among them (explain.test.ts has the rest of explain's tests).
 * tests/edge/run.sh runs the same runner in workerd, the Edge VM, Deno and Chromium.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';

import * as native from 'send0';

import { FIXTURES_DIR, PACKAGE_ROOT, REPO_ROOT } from './helpers';

type Edge = typeof import('send0-wasm', { with: { 'resolution-mode': 'import' } });
interface SuiteResult {
  cases: number;
  checks: number;
  failures: string[];
}
interface Suite {
  runFixtures(send0: unknown, files: unknown): SuiteResult;
}

const EDGE_DIR = path.join(REPO_ROOT, 'tests', 'edge');
const importFile = async <T>(file: string): Promise<T> => (await import(pathToFileURL(file).href)) as T;
const loadEdge = (): Promise<Edge> => import('send0-wasm');

async function suite(): Promise<{ runFixtures: Suite['runFixtures']; files: unknown }> {
  const { runFixtures } = await importFile<Suite>(path.join(EDGE_DIR, 'suite.mjs'));
  const { default: files } = await importFile<{ default: unknown }>(path.join(EDGE_DIR, 'fixtures.mjs'));
  return { runFixtures, files };
}

/** `import('send0')` in a fresh Node with the given conditions: what it printed. */
function importWith(conditions: string[], code: string): string {
  const args = [...conditions.map((c) => `--conditions=${c}`), '--input-type=module', '-e', code];
  return execFileSync(process.execPath, args, { cwd: PACKAGE_ROOT, encoding: 'utf8', timeout: 20_000 }).trim();
}

describe('the edge build (WebAssembly) in Node', () => {
  test('every shared vector passes through both builds, in every body form and header container', async () => {
    const { runFixtures, files } = await suite();
    const wasm = runFixtures(await loadEdge(), files);
    const nativeResult = runFixtures(native, files);
    assert.deepEqual(wasm.failures, []);
    assert.deepEqual(nativeResult.failures, []);
    assert.ok(wasm.cases >= 150, `only ${wasm.cases} cases`);
    assert.equal(wasm.checks, nativeResult.checks);
  });

  test('tests/edge/fixtures.mjs imports every vector file, and the explain vectors', () => {
    const text = fs.readFileSync(path.join(EDGE_DIR, 'fixtures.mjs'), 'utf8');
    const listed = [...text.matchAll(/webhooks\/([\w-]+\.json)'/g)].map((m) => m[1]);
    const present = fs.readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('.json')).sort();
    assert.deepEqual(listed, present);
    assert.match(text, /'explain\.json': explain,/);
  });

  test('send0 resolves to the edge build under workerd, edge-light, worker and browser, to Node-API otherwise', () => {
    const edgeEntry = pathToFileURL(path.join(PACKAGE_ROOT, 'edge', 'index.mjs')).href;
    for (const condition of ['workerd', 'edge-light', 'worker', 'browser']) {
      assert.equal(importWith([condition], "console.log(import.meta.resolve('send0'))"), edgeEntry, condition);
    }
    // Running it: under worker and browser the module is compiled from its bytes, as in Node (under
    // workerd and edge-light it is a build-time `.wasm?module` import, run by tests/edge/run.sh).
    const probe =
      "const s = await import('send0'); let client; try { new s.Send0('sk_test_x'); client = 'made'; } " +
      "catch (e) { client = e.constructor.name + ': ' + e.message; } console.log(JSON.stringify([s.VERSION, client]));";
    for (const condition of ['worker', 'browser']) {
      const [version, client] = JSON.parse(importWith([condition], probe)) as [string, string];
      assert.equal(version, native.VERSION, condition);
      assert.match(client, /^InvalidArgumentError: the send0 API client needs the Node runtime/, condition);
    }
    assert.deepEqual(JSON.parse(importWith([], probe)), [native.VERSION, 'made']);
  });

  test('the client classes exist on the edge entry and say they need Node', async () => {
    const edge = await loadEdge();
    for (const cls of [edge.Send0, edge.WebhooksResource, edge.Page, edge.PagePromise]) {
      assert.throws(() => new (cls as new () => unknown)(), (e: unknown) => e instanceof edge.InvalidArgumentError && /Node runtime/.test(e.message));
    }
    assert.equal(edge.Send0.webhooks, edge.webhooks);
  });

  test('a panic in the core (a trap) is an api error, and the next call gets a fresh instance', async () => {
    const edge = await loadEdge();
    // Node's WebAssembly global (its types are not in @types/node).
    const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object } };
    const module = new wasm.Module(fs.readFileSync(path.join(PACKAGE_ROOT, 'wasm', 'send0.wasm')));
    const own = edge.createEdge(module);
    assert.throws(() => own._testOnlyPanic(), (e: unknown) => e instanceof edge.Send0Error && e.kind === 'api' && /panic/.test(e.message));
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const signature = own.webhooks.sign(secret, 'msg_1', 1_700_000_000, '{"type":"email.sent"}');
    assert.equal(signature, native.sign(secret, 'msg_1', 1_700_000_000, '{"type":"email.sent"}'));
  });

  test('a 1 MiB body, and many calls, leave the instance working with its memory bounded', async () => {
    const edge = await loadEdge();
    // An instance of our own, whose memory we can see (WebAssembly memory is not counted in
    // process.memoryUsage()): the Instance constructor is watched while createEdge makes it.
    type Instance = { exports: { memory: { buffer: ArrayBuffer } } };
    const wasm = (globalThis as unknown as {
      WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => Instance };
    }).WebAssembly;
    const { Instance } = wasm;
    let memory: Instance['exports']['memory'] | undefined;
    wasm.Instance = class extends Instance {
      constructor(module: object, imports: object) {
        super(module, imports);
        memory = this.exports.memory;
      }
    };
    let own: ReturnType<typeof edge.createEdge>['webhooks'];
    try {
      own = edge.createEdge(new wasm.Module(fs.readFileSync(path.join(PACKAGE_ROOT, 'wasm', 'send0.wasm')))).webhooks;
    } finally {
      wasm.Instance = Instance;
    }
    const size = (): number => memory?.buffer.byteLength ?? NaN;
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = JSON.stringify({ type: 'email.sent', data: { html: 'x'.repeat(1 << 20) } });
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': own.sign(secret, 'msg_1', 1_700_000_000, body) };
    for (let i = 0; i < 20; i++) {
      assert.equal(own.verify(body, headers, secret, { now: 1_700_000_000 }).type, 'email.sent');
      assert.throws(() => own.verify(body + ' ', headers, secret, { now: 1_700_000_000 }), edge.WebhookVerificationError);
    }
    // Each call frees what it placed: after the 1 MiB ones, two thousand more 64 KiB verifies fit in
    // the memory the instance already has (128 MB more if they leaked).
    const small = JSON.stringify({ type: 'email.sent', data: { html: 'y'.repeat(64 << 10) } });
    const smallHeaders = { ...headers, 'webhook-signature': own.sign(secret, 'msg_1', 1_700_000_000, small) };
    const before = size();
    for (let i = 0; i < 2000; i++) own.verify(small, smallHeaders, secret, { now: 1_700_000_000 });
    assert.equal(size(), before, 'the instance grew its memory');
  });
});
