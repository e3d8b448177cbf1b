// The Worker: `send0` resolves to its edge build under wrangler's workerd condition.
//   GET /fixtures   every shared vector through the SDK (tests/edge/suite.mjs)
//   POST /webhook   a receiver: verifies the delivery with env.SEND0_WEBHOOK_SECRET (400 when it fails)
//   GET /received   the events it verified
//   GET /client     what constructing the API client says
import * as send0 from 'send0';

import files from '../fixtures.mjs';
import { fixtureReport } from '../suite.mjs';

const received = [];

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === '/fixtures') return Response.json(fixtureReport(send0, files));
    if (pathname === '/webhook' && request.method === 'POST') {
      try {
        const event = send0.Send0.webhooks.verify(await request.arrayBuffer(), request.headers, env.SEND0_WEBHOOK_SECRET);
        received.push({ id: event.id, type: event.type, webhookId: event.webhookId, data: event.data });
        return Response.json({ received: true });
      } catch (error) {
        return new Response(`${error.kind}: ${error.message}`, { status: 400 });
      }
    }
    if (pathname === '/received') return Response.json(received);
    if (pathname === '/client') {
      try {
        new send0.Send0('sk_test_send0_local');
        return new Response('made');
      } catch (error) {
        return new Response(`${error.name}: ${error.message}`);
      }
    }
    return new Response('not found', { status: 404 });
  },
};
