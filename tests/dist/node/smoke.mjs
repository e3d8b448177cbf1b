// The installed `send0` npm package as a new user has it, in a project that holds nothing else, run
// the same under Node, Bun and Deno: the ESM `import` and the CommonJS `require` of one package
// (the same classes), every shared webhook vector through `Send0.webhooks.verify` / `verifyRaw` /
// `sign`, one client call against a running send0-server, and the version of the main package and
// of the platform package that served the native module. Standard library only.
//
// Usage: <runtime> smoke.mjs FIXTURES_DIR BASE_URL EXPECTED_VERSION

import { Buffer } from 'node:buffer';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import process from 'node:process';

import * as esm from 'send0';

const require = createRequire(path.join(process.cwd(), 'package.json'));
const cjs = require('send0');
const { Send0, NotFoundError, WebhookVerificationError } = esm;

const [fixtures, baseUrl, version] = process.argv.slice(2);
const runtime = globalThis.Deno ? `deno ${globalThis.Deno.version.deno}` : process.versions.bun ? `bun ${process.versions.bun}` : `node ${process.version}`;
const failures = [];
let passed = 0;
const expect = (ok, what) => (ok ? passed++ : failures.push(what));

function bodyOf(c) {
  return c.body_base64 !== undefined ? Buffer.from(c.body_base64, 'base64') : Buffer.from(String(c.body), 'utf8');
}

/** An empty string when the case holds, else what went wrong. */
function check(c) {
  const body = bodyOf(c);
  if (c.op === 'sign') {
    const got = Send0.webhooks.sign(c.secret, c.msg_id, c.timestamp, body);
    return got === c.expected ? '' : `signed ${got}`;
  }
  const options = { now: c.now, ...(c.tolerance === undefined ? {} : { tolerance: c.tolerance }) };
  const operation = c.op === 'verify' ? Send0.webhooks.verify : Send0.webhooks.verifyRaw;
  let event;
  try {
    event = operation(body, c.headers, c.secrets, options);
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) return `threw ${error}`;
    return error.kind === c.error ? '' : `${error.kind}: ${error.message}`;
  }
  if (c.error !== null) return `verified, but expected ${c.error}`;
  const want = c.event;
  if (want && (event.id !== want.id || event.type !== want.type || JSON.stringify(event.data) !== JSON.stringify(want.data))) {
    return `event ${JSON.stringify(event)}`;
  }
  return '';
}

// One package, whichever way it is loaded.
expect(esm.Send0 === cjs.Send0 && esm.WebhookVerificationError === cjs.WebhookVerificationError, 'import and require gave different classes');

let count = 0;
for (const file of fs.readdirSync(fixtures).filter((name) => name.endsWith('.json')).sort()) {
  for (const c of JSON.parse(fs.readFileSync(path.join(fixtures, file), 'utf8')).cases) {
    count++;
    const problem = check(c);
    if (problem) failures.push(`${file}::${c.name}: ${problem}`);
    else passed++;
  }
}

const client = new Send0('sk_test_send0_local', { baseUrl, maxRetries: 0 });
const endpoint = await client.webhooks.create({ url: 'https://example.com/smoke', events: ['email.*'] });
const fetched = await client.webhooks.get(endpoint.id);
expect(fetched.id === endpoint.id && endpoint.secret.startsWith('whsec_'), `client: created ${endpoint.id}, got ${fetched.id}`);
await client.webhooks.delete(endpoint.id);
try {
  await client.webhooks.get(endpoint.id);
  failures.push('client: a deleted endpoint was found');
} catch (error) {
  expect(error instanceof NotFoundError, `client: ${error}`);
}

// The version: the export, the main package, its edge build (send0-wasm, a dependency), and the
// platform package npm picked for this machine.
const manifests = fs.readdirSync('node_modules').filter((name) => name === 'send0' || name.startsWith('send0-'));
expect(manifests.includes('send0-wasm'), 'send0-wasm (the edge build) is installed with send0');
const platformPackages = manifests.filter((name) => name !== 'send0' && name !== 'send0-wasm');
expect(esm.VERSION === version, `VERSION is ${esm.VERSION}, expected ${version}`);
expect(platformPackages.length === 1, `platform packages installed: ${platformPackages.join(', ') || 'none'}`);
for (const name of manifests) {
  const manifest = JSON.parse(fs.readFileSync(path.join('node_modules', name, 'package.json'), 'utf8'));
  expect(manifest.version === version, `${name} is ${manifest.version}, expected ${version}`);
}

for (const failure of failures) console.log(failure);
console.log(`${runtime} smoke (${platformPackages.join(', ')}): ${count} fixture cases, import and require, client create/get/delete, version ${esm.VERSION}`);
console.log(`${passed} passed, ${failures.length} failed`);
process.exitCode = failures.length ? 1 : 0;
