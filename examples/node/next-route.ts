/**
 * A send0 webhook receiver as a fetch-style route handler: the shape of a Next.js App Router route
 * (`app/api/webhooks/send0/route.ts`), and of Hono, Remix, SvelteKit, Bun, Deno and workers handlers.
 * `POST` below is the whole route file; the rest of this module is a tiny node:http adapter so the
 * example runs standalone:
 *
 *     SEND0_WEBHOOK_SECRET=whsec_… node build/examples/node/next-route.js --port 3000
 *
 * Options: `--port N` (0 picks a free one; default 3000), `--ready-file PATH` (receives the URL once
 * listening), `--expect N` (exit after N verified deliveries, printing a summary).
 */

import { writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { Send0, WebhookVerificationError } from 'send0';

// ---- app/api/webhooks/send0/route.ts ------------------------------------------------------------
// In Next.js the body is never parsed for you in a route handler: read it raw, exactly once.
// (Next.js: `export const runtime = 'nodejs';` — the SDK is a native module, not an Edge one.)

export async function POST(request: Request): Promise<Response> {
  const body = await request.arrayBuffer(); // or: await request.text()
  try {
    const event = Send0.webhooks.verify(body, request.headers, process.env['SEND0_WEBHOOK_SECRET'] ?? '');
    switch (event.type) {
      case 'email.bounced':
        // event.data is typed per event type: bounce_type exists here only.
        console.log(`receiver: verified ${event.type.padEnd(24)} id=${event.id} ${event.data.bounce_type} bounce`);
        break;
      default:
        console.log(`receiver: verified ${event.type.padEnd(24)} id=${event.id} service=${event.service}`);
    }
    return Response.json({ received: true });
  } catch (error) {
    if (error instanceof WebhookVerificationError) {
      // error.hint (the likely cause) is for the log only: the answer says what failed, not how to get past it.
      console.log(`receiver: rejected a delivery: ${error.kind}: ${error.message}${error.hint ? ` (hint: ${error.hint})` : ''}`);
      return Response.json({ error: error.kind, message: error.message }, { status: 400 });
    }
    throw error;
  }
}
// ---- end of the route file ----------------------------------------------------------------------

/** node:http → WHATWG Request (repeated headers kept), Response → node:http. */
async function adapt(req: http.IncomingMessage, res: http.ServerResponse, handler: (request: Request) => Promise<Response>): Promise<Response> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  const method = req.method ?? 'GET';
  const request = new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`), {
    method,
    headers,
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
  });
  let response: Response;
  try {
    response = await handler(request);
  } catch (error) {
    console.error(error);
    response = new Response('internal error', { status: 500 });
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
  return response;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  if (!process.env['SEND0_WEBHOOK_SECRET']) {
    console.error("receiver: set SEND0_WEBHOOK_SECRET to the endpoint's whsec_ secret");
    process.exit(2);
  }
  const expect = arg('--expect') === undefined ? undefined : Number(arg('--expect'));
  let verified = 0;
  let rejected = 0;
  const stop = (): void => {
    server.close(() => console.log(`receiver: ${verified} verified, ${rejected} rejected`));
    server.closeIdleConnections();
  };
  // After the last expected answer has gone out no connection is needed: close them all, with any
  // that the sender opened and never used (Node counts those as busy, and close() would wait).
  const done = (): void => {
    stop();
    server.closeAllConnections();
  };
  const server = http.createServer((req, res) => {
    const route = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (route !== '/webhooks/send0' || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    void adapt(req, res, POST).then((response) => {
      if (response.ok) verified++;
      else rejected++;
      if (expect !== undefined && verified >= expect) {
        if (res.writableFinished) done();
        else res.on('finish', done);
      }
    });
  });
  server.listen(Number(arg('--port') ?? 3000), '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/webhooks/send0`;
    console.log(`receiver: listening on ${url}`);
    const ready = arg('--ready-file');
    if (ready) writeFileSync(ready, url);
  });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) main();
