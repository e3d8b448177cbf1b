/** Rebuilding typed errors from the native layer's JSON error descriptions (internal). */

import {
  Send0Error,
  APIError,
  type APIErrorDetails,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  InvalidRequestError,
  ConflictError,
  RateLimitError,
  InternalServerError,
  APIConnectionError,
  APITimeoutError,
  APIResponseDecodeError,
  InvalidArgumentError,
  APIUserAbortError,
  WebhookVerificationError,
} from './errors.js';

const WEBHOOK_KINDS = new Set([
  'missing_header',
  'invalid_timestamp',
  'timestamp_too_old',
  'timestamp_too_new',
  'invalid_signature',
  'invalid_secret',
  'invalid_payload',
]);

type APIErrorClass = new (kind: string, details: APIErrorDetails) => APIError;

const API_CLASSES: Record<string, APIErrorClass> = {
  authentication: AuthenticationError,
  permission: PermissionDeniedError,
  not_found: NotFoundError,
  invalid_request: InvalidRequestError,
  conflict: ConflictError,
  rate_limited: RateLimitError,
};

const OTHER_CLASSES: Record<string, new (message: string, kind: string) => Send0Error> = {
  connection: APIConnectionError,
  timeout: APITimeoutError,
  decode: APIResponseDecodeError,
  invalid_argument: InvalidArgumentError,
  cancelled: APIUserAbortError,
};

/** The core's JSON description of an error (send0::Error::to_json). */
export interface NativeDescription {
  kind: string;
  message: string;
  api?: {
    status: number;
    code: string | null;
    message: string;
    param: string | null;
    request_id: string | null;
    required_scope: string | null;
    retry_after: number | null;
    body: string;
    headers: Array<[string, string]>;
  };
}

/** Rebuilds the error the native layer described; anything else is returned unchanged. */
export function fromNative(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  let described: NativeDescription;
  try {
    described = JSON.parse(error.message) as NativeDescription;
  } catch {
    return error;
  }
  if (typeof described !== 'object' || described === null || typeof described.kind !== 'string') return error;
  return fromDescription(described);
}

/** The SDK's error class for a description of the core's. */
export function fromDescription(described: NativeDescription): Send0Error {
  const { kind, message, api } = described;
  if (api) {
    const cls = API_CLASSES[kind] ?? (api.status >= 500 ? InternalServerError : APIError);
    return new cls(kind, {
      status: api.status,
      code: api.code,
      message: api.message,
      param: api.param,
      requestId: api.request_id,
      headers: Object.fromEntries(api.headers),
      body: api.body,
      requiredScope: api.required_scope,
      retryAfter: api.retry_after,
    });
  }
  if (WEBHOOK_KINDS.has(kind)) return new WebhookVerificationError(message, kind);
  const cls = OTHER_CLASSES[kind] ?? Send0Error;
  return new cls(message, kind);
}

/** Runs `fn`, rethrowing native errors as their classes. */
export function rethrowing<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw fromNative(error);
  }
}
