/** The send0 event catalog as TypeScript types: a discriminated union on `type`. */

/** Fields every `email.*` event's data carries. */
export interface EmailData {
  email_id: string;
  from: string;
  to: string[];
  subject: string;
}

/** The data of each event type. */
export interface EventDataByType {
  'email.queued': EmailData;
  'email.delivered': EmailData;
  'email.opened': EmailData;
  'email.clicked': EmailData & { link: string };
  'email.bounced': EmailData & { bounce_type: 'hard' | 'soft'; bounce_message: string };
  'email.complained': EmailData;
  'email.failed': EmailData & { reason: string };
  'domain.health.degraded': { domain: string; failing_checks: string[]; status: string };
  'platform.test': { message: string; endpoint_id: string };
}

/** Every event type send0 delivers. */
export type EventType = keyof EventDataByType;

/**
 * The fields every verified event has. `raw` is a `Buffer` from the Node entry and a `Uint8Array`
 * from the edge entry.
 */
export interface BaseEvent<T extends string, D, Raw extends Uint8Array = Uint8Array> {
  /** The event id (`evt_…`). */
  id: string;
  type: T;
  /** The type's first segment, e.g. `email`. */
  service: string;
  data: D;
  livemode: boolean;
  /** When the event happened. */
  createdAt: Date;
  /** The `webhook-id` header: the delivery's message id, stable across retries. */
  webhookId: string;
  /** The `webhook-timestamp` header: Unix seconds of this attempt. */
  timestamp: number;
  /** The body, exactly as verified: the event's own copy, which later changes to the caller's buffer do not reach. */
  raw: Raw;
}

export type EmailQueuedEvent<Raw extends Uint8Array = Uint8Array> = BaseEvent<'email.queued', EventDataByType['email.queued'], Raw>;
export type EmailDeliveredEvent<Raw extends Uint8Array = Uint8Array> = BaseEvent<'email.delivered', EventDataByType['email.delivered'], Raw>;
export type EmailOpenedEvent<Raw extends Uint8Array = Uint8Array> = BaseEvent<'email.opened', EventDataByType['email.opened'], Raw>;
export type EmailClickedEvent<Raw extends Uint8Array = Uint8Array> = BaseEvent<'email.clicked', EventDataByType['email.clicked'], Raw>;
export type EmailBouncedEvent<Raw extends Uint8Array = Uint8Array> = BaseEvent<'email.bounced', EventDataByType['email.bounced'], Raw>;
export type EmailComplainedEvent<Raw extends Uint8Array = Uint8Array> = BaseEvent<'email.complained', EventDataByType['email.complained'], Raw>;
export type EmailFailedEvent<Raw extends Uint8Array = Uint8Array> = BaseEvent<'email.failed', EventDataByType['email.failed'], Raw>;
export type DomainHealthDegradedEvent<Raw extends Uint8Array = Uint8Array> = BaseEvent<'domain.health.degraded', EventDataByType['domain.health.degraded'], Raw>;
export type PlatformTestEvent<Raw extends Uint8Array = Uint8Array> = BaseEvent<'platform.test', EventDataByType['platform.test'], Raw>;

/** A verified send0 event: narrow it with `switch (event.type)`. */
export type WebhookEvent<Raw extends Uint8Array = Uint8Array> =
  | EmailQueuedEvent<Raw>
  | EmailDeliveredEvent<Raw>
  | EmailOpenedEvent<Raw>
  | EmailClickedEvent<Raw>
  | EmailBouncedEvent<Raw>
  | EmailComplainedEvent<Raw>
  | EmailFailedEvent<Raw>
  | DomainHealthDegradedEvent<Raw>
  | PlatformTestEvent<Raw>;
