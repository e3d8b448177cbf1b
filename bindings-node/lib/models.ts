/**
 * The objects of the Webhooks API, with camelCase names and `Date`s.
 *
 * A field the API added after this SDK is on the object all the same, under the name the API gave
 * it (`(endpoint as Record<string, unknown>)['new_field']`), and an unknown `status` keeps its string.
 */

/** `active`, `disabled`, `paused`, or a status added to the API after this SDK. */
export type EndpointStatus = 'active' | 'disabled' | 'paused' | (string & {});

export interface WebhookEndpoint {
  id: string;
  object: 'webhook_endpoint';
  url: string;
  description: string | null;
  events: string[];
  active: boolean;
  status: EndpointStatus;
  consecutiveFailures: number;
  lastDeliveryAt: Date | null;
  lastDeliveryStatus: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The response to a create: the endpoint and, this once, its signing secret. Store it now. */
export interface WebhookEndpointWithSecret extends WebhookEndpoint {
  secret: string;
}

export interface DeletedWebhookEndpoint {
  id: string;
  object: 'webhook_endpoint';
  deleted: true;
}

export interface TestResult {
  success: boolean;
  eventId: string;
  statusCode: number | null;
  responseTimeMs: number;
  error: string | null;
}

export interface RotatedSecret {
  secret: string;
  previousSecretExpiresAt: Date | null;
}

export interface DeliveryAttempt {
  eventId: string;
  eventType: string;
  attempt: number;
  statusCode: number | null;
  responseTimeMs: number;
  error: string | null;
  attemptedAt: Date;
  nextAttemptAt: Date | null;
}

type Wire = Record<string, unknown>;

const time = (value: unknown): Date | null => (typeof value === 'string' ? new Date(value) : null);

/** The fields of `w` that this SDK has no name for, as the API sent them. */
function unknownFields(w: Wire, known: ReadonlySet<string>): Wire {
  const out: Wire = {};
  for (const [key, value] of Object.entries(w)) if (!known.has(key)) out[key] = value;
  return out;
}

const ENDPOINT_FIELDS = new Set(['id', 'object', 'url', 'description', 'events', 'active', 'status',
  'consecutive_failures', 'last_delivery_at', 'last_delivery_status', 'created_at', 'updated_at', 'secret']);
const DELETED_FIELDS = new Set(['id', 'object', 'deleted']);
const TEST_RESULT_FIELDS = new Set(['success', 'event_id', 'status_code', 'response_time_ms', 'error']);
const ROTATED_FIELDS = new Set(['secret', 'previous_secret_expires_at']);
const ATTEMPT_FIELDS = new Set(['event_id', 'event_type', 'attempt', 'status_code', 'response_time_ms', 'error',
  'attempted_at', 'next_attempt_at']);

export function toEndpoint(w: Wire): WebhookEndpoint {
  return {
    ...unknownFields(w, ENDPOINT_FIELDS),
    id: w['id'] as string,
    object: 'webhook_endpoint',
    url: w['url'] as string,
    description: (w['description'] as string | null | undefined) ?? null,
    events: w['events'] as string[],
    active: w['active'] as boolean,
    status: w['status'] as EndpointStatus,
    consecutiveFailures: (w['consecutive_failures'] as number | undefined) ?? 0,
    lastDeliveryAt: time(w['last_delivery_at']),
    lastDeliveryStatus: (w['last_delivery_status'] as number | null | undefined) ?? null,
    createdAt: new Date(w['created_at'] as string),
    updatedAt: new Date(w['updated_at'] as string),
  };
}

/** The secret is not enumerable: `console.log` and `JSON.stringify` of the object never show it. */
export function toEndpointWithSecret(w: Wire): WebhookEndpointWithSecret {
  const endpoint = toEndpoint(w) as WebhookEndpointWithSecret;
  Object.defineProperty(endpoint, 'secret', { value: w['secret'] as string, enumerable: false });
  return endpoint;
}

export function toDeleted(w: Wire): DeletedWebhookEndpoint {
  return { ...unknownFields(w, DELETED_FIELDS), id: w['id'] as string, object: 'webhook_endpoint', deleted: true };
}

export function toTestResult(w: Wire): TestResult {
  return {
    ...unknownFields(w, TEST_RESULT_FIELDS),
    success: w['success'] as boolean,
    eventId: w['event_id'] as string,
    statusCode: (w['status_code'] as number | null | undefined) ?? null,
    responseTimeMs: w['response_time_ms'] as number,
    error: (w['error'] as string | null | undefined) ?? null,
  };
}

export function toRotatedSecret(w: Wire): RotatedSecret {
  const rotated = {
    ...unknownFields(w, ROTATED_FIELDS),
    previousSecretExpiresAt: time(w['previous_secret_expires_at']),
  } as RotatedSecret;
  Object.defineProperty(rotated, 'secret', { value: w['secret'] as string, enumerable: false });
  return rotated;
}

export function toDeliveryAttempt(w: Wire): DeliveryAttempt {
  return {
    ...unknownFields(w, ATTEMPT_FIELDS),
    eventId: w['event_id'] as string,
    eventType: w['event_type'] as string,
    attempt: w['attempt'] as number,
    statusCode: (w['status_code'] as number | null | undefined) ?? null,
    responseTimeMs: w['response_time_ms'] as number,
    error: (w['error'] as string | null | undefined) ?? null,
    attemptedAt: new Date(w['attempted_at'] as string),
    nextAttemptAt: time(w['next_attempt_at']),
  };
}
