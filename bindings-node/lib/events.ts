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

/** The fields every verified event has. */
export interface BaseEvent<T extends string, D> {
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
  raw: Buffer;
}

export type EmailQueuedEvent = BaseEvent<'email.queued', EventDataByType['email.queued']>;
export type EmailDeliveredEvent = BaseEvent<'email.delivered', EventDataByType['email.delivered']>;
export type EmailOpenedEvent = BaseEvent<'email.opened', EventDataByType['email.opened']>;
export type EmailClickedEvent = BaseEvent<'email.clicked', EventDataByType['email.clicked']>;
export type EmailBouncedEvent = BaseEvent<'email.bounced', EventDataByType['email.bounced']>;
export type EmailComplainedEvent = BaseEvent<'email.complained', EventDataByType['email.complained']>;
export type EmailFailedEvent = BaseEvent<'email.failed', EventDataByType['email.failed']>;
export type DomainHealthDegradedEvent = BaseEvent<'domain.health.degraded', EventDataByType['domain.health.degraded']>;
export type PlatformTestEvent = BaseEvent<'platform.test', EventDataByType['platform.test']>;

/** A verified send0 event: narrow it with `switch (event.type)`. */
export type WebhookEvent =
  | EmailQueuedEvent
  | EmailDeliveredEvent
  | EmailOpenedEvent
  | EmailClickedEvent
  | EmailBouncedEvent
  | EmailComplainedEvent
  | EmailFailedEvent
  | DomainHealthDegradedEvent
  | PlatformTestEvent;
