import type { Db } from '../../db/client.js';
import type { EventMap, EventName } from '../../lib/events.js';
import type { MailAttachment } from '../../lib/mail.js';

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
  /**
   * Optional: called once with every payload of a delivery batch before any `render`, so a rule can
   * read what its messages need in one statement (e.g. all the events of a burst of RSVPs).
   */
  prepare?(db: Db, payloads: EventMap[K][]): Promise<void>;
  /** May read other modules' tables (names, titles) to phrase the message. */
  render(db: Db, payload: EventMap[K], recipientId: string): Promise<NotificationContent>;
  /**
   * Files the notification's e-mail carries (a calendar file, a receipt...), in nodemailer's
   * attachment shape. Optional; called only for a recipient who gets an immediate e-mail (not for
   * in-app only, not for the daily digest, which carries none), after `render`, in the same
   * transaction. May return an empty list (e.g. the thing it describes is gone).
   */
  attachments?(db: Db, payload: EventMap[K], recipientId: string, env: { publicUrl: string }): Promise<MailAttachment[]>;
}
