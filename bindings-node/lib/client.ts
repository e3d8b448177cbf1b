/**
 * The API client: `Send0`, over the native client. Requests, retries, idempotency keys and error
 * classification are the core's; this module names the operation and builds typed objects.
 */

import native = require('./native');
import { APIUserAbortError, InvalidArgumentError } from './errors';
import { fromNative } from './native-errors';
import {
  type DeletedWebhookEndpoint,
  type DeliveryAttempt,
  type RotatedSecret,
  type TestResult,
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
  toDeletedWebhookEndpoint,
  toDeliveryAttempt,
  toWebhookEndpoint,
  toWebhookEndpointWithSecret,
  toRotatedSecret,
  toTestResult,
} from './models';
import { VERSION } from './version';
import { sign, verify, verifyRaw, webhooks as webhookHelpers } from './webhooks';


export interface ClientOptions {
  /** Default: `SEND0_BASE_URL`, else `https://api.send0.dev`. */
  baseUrl?: string;
  /** Per-attempt timeout in milliseconds. Default 60000. */
  timeout?: number;
  /** Retries of connection errors, timeouts, 408, 409, 429 and 5xx. Default 2. */
  maxRetries?: number;
}

export interface RequestOptions {
  /** Aborts the request (in flight or between retries) when it fires. */
  signal?: AbortSignal;
}

export interface CreateOptions extends RequestOptions {
  /** Sent as `Idempotency-Key` (one is generated, and reused by retries, when absent). */
  idempotencyKey?: string;
}

export interface CreateWebhookParams {
  url: string;
  events?: string[];
  description?: string | null;
  active?: boolean;
}

export interface UpdateWebhookParams {
  url?: string;
  events?: string[];
  /** `null` clears it. */
  description?: string | null;
  active?: boolean;
  /** Only `false`: unpauses a paused endpoint. */
  paused?: false;
}

export interface ListParams {
  limit?: number;
  cursor?: string;
}

type Wire = Record<string, unknown>;

/** Sends one operation (the core's JSON form) and resolves with its answer. */
type Send = (request: string, options: RequestOptions | undefined) => Promise<Wire>;

/**
 * One page of a list. `for await` over it walks every item of every page.
 *
 * Each page comes with the request for the next one (or none after the last), made by the core,
 * which checks the API's cursor first: a repeated cursor ends the walk with an
 * `APIResponseDecodeError` instead of a loop.
 */
export class Page<T> implements AsyncIterable<T> {
  readonly data: T[];
  readonly hasMore: boolean;
  readonly cursor: string | null;
  private readonly next: string | null;

  constructor(
    answer: Wire,
    item: (wire: Wire) => T,
    private readonly fetchNext: (request: string) => Promise<Page<T>>,
  ) {
    const page = answer['page'] as Wire;
    this.data = (page['data'] as Wire[]).map(item);
    this.hasMore = page['has_more'] as boolean;
    this.cursor = (page['cursor'] as string | null | undefined) ?? null;
    this.next = answer['next'] == null ? null : JSON.stringify(answer['next']);
  }

  hasNextPage(): boolean {
    return this.next !== null;
  }

  async nextPage(): Promise<Page<T>> {
    if (this.next === null) throw new Error('this is the last page');
    return this.fetchNext(this.next);
  }

  async *iterPages(): AsyncGenerator<Page<T>> {
    let page: Page<T> = this;
    for (;;) {
      yield page;
      if (!page.hasNextPage()) return;
      page = await page.nextPage();
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for await (const page of this.iterPages()) yield* page.data;
  }
}

/** What list methods return: `await` it for the first page, or `for await` over it for every item. */
export class PagePromise<T> implements PromiseLike<Page<T>>, AsyncIterable<T> {
  private first: Promise<Page<T>> | undefined;

  constructor(private readonly load: () => Promise<Page<T>>) {}

  private page(): Promise<Page<T>> {
    this.first ??= this.load();
    return this.first;
  }

  then<A = Page<T>, B = never>(
    onfulfilled?: ((value: Page<T>) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.page().then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<Page<T> | B> {
    return this.page().catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<Page<T>> {
    return this.page().finally(onfinally);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    yield* await this.page();
  }
}

/** The core's JSON form of an operation. */
function operation(op: string, id: string | undefined, params: unknown, options: CreateOptions | undefined): string {
  if (id !== undefined && typeof id !== 'string') throw new TypeError('the endpoint id must be a string');
  return JSON.stringify({
    op,
    ...(id !== undefined ? { id } : {}),
    ...(params !== undefined ? { params: toWire(params) } : {}),
    ...(options?.idempotencyKey ? { options: { idempotency_key: options.idempotencyKey } } : {}),
  });
}

/** camelCase request fields to the API's snake_case (only the few that differ). */
function toWire(params: unknown): unknown {
  if (params === null || typeof params !== 'object') return params;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params as Record<string, unknown>)) {
    if (value === undefined) continue;
    out[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value;
  }
  return out;
}

/** `send0.webhooks`: endpoints, tests, secret rotation and delivery logs. */
export class WebhooksResource {
  readonly verify = verify;
  readonly verifyRaw = verifyRaw;
  readonly sign = sign;

  constructor(private readonly send: Send) {}

  private call(op: string, id: string | undefined, params: unknown, options: CreateOptions | undefined): Promise<Wire> {
    return this.send(operation(op, id, params, options), options);
  }

  /** A list's first page, loaded when first awaited; `first` builds its request then, so a bad argument rejects. */
  private page<T>(first: () => string, item: (wire: Wire) => T, options: RequestOptions | undefined): PagePromise<T> {
    const load = async (request: string): Promise<Page<T>> => new Page(await this.send(request, options), item, load);
    return new PagePromise(async () => load(first()));
  }

  /** Creates an endpoint. The response alone carries its signing secret: store it. */
  async create(params: CreateWebhookParams, options?: CreateOptions): Promise<WebhookEndpointWithSecret> {
    return toWebhookEndpointWithSecret(await this.call('create_webhook', undefined, params, options));
  }

  async get(id: string, options?: RequestOptions): Promise<WebhookEndpoint> {
    return toWebhookEndpoint(await this.call('get_webhook', id, undefined, options));
  }

  /** One page of endpoints, newest first; `for await` walks every page. */
  list(params: ListParams = {}, options?: RequestOptions): PagePromise<WebhookEndpoint> {
    return this.page(() => operation('list_webhooks', undefined, params, options), toWebhookEndpoint, options);
  }

  /** Changes only the given fields. */
  async update(id: string, params: UpdateWebhookParams, options?: RequestOptions): Promise<WebhookEndpoint> {
    return toWebhookEndpoint(await this.call('update_webhook', id, params, options));
  }

  async delete(id: string, options?: RequestOptions): Promise<DeletedWebhookEndpoint> {
    return toDeletedWebhookEndpoint(await this.call('delete_webhook', id, undefined, options));
  }

  /** Delivers a `platform.test` event now and reports the outcome. */
  async test(id: string, options?: RequestOptions): Promise<TestResult> {
    return toTestResult(await this.call('test_webhook', id, undefined, options));
  }

  /** Issues a new secret; the previous one keeps signing for `expirePreviousIn` seconds (default 86400). */
  async rotateSecret(id: string, params: { expirePreviousIn?: number } = {}, options?: RequestOptions): Promise<RotatedSecret> {
    const wire = params.expirePreviousIn === undefined ? {} : { expire_previous_in: params.expirePreviousIn };
    return toRotatedSecret(await this.call('rotate_secret', id, wire, options));
  }

  /** One page of delivery attempts, newest first; `for await` walks every page. */
  deliveries(id: string, params: ListParams = {}, options?: RequestOptions): PagePromise<DeliveryAttempt> {
    return this.page(() => operation('list_deliveries', id, params, options), toDeliveryAttempt, options);
  }
}

/** The send0 API client. One instance can serve many concurrent requests. */
export class Send0 {
  /** Webhook verification and signing, without a client: `Send0.webhooks.verify(body, headers, secret)`. */
  static readonly webhooks = webhookHelpers;

  readonly webhooks: WebhooksResource;
  private readonly native: native.NativeClient;

  /** `apiKey` defaults to `SEND0_API_KEY`. */
  constructor(apiKey?: string, options: ClientOptions = {}) {
    if (apiKey !== undefined && typeof apiKey !== 'string') {
      throw new InvalidArgumentError("the API key must be a string: new Send0('sk_…', { baseUrl, timeout, maxRetries })", 'invalid_argument');
    }
    const timeout = options.timeout ?? 60_000;
    const maxRetries = options.maxRetries ?? 2;
    // Checked here: the native layer would wrap -1 to 2^32 - 1 retries and truncate 1.5 to 1.
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
      throw new InvalidArgumentError('timeout must be a positive number of milliseconds', 'invalid_argument');
    }
    if (typeof maxRetries !== 'number' || !Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 0xffffffff) {
      throw new InvalidArgumentError('maxRetries must be a non-negative integer', 'invalid_argument');
    }
    try {
      this.native = new native.NativeClient(
        apiKey ?? null,
        options.baseUrl ?? null,
        timeout,
        maxRetries,
        `send0-node/${VERSION}`,
      );
    } catch (error) {
      throw fromNative(error);
    }
    this.webhooks = new WebhooksResource((request, opts) => this.send(request, opts));
  }

  get baseUrl(): string {
    return this.native.baseUrl;
  }

  private async send(request: string, options?: RequestOptions): Promise<Wire> {
    const signal = options?.signal;
    if (signal?.aborted) throw new APIUserAbortError('the request was aborted before it started', 'cancelled');
    const token = signal ? new native.CancelToken() : null;
    const abort = (): void => token?.cancel();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      return JSON.parse(await this.native.call(request, token)) as Wire;
    } catch (error) {
      throw fromNative(error);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  /** Shows the base URL and the key's prefix only. */
  toString(): string {
    return `Send0(baseUrl=${this.native.baseUrl}, apiKey=${this.native.apiKeyHint})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
