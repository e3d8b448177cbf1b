/**
 * The errors of the send0 SDK. Every error is a `Send0Error` with a stable `kind` string, the same
 * in every send0 SDK; they are rebuilt here from the native layer's JSON error descriptions.
 */

/** The base of every send0 error. */
export class Send0Error extends Error {
  /** The stable kind: `not_found`, `invalid_signature`, `timeout`, ... */
  readonly kind: string;

  constructor(message: string, kind = 'api') {
    super(message);
    this.name = new.target.name;
    this.kind = kind;
  }
}

/** What the API said when it refused a request. */
export interface APIErrorDetails {
  status: number;
  code: string | null;
  message: string;
  param: string | null;
  requestId: string | null;
  headers: Record<string, string>;
  body: string;
  requiredScope?: string | null;
  retryAfter?: number | null;
}

/** The API refused a request. */
export class APIError extends Send0Error {
  readonly status: number;
  readonly code: string | null;
  readonly param: string | null;
  readonly requestId: string | null;
  readonly headers: Record<string, string>;
  readonly body: string;

  constructor(kind: string, details: APIErrorDetails) {
    const extra = [`HTTP ${details.status}`, details.code, details.requestId && `request id ${details.requestId}`];
    super(`${details.message} (${extra.filter(Boolean).join(', ')})`, kind);
    this.status = details.status;
    this.code = details.code;
    this.param = details.param;
    this.requestId = details.requestId;
    this.headers = details.headers;
    this.body = details.body;
  }
}

/** 401: the API key is missing, unknown or revoked. */
export class AuthenticationError extends APIError {}

/** 403: the key lacks the scope the operation needs (`requiredScope`). */
export class PermissionDeniedError extends APIError {
  readonly requiredScope: string | null;

  constructor(kind: string, details: APIErrorDetails) {
    super(kind, details);
    this.requiredScope = details.requiredScope ?? null;
  }
}

/** 404: no such object in the key's workspace. */
export class NotFoundError extends APIError {}

/** 400 (and other 4xx): the request was invalid; `param` names the field when there is one. */
export class InvalidRequestError extends APIError {}

/** 409: for example an idempotency key reused with a different body. */
export class ConflictError extends APIError {}

/** 429: too many requests; `retryAfter` is the wait the API asked for, in seconds. */
export class RateLimitError extends APIError {
  readonly retryAfter: number | null;

  constructor(kind: string, details: APIErrorDetails) {
    super(kind, details);
    this.retryAfter = details.retryAfter ?? null;
  }
}

/** 5xx: the API failed. */
export class InternalServerError extends APIError {}

/** The request got no response: refused, reset, DNS, TLS. */
export class APIConnectionError extends Send0Error {}

/** The request took longer than the client's timeout. */
export class APITimeoutError extends APIConnectionError {}

/** A response arrived but its body was not what the API promises. */
export class APIResponseDecodeError extends Send0Error {}

/** An argument is unusable (no API key, an empty id, a bad base URL, ...). */
export class InvalidArgumentError extends Send0Error {}

/** The request was aborted through its `AbortSignal`. */
export class APIUserAbortError extends Send0Error {}

/**
 * A webhook delivery failed verification. `kind` is one of `missing_header`, `invalid_timestamp`,
 * `timestamp_too_old`, `timestamp_too_new`, `invalid_signature`, `invalid_secret`, `invalid_payload`.
 */
export class WebhookVerificationError extends Send0Error {
  /** The likely cause and its fix (`explain`'s summary), for logs: never send it in a response. */
  readonly hint: string | null = null;
}
