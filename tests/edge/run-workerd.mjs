// Runs the Worker that wrangler bundled (tests/edge/workerd) in workerd, through miniflare:
// every shared vector inside the Worker, then real signed deliveries from send0-server to the
// Worker over HTTP (an event and a test call), and a forged one refused.
//
//   node22 run-workerd.mjs BUNDLE_DIR SEND0_BASE_URL
import path from 'node:path';

import { Miniflare } from 'miniflare';

const [bundleDir, baseUrl] = process.argv.slice(2);
const apiKey = 'sk_test_send0_local';

async function api(method, route, body) {
  const response = await fetch(baseUrl + route, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function fail(message) {
  console.error(`workerd: ${message}`);
  process.exitCode = 1;
}

// The endpoint first (its secret goes to the Worker as a binding), pointed at the Worker once it listens.
const endpoint = await api('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/not-yet', description: 'workerd test' });
const scriptPath = path.resolve(bundleDir, 'worker.js');
const mf = new Miniflare({
  modules: true,
  scriptPath,
  modulesRoot: path.dirname(scriptPath),
  // wrangler wrote the .wasm beside the bundle; miniflare has no default rule for it.
  modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
  compatibilityDate: '2025-01-01',
  bindings: { SEND0_WEBHOOK_SECRET: endpoint.secret },
  host: '127.0.0.1',
  port: 0,
});
try {
  const url = await mf.ready;
  const report = await (await mf.dispatchFetch(new URL('/fixtures', url))).json();
  if (report.entry !== 'edge') fail(`send0 resolved to its ${report.entry} entry`);
  for (const failure of report.failures) fail(failure);
  console.log(`workerd: send0 ${report.version} (${report.entry} entry): ${report.cases} fixture cases, ${report.checks} checks, ${report.failures.length} failed`);

  const client = await (await mf.dispatchFetch(new URL('/client', url))).text();
  if (!/^InvalidArgumentError: the send0 API client needs the Node runtime/.test(client)) fail(`the client: ${client}`);

  await api('PATCH', `/v1/webhooks/${endpoint.id}`, { url: new URL('/webhook', url).href });
  const test = await api('POST', `/v1/webhooks/${endpoint.id}/test`);
  if (!test.success || test.status_code !== 200) fail(`the test delivery: ${JSON.stringify(test)}`);
  const emitted = await api('POST', '/v1/events', { type: 'email.bounced' });
  let received = [];
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    received = await (await mf.dispatchFetch(new URL('/received', url))).json();
    if (received.some((e) => e.id === emitted.event_id)) break;
  }
  const bounced = received.find((e) => e.id === emitted.event_id);
  if (!received.some((e) => e.type === 'platform.test')) fail('the test delivery did not reach the Worker verified');
  if (!bounced || bounced.type !== 'email.bounced' || !bounced.data?.bounce_type) fail(`the email.bounced delivery: ${JSON.stringify(received)}`);

  const forged = await mf.dispatchFetch(new URL('/webhook', url), {
    method: 'POST',
    body: '{"type":"email.delivered"}',
    headers: { 'webhook-id': 'msg_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,Zm9yZ2VkIHNpZ25hdHVyZSBmb3JnZWQgc2lnbmF0dXJlIQ==' },
  });
  const forgedText = await forged.text();
  if (forged.status !== 400 || !forgedText.startsWith('invalid_signature')) fail(`a forged delivery: ${forged.status} ${forgedText}`);
  console.log(`workerd: ${received.length} deliveries from send0-server verified in the Worker (${received.map((e) => e.type).join(', ')}), a forged one refused with 400`);
} finally {
  await mf.dispose();
  await api('DELETE', `/v1/webhooks/${endpoint.id}`).catch(() => {});
}
