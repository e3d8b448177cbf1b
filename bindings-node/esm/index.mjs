// The ESM entry point: the CommonJS build re-exported, so that `import` and `require` share one
// copy of every class (and `instanceof` works whichever way the package was loaded).
import cjs from '../dist/index.js';

export const {
  Send0,
  WebhooksResource,
  Page,
  PagePromise,
  verify,
  verifyRaw,
  sign,
  webhooks,
  Send0Error,
  APIError,
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
  VERSION,
} = cjs;
export default cjs;
