/** Webhook verification and signing: Node's types in, the core's verify out. */

import native = require('./native');
import { WebhookVerificationError } from './errors';
import { rethrowing } from './native-errors';
import type { WebhookEvent } from './events';

/** A raw request body, exactly as received. */
export type WebhookBody = string | Buffer | Uint8Array | ArrayBuffer;

/** Node's `IncomingHttpHeaders`, a fetch `Headers`, a `Map`, or `[name, value]` pairs. */
export type WebhookHeaders =
  | Record<string, string | string[] | undefined>
  | { get(name: string): string | null; forEach(cb: (value: string, key: string) => void): void }
  | Map<string, string | string[]>
  | Iterable<readonly [string, string]>;

export interface VerifyOptions {
  /** Seconds `webhook-timestamp` may be from now, either side. Default 300. */
  tolerance?: number;
  /** The clock, as Unix seconds or a Date (for tests and replays). Default: now. */
  now?: number | Date;
}

const NAMES = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];
const RAW_BODY_HINT =
  "pass the raw request body exactly as received, not a parsed object: in Express use " +
  "express.raw({ type: 'application/json' }) on the webhook route; in a fetch handler use " +
  'await request.text() or await request.arrayBuffer()';

function bodyBytes(body: unknown, where: string): Uint8Array {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body !== null && typeof body === 'object') {
    throw new TypeError(`${where} got an already parsed object: ${RAW_BODY_HINT}`);
  }
  throw new TypeError(`${where} needs the body as a string, Buffer, Uint8Array or ArrayBuffer, not ${body === null ? 'null' : typeof body}`);
}

/**
 * The body in a Buffer of its own, verified and then kept by the event: a caller who reuses or
 * changes their buffer afterwards must not change `raw` or `data` into something never verified.
 */
function ownedBody(body: unknown): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(bodyBytes(body, 'verify'));
}

/**
 * The webhook headers packed as `name\0value\0…` (repeats kept in order; the core joins them).
 * Only the three webhook names are packed, spelled as the core matches them, so a NUL in any other
 * name never reaches the core; a NUL in a value is refused, as it would re-pair what follows.
 */
function packedHeaders(headers: unknown): string {
  return headerPairs(headers).join('\0');
}

/** ASCII-only lowercase, as the core matches names (`toLowerCase` also maps the Kelvin sign to k). */
function asciiLower(name: string): string {
  return name.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

function headerPairs(headers: unknown): string[] {
  if (headers === null || typeof headers !== 'object') {
    throw new TypeError('headers are required: pass the request headers (IncomingHttpHeaders, Headers, Map or pairs)');
  }
  const flat: string[] = [];
  const add = (name: string, value: unknown): void => {
    const lower = asciiLower(name);
    if (!NAMES.includes(lower)) return;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === undefined || v === null) continue;
      const text = String(v);
      if (text.includes('\0')) {
        // The same kind as Go: no HTTP header value may carry a NUL, so this one is not a usable header.
        throw new WebhookVerificationError(`the ${lower} header has a NUL character`, 'missing_header');
      }
      flat.push(lower, text);
    }
  };
  const h = headers as Record<string, unknown>;
  if (typeof h['get'] === 'function' && typeof h['forEach'] === 'function' && !(headers instanceof Map)) {
    // fetch Headers: repeated fields arrive already joined.
    const get = (headers as { get(name: string): string | null }).get.bind(headers);
    for (const name of NAMES) add(name, get(name));
    return flat;
  }
  if (headers instanceof Map) {
    for (const [name, value] of headers) add(String(name), value);
    return flat;
  }
  if (Symbol.iterator in h) {
    for (const pair of headers as Iterable<unknown>) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('header pairs must be [name, value]');
      add(String(pair[0]), pair[1]);
    }
    return flat;
  }
  // A plain object: Node's IncomingHttpHeaders has lowercase names, so look those up directly and
  // scan the entries only for a name that is not there in lowercase.
  let scan = false;
  for (const name of NAMES) {
    const value = h[name];
    if (value === undefined) scan = true;
    else add(name, value);
  }
  if (scan) {
    for (const [name, value] of Object.entries(h)) {
      if (name !== asciiLower(name)) add(name, value);
    }
  }
  return flat;
}

/**
 * The secrets packed as `secret\0secret…` for the native layer, which reads every NUL as a
 * separator: an empty secret, even the last one, reaches the core and is refused there.
 */
function secrets(secret: unknown): string {
  const list = typeof secret === 'string' ? [secret] : secret;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
    throw new TypeError('secret must be a string (whsec_…) or an array of strings');
  }
  if (list.some((s: string) => s.includes('\0'))) {
    throw new WebhookVerificationError('the webhook secret has a NUL character', 'invalid_secret');
  }
  return list.join('\0');
}

function unixSeconds(value: unknown, name: string): number {
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw new TypeError(`${name} must be Unix seconds (an integer) or a Date`);
}

function tolerance(options: VerifyOptions | undefined): number {
  const t = options?.tolerance ?? 300;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
    throw new TypeError('tolerance must be a non-negative number of seconds');
  }
  return Math.floor(t);
}

/** Verifies a delivery and returns its typed event. Throws `WebhookVerificationError`. */
export function verify(body: WebhookBody, headers: WebhookHeaders, secret: string | string[], options?: VerifyOptions): WebhookEvent {
  // Copied before the check, so what is verified is exactly what the event keeps.
  const raw = ownedBody(body);
  const now = options?.now === undefined ? null : unixSeconds(options.now, 'now');
  const summary = rethrowing(() => native.verify(raw, packedHeaders(headers), secrets(secret), tolerance(options), now));
  return new VerifiedEvent(JSON.parse(summary) as EventSummary, raw) as unknown as WebhookEvent;
}

/** The event fields the core returns; `data` is `raw[data_offset..][..data_len]` (`raw` is the event's own copy). */
interface EventSummary {
  id: string;
  type: string;
  service: string;
  livemode: boolean;
  created_at: number;
  webhook_id: string;
  timestamp: number;
  data_offset: number;
  data_len: number;
}

/**
 * A verified event. `data` is parsed from its span of the body when first read (the core has
 * already checked that the whole body is valid JSON), so handlers that only look at `type` never
 * pay for it; `toJSON` and `util.inspect` include it.
 */
class VerifiedEvent {
  readonly id: string;
  readonly type: string;
  readonly service: string;
  readonly livemode: boolean;
  readonly createdAt: Date;
  readonly webhookId: string;
  readonly timestamp: number;
  readonly raw: Buffer;
  #span: [number, number];
  #data: unknown;
  #parsed = false;

  constructor(summary: EventSummary, raw: Buffer) {
    this.id = summary.id;
    this.type = summary.type;
    this.service = summary.service;
    this.livemode = summary.livemode;
    this.createdAt = new Date(summary.created_at);
    this.webhookId = summary.webhook_id;
    this.timestamp = summary.timestamp;
    this.raw = raw;
    this.#span = [summary.data_offset, summary.data_len];
  }

  get data(): unknown {
    if (!this.#parsed) {
      const [start, len] = this.#span;
      this.#data = len === 0 ? null : (JSON.parse(this.raw.toString('utf8', start, start + len)) as unknown);
      this.#parsed = true;
    }
    return this.#data;
  }

  toJSON(): Record<string, unknown> {
    const { id, type, service, data, livemode, createdAt, webhookId, timestamp } = this;
    return { id, type, service, data, livemode, createdAt, webhookId, timestamp };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): Record<string, unknown> {
    return { ...this.toJSON(), raw: `<Buffer ${this.raw.length} bytes>` };
  }
}

/** Checks the signature only, for bodies that are not send0 events. */
export function verifyRaw(body: WebhookBody, headers: WebhookHeaders, secret: string | string[], options?: VerifyOptions): void {
  const bytes = bodyBytes(body, 'verifyRaw');
  const now = options?.now === undefined ? null : unixSeconds(options.now, 'now');
  rethrowing(() => native.verifyRaw(bytes, packedHeaders(headers), secrets(secret), tolerance(options), now));
}

/** The `webhook-signature` value (`v1,<base64>`) for a message. */
export function sign(secret: string, msgId: string, timestamp: number | Date, body: WebhookBody): string {
  if (typeof secret !== 'string') throw new TypeError('secret must be a string (whsec_…)');
  const bytes = bodyBytes(body, 'sign');
  return rethrowing(() => native.sign(secret, msgId, unixSeconds(timestamp, 'timestamp'), bytes));
}

/** The static webhook helpers, also reachable as `Send0.webhooks`. */
export const webhooks = { verify, verifyRaw, sign };
