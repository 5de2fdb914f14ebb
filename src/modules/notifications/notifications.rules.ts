import type { Db } from '../../db/client.js';
import type { EventMap, EventName } from '../../lib/events.js';

/** What one notification says; the notification service stores it and mails it by preference. */
export interface NotificationContent {
  title: string;
  message: string;
  /** Path in the client app, e.g. `/jobs/123`; made absolute with PUBLIC_URL in e-mails. */
  link: string | null;
  priority?: 'low' | 'normal' | 'high';
  metadata?: Record<string, unknown>;
}

/**
 * How a domain event becomes notifications. Every module that notifies people exports a list of
 * these from `<module>.notifications.ts`; the notification service alone turns events into
 * notifications (in-app, e-mail, real time), honouring each recipient's preferences for `type`.
 */
export interface NotificationRule<K extends EventName = EventName> {
  event: K;
  /** Notification type and preference key, e.g. `application.status_changed`. */
  type: string;
  /** Who is notified (user ids); the actor who caused the event is usually not among them. */
  recipients(payload: EventMap[K]): string[];
  /** May read other modules' tables (names, titles) to phrase the message. */
  render(db: Db, payload: EventMap[K], recipientId: string): Promise<NotificationContent>;
}
