// The Node SDK beside its peers, both sides in one process, one run.
//
//     node bench/node/bench.mjs [--rounds 15] [--server PATH] [--skip-client]
//
// (after `make build-node`; it loads the built package and npm `standardwebhooks` from bindings-node/.)
//
// 1. Webhook verification: `Send0.webhooks.verify` beside npm `standardwebhooks` 1.1.x `Webhook.verify`
//    (which also parses the JSON) on a send0 envelope of 1 KiB, 64 KiB and 1 MiB: same body (a
//    Buffer, as express.raw gives it), same headers, same secret, a fresh timestamp, both verifying
//    successfully. For the analysis also the signature-only forms (`verifyRaw`, and standardwebhooks
//    with `jsonParse: false`), and standardwebhooks given the body as a string.
// 2. The edge build (bindings-node/wasm: the core compiled to WebAssembly, what `send0` resolves to
//    on workerd, Vercel Edge, Deno --conditions=worker and browsers), run in Node: `verify` (then
//    `.data`) beside standardwebhooks' `Webhook.verify`, and `verifyRaw` beside npm `svix`
//    `Webhook.verify` (signature only in svix 2.x) and standardwebhooks with `jsonParse: false`; the
//    Node-API `verify` for reference. Same bodies, headers and secret as in 1.
// 3. The API client against a local send0-server (the release build when there is one): 1,000
//    sequential `client.webhooks.get(id)` beside plain `fetch` sending the same GET (same URL, same
//    Authorization header, then `.json()`), and 1,000 concurrent gets (`Promise.all`) each way.
//
// The two sides of each comparison alternate within every round (send0 first in even rounds, the
// peer first in odd ones) so that drift in the machine's speed falls on both. Figures are medians
// over the rounds; "±" is half the interquartile range relative to the median. Prints markdown.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Resolve both packages the way an app inside bindings-node would: the built `send0` (through its
// own exports) and the pinned dev dependency.
const require = createRequire(join(ROOT, 'bindings-node', 'package.json'));
const { Send0 } = require('send0');
const { Webhook } = require('standardwebhooks');
const standardVersion = require('standardwebhooks/package.json').version;
const { Webhook: SvixWebhook } = await import(require.resolve('svix'));
const svixVersion = require('svix/package.json').version;
const edge = await import(require.resolve('send0-wasm'));
const send0Version = require('send0/package.json').version;

const API_KEY = 'sk_test_send0_local';
const SIZES = [
  ['1 KiB', 1024],
  ['64 KiB', 64 * 1024],
  ['1 MiB', 1024 * 1024],
];

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const ROUNDS = Number(option('--rounds', '15'));

// ---- statistics ------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
};
const spread = (xs) => (quantile(xs, 0.75) - quantile(xs, 0.25)) / 2 / median(xs);
const now = () => Number(process.hrtime.bigint()) / 1e9;

function fmt(seconds) {
  if (seconds < 1e-6) return `${(seconds * 1e9).toFixed(0)} ns`;
  if (seconds < 1e-3) return `${(seconds * 1e6).toFixed(2)} µs`;
  if (seconds < 1) return `${(seconds * 1e3).toFixed(2)} ms`;
  return `${seconds.toFixed(3)} s`;
}
const cell = (xs) => `${fmt(median(xs))} ±${(spread(xs) * 100).toFixed(0)}%`;

/** Iterations for one timed batch of `fn` to take about `target` seconds. */
function calibrate(fn, target = 0.05) {
  let n = 1;
  for (;;) {
    const t = now();
    for (let i = 0; i < n; i++) fn();
    const dt = now() - t;
    if (dt >= target || n >= 1 << 24) return Math.max(1, Math.round((n * target) / Math.max(dt, 1e-9)));
    n *= 2;
  }
}

/** Seconds per call of each function, one value per round, the functions alternating in order. */
function compareSync(fns) {
  const names = Object.keys(fns);
  const iters = Object.fromEntries(names.map((k) => [k, calibrate(fns[k])]));
  const samples = Object.fromEntries(names.map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const k of order) {
      const fn = fns[k];
      const n = iters[k];
      const t = now();
      for (let i = 0; i < n; i++) fn();
      samples[k].push((now() - t) / n);
    }
  }
  return samples;
}

// ---- 1. verification ------------------------------------------------------------------------

/** A send0 email.delivered envelope padded to exactly `size` bytes (data.html carries the bulk). */
function envelope(size, createdAt) {
  const base = {
    eventId: 'evt_0b6a1c7e-2f7d-4d0e-9d55-4d2b7c1e9a10',
    type: 'email.delivered',
    service: 'email',
    data: {
      email_id: 'em_3mKpLvRw9nQx',
      from: 'Acme <billing@acme.test>',
      to: ['ada@example.test'],
      subject: 'Your March invoice',
      html: '',
    },
    livemode: false,
    createdAt,
  };
  const empty = Buffer.byteLength(JSON.stringify(base));
  const filler = '<p>Thank you for your business. Your invoice is attached.</p>\n';
  let html = filler.repeat(Math.ceil((size - empty) / filler.length) + 1);
  base.data.html = html;
  // Trim to the exact size (the filler is ASCII; "\n" serializes as two bytes, so adjust by bytes).
  while (Buffer.byteLength(JSON.stringify(base)) > size) {
    const over = Buffer.byteLength(JSON.stringify(base)) - size;
    html = html.slice(0, html.length - Math.max(1, Math.floor(over / 2)));
    base.data.html = html;
  }
  while (Buffer.byteLength(JSON.stringify(base)) < size) {
    html += 'x';
    base.data.html = html;
  }
  return Buffer.from(JSON.stringify(base));
}

/** The same body, headers and secret for every verifier: { label, body, text, headers, secret }. */
function deliveries() {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  return SIZES.map(([label, size]) => {
    const timestamp = Math.floor(Date.now() / 1000);
    const body = envelope(size, timestamp * 1000);
    if (body.length !== size) throw new Error(`envelope is ${body.length} bytes, not ${size}`);
    const id = 'evt_0b6a1c7e-2f7d-4d0e-9d55-4d2b7c1e9a10';
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'send0-webhooks/0.1.0',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': Send0.webhooks.sign(secret, id, timestamp, body),
    };
    return { label, body, text: body.toString('utf8'), headers, secret, id, timestamp };
  });
}

function benchEdge() {
  return deliveries().map(({ label, body, headers, secret }) => {
    const standard = new Webhook(secret);
    const svix = new SvixWebhook(secret);
    // All succeed (and agree) before anything is timed.
    const ours = edge.verify(body, headers, secret);
    if (ours.data.html !== standard.verify(body, headers).data.html || Send0.webhooks.verify(body, headers, secret).id !== ours.id) {
      throw new Error('the verifiers disagree');
    }
    svix.verify(body, headers);
    edge.verifyRaw(body, headers, secret);
    const samples = compareSync({
      edge: () => edge.verify(body, headers, secret),
      edgeData: () => edge.verify(body, headers, secret).data,
      native: () => Send0.webhooks.verify(body, headers, secret),
      standard: () => standard.verify(body, headers),
      edgeRaw: () => edge.verifyRaw(body, headers, secret),
      svix: () => svix.verify(body, headers),
      standardRaw: () => standard.verify(body, headers, { jsonParse: false }),
    });
    return { label, samples };
  });
}

function benchVerify() {
  const rows = [];
  for (const { label, body, text, headers, secret, id, timestamp } of deliveries()) {
    const wh = new Webhook(secret);
    // Both succeed (and agree) before anything is timed.
    const event = Send0.webhooks.verify(body, headers, secret);
    const theirs = wh.verify(body, headers);
    if (event.type !== 'email.delivered' || theirs.type !== 'email.delivered' || event.data.html !== theirs.data.html) {
      throw new Error('the two verifiers disagree');
    }
    if (wh.sign(id, new Date(timestamp * 1000), text) !== headers['webhook-signature']) throw new Error('signatures differ');
    const samples = compareSync({
      send0: () => Send0.webhooks.verify(body, headers, secret),
      // The same, reading `data` (which the SDK parses on first read) as the peer's result has it parsed.
      send0Data: () => Send0.webhooks.verify(body, headers, secret).data,
      standard: () => wh.verify(body, headers),
      standardString: () => wh.verify(text, headers),
      send0Raw: () => Send0.webhooks.verifyRaw(body, headers, secret),
      standardRaw: () => wh.verify(body, headers, { jsonParse: false }),
    });
    rows.push({ label, samples });
  }
  return rows;
}

// ---- 2. the client ----------------------------------------------------------------------------

async function startServer(bin) {
  const dir = mkdtempSync(join(tmpdir(), 'send0-node-bench-'));
  const ready = join(dir, 'ready');
  const child = spawn(bin, ['--port', '0', '--ready-file', ready], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  while (!existsSync(ready) || readFileSync(ready, 'utf8').trim() === '') {
    if (child.exitCode !== null) throw new Error(`${bin} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${bin} did not start`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const url = readFileSync(ready, 'utf8').trim();
  return {
    url,
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function benchClient(bin) {
  const server = await startServer(bin);
  try {
    const client = new Send0(API_KEY, { baseUrl: server.url });
    const endpoint = await client.webhooks.create({ url: 'https://example.test/webhooks/send0', events: ['email.*'] });
    const url = `${server.url}/v1/webhooks/${endpoint.id}`;
    const headers = { authorization: `Bearer ${API_KEY}` };
    const viaSend0 = () => client.webhooks.get(endpoint.id);
    const viaFetch = async () => {
      const response = await fetch(url, { headers });
      if (!response.ok) throw new Error(`fetch: ${response.status}`);
      return response.json();
    };
    const a = await viaSend0();
    const b = await viaFetch();
    if (a.id !== b.id) throw new Error('the two clients disagree');
    // Warm both: connections in both pools, JIT.
    for (let i = 0; i < 200; i++) {
      await viaSend0();
      await viaFetch();
    }
    await Promise.all(Array.from({ length: 1000 }, viaSend0));
    await Promise.all(Array.from({ length: 1000 }, viaFetch));

    const fns = { send0: viaSend0, fetch: viaFetch };
    const sequential = { send0: [], fetch: [] };
    const concurrent = { send0: [], fetch: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ['send0', 'fetch'] : ['fetch', 'send0'];
      for (const k of order) {
        const t = now();
        for (let i = 0; i < 1000; i++) await fns[k]();
        sequential[k].push((now() - t) / 1000);
      }
      for (const k of order) {
        const t = now();
        await Promise.all(Array.from({ length: 1000 }, fns[k]));
        concurrent[k].push(now() - t);
      }
    }
    return { sequential, concurrent };
  } finally {
    server.stop();
  }
}

// ---- the report -------------------------------------------------------------------------------

const ratio = (ours, theirs) => median(theirs) / median(ours);

async function main() {
  const release = join(ROOT, 'target', 'release', 'send0-server');
  const debug = join(ROOT, 'target', 'debug', 'send0-server');
  const bin = option('--server', existsSync(release) ? release : debug);
  console.log(`# send0 Node SDK benchmarks`);
  console.log('');
  console.log(
    `node ${process.version}, send0 ${send0Version}, standardwebhooks ${standardVersion}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}; ` +
      `${ROUNDS} rounds; server ${bin.replace(ROOT + '/', '')}`,
  );
  console.log('');

  const verify = benchVerify();
  console.log('## Verify (per call; the body a Buffer as express.raw gives it)');
  console.log('');
  console.log('| body | `Send0.webhooks.verify` | standardwebhooks `Webhook.verify` | speed-up | goal | `verify` then read `.data` | speed-up | `verifyRaw` (signature only) | standardwebhooks `jsonParse: false` | speed-up | standardwebhooks, body as a string |');
  console.log('|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const { label, samples: s } of verify) {
    const r = ratio(s.send0, s.standard);
    const goal = label === '1 KiB' ? 3 : label === '1 MiB' ? 10 : null;
    const verdict = goal === null ? '—' : `≥${goal}x: ${r >= goal ? 'met' : 'NOT met'}`;
    console.log(
      `| ${label} | ${cell(s.send0)} | ${cell(s.standard)} | ${r.toFixed(1)}x | ${verdict} | ${cell(s.send0Data)} | ${ratio(s.send0Data, s.standard).toFixed(1)}x | ${cell(s.send0Raw)} | ${cell(s.standardRaw)} | ${ratio(s.send0Raw, s.standardRaw).toFixed(1)}x | ${cell(s.standardString)} |`,
    );
  }
  console.log('');

  const edgeRows = benchEdge();
  console.log(`## The edge build (WebAssembly) in Node, beside standardwebhooks ${standardVersion} and svix ${svixVersion}`);
  console.log('');
  console.log('| body | edge `verify` | then read `.data` | standardwebhooks `Webhook.verify` | speed-up (with `.data`) | edge `verifyRaw` | svix `Webhook.verify` (signature only) | speed-up | standardwebhooks `jsonParse: false` | speed-up | Node-API `verify` |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { label, samples: s } of edgeRows) {
    console.log(
      `| ${label} | ${cell(s.edge)} | ${cell(s.edgeData)} | ${cell(s.standard)} | ${ratio(s.edgeData, s.standard).toFixed(1)}x | ${cell(s.edgeRaw)} | ${cell(s.svix)} | ${ratio(s.edgeRaw, s.svix).toFixed(1)}x | ${cell(s.standardRaw)} | ${ratio(s.edgeRaw, s.standardRaw).toFixed(1)}x | ${cell(s.native)} |`,
    );
  }
  console.log('');
  if (process.argv.includes('--skip-client')) return;

  const client = await benchClient(bin);
  console.log('## Client: `client.webhooks.get(id)` beside plain `fetch` (same GET, then `.json()`)');
  console.log('');
  console.log('| 1,000 gets | send0 | fetch | send0 / fetch | goal ≤1.2x |');
  console.log('|---|---:|---:|---:|---|');
  for (const [label, s, unit] of [
    ['sequential (per request)', client.sequential, ''],
    ['concurrent (`Promise.all`, wall time)', client.concurrent, ''],
  ]) {
    const r = median(s.send0) / median(s.fetch);
    console.log(`| ${label} | ${cell(s.send0)}${unit} | ${cell(s.fetch)}${unit} | ${r.toFixed(2)}x | ${r <= 1.2 ? 'met' : 'NOT met'} |`);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
