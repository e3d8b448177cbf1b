/**
 * Receivers in the two shapes Node apps have, verifying REAL deliveries from the local server:
 * an Express app with `express.raw({ type: 'application/json' })`, and a fetch-style handler
 * `(request: Request) => Promise<Response>` (Next.js route handlers, Hono, Bun, Deno, workers) served
 * through node:http.
 */

import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';

import express from 'express';
import { Send0, WebhookVerificationError, sign, type WebhookEvent } from 'send0';

import { API_KEY, EVENT_TYPES, type LocalServer, serveFetch, startServer, waitFor } from './helpers';

let server: LocalServer;
let client: Send0;
const closers: Array<() => Promise<void>> = [];

before(async () => {
  server = await startServer();
  client = new Send0(API_KEY, { baseUrl: server.url });
});

after(async () => {
  for (const close of closers) await close();
  await server?.stop();
});

interface Outcome {
  events: WebhookEvent[];
  refused: string[];
}

/** The Express receiver, as an app would write it (the secret comes later, once the endpoint exists). */
async function startExpress(secret: () => string): Promise<{ url: string; outcome: Outcome }> {
  const outcome: Outcome = { events: [], refused: [] };
  const app = express();
  app.post('/webhooks/send0', express.raw({ type: 'application/json' }), (req, res) => {
    try {
      const event = Send0.webhooks.verify(req.body as Buffer, req.headers, secret());
      outcome.events.push(event);
      res.json({ received: true });
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      outcome.refused.push(error.kind);
      res.status(400).json({ error: error.kind, message: error.message });
    }
  });
  // The mistake this SDK guards against: a route behind express.json().
  app.post('/webhooks/parsed', express.json(), (req, res) => {
    try {
      Send0.webhooks.verify(req.body as Buffer, req.headers, secret());
      res.json({ received: true });
    } catch (error) {
      res.status(500).json({ error: error instanceof TypeError ? 'TypeError' : 'other', message: (error as Error).message });
    }
  });
  const http: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  );
  const { port } = http.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/webhooks/send0`, outcome };
}

/** The fetch-style receiver: the handler only sees a WHATWG Request and returns a Response. */
async function startFetch(secret: () => string): Promise<{ url: string; outcome: Outcome }> {
  const outcome: Outcome = { events: [], refused: [] };
  async function POST(request: Request): Promise<Response> {
    const body = await request.arrayBuffer();
    try {
      const event = Send0.webhooks.verify(body, request.headers, secret());
      outcome.events.push(event);
      return Response.json({ received: true });
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      outcome.refused.push(error.kind);
      return Response.json({ error: error.kind, message: error.message }, { status: 400 });
    }
  }
  const served = await serveFetch(POST);
  closers.push(served.close);
  return { url: `${served.url}/webhooks/send0`, outcome };
}

function checkEvents(outcome: Outcome, expected: Map<string, string>): void {
  assert.deepEqual(outcome.refused, []);
  assert.equal(outcome.events.length, expected.size);
  for (const event of outcome.events) {
    assert.equal(expected.get(event.id), event.type, `event ${event.id}`);
    assert.equal(event.webhookId, event.id);
    assert.ok(event.createdAt instanceof Date);
    assert.equal(event.livemode, false);
    assert.equal(event.service, event.type.split('.')[0]);
    assert.ok(Math.abs(event.timestamp - Date.now() / 1000) < 60);
    switch (event.type) {
      case 'email.bounced':
        assert.ok(['hard', 'soft'].includes(event.data.bounce_type));
        break;
      case 'email.clicked':
        assert.equal(typeof event.data.link, 'string');
        break;
      case 'domain.health.degraded':
        assert.ok(Array.isArray(event.data.failing_checks));
        break;
      case 'platform.test':
        assert.equal(typeof event.data.message, 'string');
        break;
      default:
        assert.match(event.data.email_id, /^em_/);
        assert.ok(Array.isArray(event.data.to));
    }
  }
}

describe('receivers verifying real deliveries from send0-server', () => {
  test('Express (express.raw) and a fetch-style handler each verify one event of every type', async () => {
    let expressSecret = '';
    let fetchSecret = '';
    const [expressApp, fetchApp] = await Promise.all([startExpress(() => expressSecret), startFetch(() => fetchSecret)]);

    const forExpress = await client.webhooks.create({ url: expressApp.url, description: 'node tests: Express' });
    expressSecret = forExpress.secret;
    const forFetch = await client.webhooks.create({ url: fetchApp.url, events: ['*'], description: 'node tests: fetch handler' });
    fetchSecret = forFetch.secret;

    const expected = new Map<string, string>();
    for (const type of EVENT_TYPES) {
      const emitted = await server.emit(type);
      assert.equal(emitted.endpoints, 2);
      expected.set(emitted.event_id, type);
    }
    await waitFor('every delivery at both receivers', () => expressApp.outcome.events.length >= 9 && fetchApp.outcome.events.length >= 9, 20_000);
    checkEvents(expressApp.outcome, expected);
    checkEvents(fetchApp.outcome, expected);

    // The server saw 2xx for every attempt.
    for (const endpoint of [forExpress, forFetch]) {
      const ok = await waitFor('the attempts in the log', async () => {
        const page = await client.webhooks.deliveries(endpoint.id, { limit: 100 });
        const good = page.data.filter((d) => d.statusCode !== null && d.statusCode >= 200 && d.statusCode < 300);
        return good.length === EVENT_TYPES.length ? good : null;
      });
      assert.deepEqual(new Set(ok.map((d) => d.eventId)), new Set(expected.keys()));
    }

    // A forged delivery is refused by both, with the reason.
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ eventId: 'evt_forged', type: 'email.delivered', data: {}, createdAt: now * 1000 });
    const forged = {
      'content-type': 'application/json',
      'webhook-id': 'evt_forged',
      'webhook-timestamp': String(now),
      'webhook-signature': sign(`whsec_${Buffer.alloc(32, 9).toString('base64')}`, 'evt_forged', now, body),
    };
    for (const url of [expressApp.url, fetchApp.url]) {
      const response = await fetch(url, { method: 'POST', headers: forged, body });
      assert.equal(response.status, 400);
      assert.deepEqual(((await response.json()) as { error: string }).error, 'invalid_signature');
    }
    assert.deepEqual(expressApp.outcome.refused, ['invalid_signature']);
    assert.deepEqual(fetchApp.outcome.refused, ['invalid_signature']);

    // A rotated secret: deliveries carry both signatures, the receiver holding the old one still verifies.
    const rotated = await client.webhooks.rotateSecret(forFetch.id);
    const emitted = await server.emit('email.opened');
    await waitFor('the delivery after the rotation', () => fetchApp.outcome.events.some((e) => e.id === emitted.event_id));
    fetchSecret = rotated.secret;
    const again = await server.emit('email.clicked');
    await waitFor('the delivery with the new secret', () => fetchApp.outcome.events.some((e) => e.id === again.event_id));
  });

  test('behind express.json() the body is an object: verify says to use express.raw', async () => {
    const secret = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
    const app = await startExpress(() => secret);
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ eventId: 'evt_1', type: 'email.delivered', data: {}, createdAt: now * 1000 });
    const response = await fetch(app.url.replace('/webhooks/send0', '/webhooks/parsed'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': 'evt_1', 'webhook-timestamp': String(now), 'webhook-signature': sign(secret, 'evt_1', now, body) },
      body,
    });
    const answer = (await response.json()) as { error: string; message: string };
    assert.equal(answer.error, 'TypeError');
    assert.match(answer.message, /express\.raw\(\{ type: 'application\/json' \}\)/);
  });
});
