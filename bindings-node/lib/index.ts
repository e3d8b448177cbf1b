/**
 * send0: verify send0 webhook deliveries and manage webhook endpoints.
 *
 * ```ts
 * import { Send0 } from 'send0';
 * const event = Send0.webhooks.verify(rawBody, req.headers, process.env.SEND0_WEBHOOK_SECRET!);
 * ```
 */
export { Send0, WebhooksResource, Page, PagePromise } from './client';
export type { ClientOptions, RequestOptions, CreateOptions, CreateWebhookParams, UpdateWebhookParams, ListParams } from './client';
export { verify, verifyRaw, sign, webhooks } from './webhooks';
export type { WebhookBody, WebhookHeaders, VerifyOptions, WebhookExplanation, Diagnosis, DiagnosisCode } from './webhooks';
export * from './errors';
export { VERSION } from './version';
export type * from './events';
export type * from './models';
