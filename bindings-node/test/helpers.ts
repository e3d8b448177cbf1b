/**
 * The harness of the Node SDK's tests (no side effects on import: every test file starts what it needs).
 *
 * - `startServer()`: the repository's real `send0-server` binary (target/debug/send0-server) on a free
 *   loopback port (`--port 0 --ready-file …`), with a short delivery retry schedule.
 * - `ScriptedServer`: a node:http server whose replies each test scripts (status, headers, body, a delay,
 *   or closing the connection without an answer), recording every request, for fault injection.
 * - `RawServer`: a TCP server that answers with scripted bytes, for replies node:http refuses to send.
 * - `Receiver`: a recording webhook receiver that answers every delivery with a scripted status.
 * - `fixtureCases()`, `rng()`, `waitFor()` and a node:http → WHATWG `Request` adapter.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** bindings-node/, found through the package's own exports (so it works from build/ too). */
export const PACKAGE_ROOT = path.dirname(require.resolve('send0/package.json'));
export const REPO_ROOT = path.resolve(PACKAGE_ROOT, '..');
export const SERVER_BIN = path.join(REPO_ROOT, 'target', 'debug', 'send0-server');
export const FIXTURES_DIR = path.join(REPO_ROOT, 'tests', 'fixtures', 'webhooks');

/** The manage key of workspace ws_local (the server's default key; also in the keys file). */
export const API_KEY = 'sk_test_send0_local';
/** platform:webhooks:read only, in ws_local. */
export const READ_KEY = 'sk_test_node_readonly';
/** A manage key in another workspace (ws_other). */
export const OTHER_KEY = 'sk_test_node_otherws';
/** A manage key in an empty workspace of its own (ws_pages), for exact pagination counts. */
export const PAGES_KEY = 'sk_test_node_pages01';

export const EVENT_TYPES = [
  'email.queued',
  'email.delivered',
  'email.opened',
  'email.clicked',
  'email.bounced',
  'email.complained',
  'email.failed',
  'domain.health.degraded',
  'platform.test',
] as const;

// -------------------------------------------------------------------------------------------------
// Small utilities

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 20 ms until it is truthy; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** A seeded PRNG (mulberry32): the same inputs on every run. */
export function rng(seed: number): { next(): number; int(min: number, max: number): number; bytes(n: number): Buffer; pick<T>(items: readonly T[]): T } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    bytes: (n) => Buffer.from(Array.from({ length: n }, () => int(0, 255))),
    pick: (items) => items[int(0, items.length - 1)] as (typeof items)[number],
  };
}

/** A free loopback port that nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

async function shut(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// -------------------------------------------------------------------------------------------------
// The local send0 API server

export interface LocalServer {
  url: string;
  /** `POST /v1/events` (the local server's extension): emits an event to every matching endpoint. */
  emit(type: string, options?: { data?: unknown; key?: string }): Promise<{ event_id: string; type: string; endpoints: number }>;
  /** A raw request against the API with the manage key (for set-up the SDK is not under test for). */
  api(method: string, route: string, body?: unknown, key?: string): Promise<{ status: number; json: Record<string, unknown> }>;
  log(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `send0-server` with `--port 0 --ready-file` and returns once it accepts connections.
 * With `keys: true` it loads a keys file with the manage key, a read-only key, another workspace's key
 * and an empty workspace's key (see the constants above).
 */
export async function startServer(options: { keys?: boolean; args?: string[] } = {}): Promise<LocalServer> {
  if (!fs.existsSync(SERVER_BIN)) {
    throw new Error(`the local server binary is missing: ${SERVER_BIN}\nbuild it with \`cargo build -p send0-server\` from the repository root`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'send0-node-test-'));
  const ready = path.join(dir, 'ready');
  const logFile = path.join(dir, 'server.log');
  const args = ['--port', '0', '--ready-file', ready, '--retry-schedule', '200ms,200ms', ...(options.args ?? [])];
  if (options.keys) {
    const keys = [
      { key: API_KEY, workspace: 'ws_local', scopes: ['platform:webhooks:manage'] },
      { key: READ_KEY, workspace: 'ws_local', scopes: ['platform:webhooks:read'] },
      { key: OTHER_KEY, workspace: 'ws_other', scopes: ['platform:webhooks:manage'] },
      { key: PAGES_KEY, workspace: 'ws_pages', scopes: ['platform:webhooks:manage'] },
    ];
    fs.writeFileSync(path.join(dir, 'keys.json'), JSON.stringify(keys));
    args.push('--keys', path.join(dir, 'keys.json'));
  }
  const log = fs.openSync(logFile, 'w');
  const child = spawn(SERVER_BIN, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  running.add(child);
  let exited: string | null = null;
  child.on('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
    running.delete(child);
  });
  const url = await waitFor(
    'send0-server to write its ready file',
    () => {
      if (exited) throw new Error(`send0-server ${exited} before it was ready:\n${fs.readFileSync(logFile, 'utf8')}`);
      return fs.existsSync(ready) ? fs.readFileSync(ready, 'utf8').trim() : '';
    },
    30_000,
  );
  const api: LocalServer['api'] = async (method, route, body, key = API_KEY) => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  return {
    url,
    api,
    async emit(type, opts = {}) {
      const { status, json } = await api('POST', '/v1/events', { type, ...(opts.data === undefined ? {} : { data: opts.data }) }, opts.key);
      if (status !== 202) throw new Error(`POST /v1/events answered ${status}: ${JSON.stringify(json)}`);
      return json as { event_id: string; type: string; endpoints: number };
    },
    log: () => fs.readFileSync(logFile, 'utf8'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// -------------------------------------------------------------------------------------------------
// The scripted server (fault injection)

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON. */
  body?: unknown;
  /** Wait this long before answering (the timer stops if the client goes away). */
  delayMs?: number;
  /** Close the connection without any answer. */
  destroy?: boolean;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** ms since the server started. */
  at: number;
  /** Set once the client's connection closed while this request waited for its answer. */
  clientClosed: boolean;
}

/** A wire-format endpoint, for scripted replies. */
export function wireEndpoint(id = 'wh_scripted0001', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    object: 'webhook_endpoint',
    url: 'https://example.test/hook',
    description: null,
    events: ['*'],
    active: true,
    status: 'active',
    consecutive_failures: 0,
    last_delivery_at: null,
    last_delivery_status: null,
    created_at: '2026-04-12T10:30:00Z',
    updated_at: '2026-04-12T10:30:00Z',
    ...extra,
  };
}

export class ScriptedServer {
  readonly requests: RecordedRequest[] = [];
  private readonly script: Reply[] = [];
  private readonly started = Date.now();
  private count = 0;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<ScriptedServer> {
    const server = http.createServer();
    const url = await listen(server);
    const scripted = new ScriptedServer(server, url);
    server.on('request', (req, res) => void scripted.handle(req, res));
    return scripted;
  }

  /**
   * Queues replies, used in order. An unscripted request gets a 500 that says so, with
   * `x-should-retry: false` so that no retry hides it (tests/fixtures/http/README.md).
   */
  reply(...replies: Reply[]): this {
    this.script.push(...replies);
    return this;
  }

  reset(): void {
    this.script.length = 0;
    this.requests.length = 0;
    this.count = 0;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = (await readBody(req)).toString('utf8');
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body,
      at: Date.now() - this.started,
      clientClosed: false,
    };
    this.requests.push(recorded);
    const reply = this.script.shift() ?? {
      status: 500,
      headers: { 'x-should-retry': 'false' },
      body: { error: 'unscripted', message: `no reply scripted for ${req.method} ${req.url}` },
    };
    const n = ++this.count;
    if (reply.delayMs) {
      const closed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), reply.delayMs);
        res.once('close', () => {
          clearTimeout(timer);
          resolve(!res.writableFinished);
        });
      });
      if (closed) {
        recorded.clientClosed = true;
        return;
      }
    }
    if (reply.destroy) {
      req.socket.destroy();
      return;
    }
    const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status ?? 200, {
      'content-type': 'application/json',
      'x-request-id': `req_scripted_${n}`,
      ...reply.headers,
    });
    res.end(text);
  }

  close(): Promise<void> {
    return shut(this.server);
  }
}

// -------------------------------------------------------------------------------------------------
// The raw server (replies no HTTP library would write)

/** Bytes written as they are, then the connection ends (`keepOpen`: it stays open); or no answer ever. */
export type RawReply = { bytes: string | Buffer; keepOpen?: boolean } | { silent: true };

/**
 * A TCP server for replies node:http will not produce: a final `100`, a status line that is not
 * HTTP, a body cut short. Each request's head (and Content-Length body) is read, then the next
 * scripted reply is written; an unscripted request has its connection destroyed.
 */
export class RawServer {
  /** The request heads received, in order. */
  readonly requests: string[] = [];
  private readonly script: RawReply[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<RawServer> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const raw = new RawServer(server, `http://127.0.0.1:${port}`);
    server.on('connection', (socket) => raw.serve(socket));
    return raw;
  }

  reply(...replies: RawReply[]): this {
    this.script.push(...replies);
    return this;
  }

  reset(): void {
    this.script.length = 0;
    this.requests.length = 0;
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = received.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (received.length < end + 4 + length) return;
      received = received.subarray(end + 4 + length);
      this.requests.push(head);
      const reply = this.script.shift();
      if (!reply) socket.destroy();
      else if ('silent' in reply) socket.pause();
      else if (reply.keepOpen) socket.write(reply.bytes);
      else socket.end(reply.bytes);
    });
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// -------------------------------------------------------------------------------------------------
// A recording webhook receiver

export interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class Receiver {
  readonly deliveries: Delivery[] = [];
  /** The status every delivery gets. */
  status = 200;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<Receiver> {
    const server = http.createServer();
    const base = await listen(server);
    const receiver = new Receiver(server, `${base}/webhooks/send0`);
    server.on('request', (req, res) => {
      void readBody(req).then((body) => {
        receiver.deliveries.push({ headers: req.headers, body });
        res.writeHead(receiver.status, { 'content-type': 'text/plain' }).end('recorded');
      });
    });
    return receiver;
  }

  close(): Promise<void> {
    return shut(this.server);
  }
}

// -------------------------------------------------------------------------------------------------
// Serving a fetch-style handler `(request: Request) => Promise<Response>` through node:http

export type FetchHandler = (request: Request) => Promise<Response>;

/** The incoming request as a WHATWG `Request` (repeated headers kept, body buffered). */
export async function toRequest(req: http.IncomingMessage, base: string): Promise<Request> {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  const method = req.method ?? 'GET';
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
  return new Request(new URL(req.url ?? '/', base), { method, headers, ...(body ? { body } : {}) });
}

export async function serveFetch(handler: FetchHandler): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer();
  const url = await listen(server);
  server.on('request', (req, res) => {
    void (async () => {
      try {
        const response = await handler(await toRequest(req, url));
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    })();
  });
  return { url, close: () => shut(server) };
}

// -------------------------------------------------------------------------------------------------
// The shared vectors

export interface FixtureCase {
  file: string;
  name: string;
  description: string;
  op: 'verify' | 'verify_raw' | 'sign';
  secrets?: string[];
  headers?: Array<[string, string]>;
  body?: string;
  body_base64?: string;
  now?: number;
  tolerance?: number;
  error?: string | null;
  error_mentions?: string;
  event?: {
    id: string;
    type: string;
    service: string;
    data: unknown;
    livemode: boolean;
    created_at: number;
    webhook_id: string;
    timestamp: number;
  };
  secret?: string;
  msg_id?: string;
  timestamp?: number;
  expected?: string;
}

export function fixtureCases(): FixtureCase[] {
  const cases: FixtureCase[] = [];
  for (const file of fs.readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const parsed = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, file), 'utf8')) as { cases: Array<Omit<FixtureCase, 'file'>> };
    for (const c of parsed.cases) cases.push({ file, ...c });
  }
  return cases;
}

/** The case's raw body bytes. */
export function fixtureBody(c: FixtureCase): Buffer {
  if (c.body_base64 !== undefined) return Buffer.from(c.body_base64, 'base64');
  return Buffer.from(c.body ?? '', 'utf8');
}
