/**
 * Webhook verification, explanation and signing over any build of the core: the argument checks,
 * the header and secret packing, the verified event and the explain report. Runtime-neutral (no
 * Node APIs): the Node entry runs it over the Node-API module (webhooks.ts), the edge entry over
 * the WebAssembly one (edge.ts).
 */

import { Send0Error, WebhookVerificationError } from './errors.js';
import type { WebhookEvent } from './events.js';
import { camel } from './wire.js';

/** A raw request body, exactly as received (a Node `Buffer` is a `Uint8Array`). */
export type WebhookBody = string | Uint8Array | ArrayBuffer;

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

/** A finding's code, the same in every send0 SDK. */
export type DiagnosisCode =
  | 'verified' | 'missing_header' | 'svix_headers' | 'underscored_headers' | 'timestamp_not_digits'
  | 'timestamp_in_milliseconds' | 'timestamp_too_old' | 'timestamp_too_new' | 'no_secret' | 'secret_invalid'
  | 'secret_whitespace' | 'secret_doubled_prefix' | 'secret_is_api_key' | 'secret_too_short' | 'public_key_for_v1'
  | 'hmac_secret_for_v1a' | 'no_signature_entries' | 'body_newline_added' | 'body_newline_removed'
  | 'body_line_endings_changed' | 'body_reserialized' | 'body_object_object' | 'body_empty' | 'no_match';

export interface Diagnosis {
  code: DiagnosisCode;
  message: string;
  fix: string | null;
}

/** What `explain` found (the core's `Explanation`), the cause of a failure first. Holds no secret. */
export interface WebhookExplanation {
  /** What `verifyRaw` answers. */
  verified: boolean;
  /** The first diagnosis and its fix, for a log. */
  summary: string;
  diagnoses: Diagnosis[];
  headers: { source: 'webhook' | 'svix' | 'underscored' | 'none'; names: string[]; id: string | null; timestamp: string | null; signature: string | null };
  timestamp: {
    unixSeconds: number | null; now: number; skewSeconds: number | null; toleranceSeconds: number;
    withinTolerance: boolean; looksLikeMilliseconds: boolean;
  } | null;
  secrets: Array<{ kind: 'whsec' | 'whpk' | 'base64' | 'api_key' | 'invalid'; usable: boolean; keyLength: number | null; repaired: 'whitespace' | 'doubled_prefix' | null }>;
  entries: Array<{ version: string; wellFormed: boolean; problem: string | null; matchedSecret: number | null }>;
  body: { length: number; json: boolean; altered: 'newline_added' | 'newline_removed' | 'line_endings_changed' | 'reserialized' | null };
}

/**
 * One build of the core. Headers come packed as `name\0value\0…`, secrets as `secret\0secret…`;
 * `now` null means the current time; `verify` returns the event record (bridge/src/webhooks.rs),
 * `explain` the report's JSON. Failures throw the SDK's error classes.
 */
export interface VerifyCore {
  verify(body: Uint8Array, headers: string, secrets: string, tolerance: number, now: number | null): Uint8Array;
  verifyRaw(body: Uint8Array, headers: string, secrets: string, tolerance: number, now: number | null): void;
  explain(body: Uint8Array, headers: string, secrets: string, tolerance: number, now: number | null): string;
  sign(secret: string, msgId: string, timestamp: number, body: Uint8Array): string;
}

const NAMES = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];
const RAW_BODY_HINT =
  "pass the raw request body exactly as received, not a parsed object: in Express use " +
  "express.raw({ type: 'application/json' }) on the webhook route; in a fetch handler use " +
  'await request.text() or await request.arrayBuffer()';
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

function bodyBytes(body: unknown, where: string): Uint8Array {
  if (typeof body === 'string') return utf8.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body !== null && typeof body === 'object') {
    throw new TypeError(`${where} got an already parsed object: ${RAW_BODY_HINT}`);
  }
  throw new TypeError(`${where} needs the body as a string, Buffer, Uint8Array or ArrayBuffer, not ${body === null ? 'null' : typeof body}`);
}

/** ASCII-only lowercase, as the core matches names (`toLowerCase` also maps the Kelvin sign to k). */
function asciiLower(name: string): string {
  return name.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

/**
 * The webhook headers packed as `name\0value\0…` (repeats kept in order; the core joins them).
 * Only the three webhook names are packed, spelled as the core matches them, so a NUL in any other
 * name never reaches the core; a NUL in a value is refused, as it would re-pair what follows.
 * `all` (for explain): every header but those with a NUL, sorted by name as a fetch `Headers` is,
 * so that every container of the same request gives the same report.
 */
function packedHeaders(headers: unknown, all = false): string {
  if (headers === null || typeof headers !== 'object') {
    throw new TypeError('headers are required: pass the request headers (IncomingHttpHeaders, Headers, Map or pairs)');
  }
  const flat: string[] = [];
  const add = (name: string, value: unknown): void => {
    const lower = asciiLower(name);
    if (!all && !NAMES.includes(lower)) return;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === undefined || v === null) continue;
      const text = String(v);
      if (lower.includes('\0') || text.includes('\0')) {
        if (all) continue;
        // The same kind as Go: no HTTP header value may carry a NUL, so this one is not a usable header.
        throw new WebhookVerificationError(`the ${lower} header has a NUL character`, 'missing_header');
      }
      if (all) flat.push(`${lower}\0${text}`); // one item a header, to sort
      else flat.push(lower, text);
    }
  };
  const h = headers as Record<string, unknown>;
  if (typeof h['get'] === 'function' && typeof h['forEach'] === 'function' && !(headers instanceof Map)) {
    // fetch Headers: repeated fields arrive already joined.
    const web = headers as { get(name: string): string | null; forEach(cb: (value: string, key: string) => void): void };
    if (all) web.forEach((value, name) => add(name, value));
    else for (const name of NAMES) add(name, web.get(name));
  } else if (headers instanceof Map) {
    for (const [name, value] of headers) add(String(name), value);
  } else if (Symbol.iterator in h) {
    for (const pair of headers as Iterable<unknown>) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('header pairs must be [name, value]');
      add(String(pair[0]), pair[1]);
    }
  } else if (all) {
    for (const [name, value] of Object.entries(h)) add(name, value);
  } else {
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
  }
  if (all) {
    const nameOf = (item: string): string => item.slice(0, item.indexOf('\0'));
    flat.sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
  }
  return flat.join('\0');
}

/**
 * The secrets packed as `secret\0secret…` for the core, which reads every NUL as a separator: an
 * empty secret, even the last one, reaches the core and is refused there.
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

function clock(options: VerifyOptions | undefined): number | null {
  return options?.now === undefined ? null : unixSeconds(options.now, 'now');
}

function tolerance(options: VerifyOptions | undefined): number {
  const t = options?.tolerance ?? 300;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
    throw new TypeError('tolerance must be a non-negative number of seconds');
  }
  return Math.floor(t);
}

/**
 * A verified event. `data` is parsed from its span of the body when first read (the core has
 * already checked that the whole body is valid JSON), so handlers that only look at `type` never
 * pay for it; `toJSON` and `util.inspect` include it.
 */
class VerifiedEvent<Raw extends Uint8Array> {
  readonly id: string;
  readonly type: string;
  readonly service: string;
  readonly livemode: boolean;
  readonly createdAt: Date;
  readonly webhookId: string;
  readonly timestamp: number;
  readonly raw: Raw;
  #span: [number, number];
  #data: unknown;
  #parsed = false;

  /**
   * `record`: little-endian created_at i64 (Unix ms), timestamp i64, data offset u64 and length
   * u64 (0: no data), livemode u8, then id, type, service and webhook id, each a u32 length and
   * its UTF-8.
   */
  constructor(record: Uint8Array, raw: Raw) {
    const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
    const texts: string[] = [];
    for (let at = 33; texts.length < 4; ) {
      const end = at + 4 <= record.length ? at + 4 + view.getUint32(at, true) : Infinity;
      if (end > record.length) throw new Send0Error('unreadable event from the send0 core', 'decode');
      texts.push(utf8Decoder.decode(record.subarray(at + 4, end)));
      at = end;
    }
    [this.id, this.type, this.service, this.webhookId] = texts as [string, string, string, string];
    this.createdAt = new Date(Number(view.getBigInt64(0, true)));
    this.timestamp = Number(view.getBigInt64(8, true));
    this.livemode = view.getUint8(32) !== 0;
    this.raw = raw;
    this.#span = [Number(view.getBigUint64(16, true)), Number(view.getBigUint64(24, true))];
  }

  get data(): unknown {
    if (!this.#parsed) {
      const [start, len] = this.#span;
      this.#data = len === 0 ? null : (JSON.parse(utf8Decoder.decode(this.raw.subarray(start, start + len))) as unknown);
      this.#parsed = true;
    }
    return this.#data;
  }

  toJSON(): Record<string, unknown> {
    const { id, type, service, data, livemode, createdAt, webhookId, timestamp } = this;
    return { id, type, service, data, livemode, createdAt, webhookId, timestamp };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): Record<string, unknown> {
    return { ...this.toJSON(), raw: `<${this.raw.constructor.name} ${this.raw.length} bytes>` };
  }
}

/** The webhook helpers over one build of the core. */
export interface Webhooks<Raw extends Uint8Array> {
  /** Verifies a delivery and returns its typed event. Throws `WebhookVerificationError`. */
  verify(body: WebhookBody, headers: WebhookHeaders, secret: string | string[], options?: VerifyOptions): WebhookEvent<Raw>;
  /** Checks the signature only, for bodies that are not send0 events. */
  verifyRaw(body: WebhookBody, headers: WebhookHeaders, secret: string | string[], options?: VerifyOptions): void;
  /** Why a delivery verifies or not, for logs; pass every header of the request. */
  explain(body: WebhookBody, headers: WebhookHeaders, secret: string | string[], options?: VerifyOptions): WebhookExplanation;
  /** The `webhook-signature` value (`v1,<base64>`) for a message. */
  sign(secret: string, msgId: string, timestamp: number | Date, body: WebhookBody): string;
}

/**
 * The helpers over `core`. `ownCopy` gives the event the body in bytes of its own (encoding a
 * string, copying bytes), made before the check: a caller who reuses or changes their buffer
 * afterwards must not change `raw` or `data` into something never verified.
 */
export function createWebhooks<Raw extends Uint8Array>(
  core: VerifyCore,
  ownCopy: (body: string | Uint8Array) => Raw,
): Webhooks<Raw> {
  return {
    verify(body, headers, secret, options) {
      const raw = ownCopy(typeof body === 'string' ? body : bodyBytes(body, 'verify'));
      const record = core.verify(raw, packedHeaders(headers), secrets(secret), tolerance(options), clock(options));
      return new VerifiedEvent(record, raw) as unknown as WebhookEvent<Raw>;
    },
    verifyRaw(body, headers, secret, options) {
      core.verifyRaw(bodyBytes(body, 'verifyRaw'), packedHeaders(headers), secrets(secret), tolerance(options), clock(options));
    },
    explain(body, headers, secret, options) {
      const json = core.explain(bodyBytes(body, 'explain'), packedHeaders(headers, true), secrets(secret), tolerance(options), clock(options));
      // The report's objects camelCased, as the SDK's models are.
      return JSON.parse(json, (_, v: unknown) =>
        v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), x])) : v,
      ) as WebhookExplanation;
    },
    sign(secret, msgId, timestamp, body) {
      if (typeof secret !== 'string') throw new TypeError('secret must be a string (whsec_…)');
      const bytes = bodyBytes(body, 'sign');
      return core.sign(secret, msgId, unixSeconds(timestamp, 'timestamp'), bytes);
    },
  };
}
