import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import type { AppContext } from '../../lib/context.js';
import type { Delivery } from '../../lib/events.js';
import type { MailAttachment } from '../../lib/mail.js';
import { isSafeLink } from '../../lib/schemas.js';
import { deliverSoon, enqueueMails } from '../mail/mail.service.js';
import type { NotificationContent } from './notifications.rules.js';
import { notificationDigestItems, notifications, type TypePreferences } from './notifications.tables.js';

export type NotificationRow = typeof notifications.$inferSelect;

/** The wire form of a notification (list, stream, WebSocket). */
export const toView = (n: NotificationRow) => ({
  id: n.id,
  user_id: n.user_id, // the seed's Notification model names its owner; clients built from it read it
  type: n.type,
  title: n.title,
  message: n.message,
  link: n.link,
  priority: n.priority,
  metadata: n.metadata,
  is_read: n.is_read,
  read_at: n.read_at,
  created_at: n.created_at,
});

/** The real-time event for a new notification; its SSE id is the row's insertion order. */
export const createdEvent = (n: NotificationRow) => ({ type: 'notification.created', id: String(n.seq), data: toView(n) });

export interface Outgoing {
  userId: string;
  content: NotificationContent;
  /** Makes the notification at-most-once (a retried broadcast batch, a daily digest). */
  dedupeKey?: string;
  /** The e-mail's files, asked for only when this person gets an immediate e-mail (rule `attachments`). */
  attachments?: () => Promise<MailAttachment[]>;
}

interface Recipient {
  id: string;
  email: string;
  name: string;
  email_notifications: boolean | null;
  push_notifications: boolean | null;
  email_delivery: 'immediate' | 'daily_digest' | null;
  notification_types: TypePreferences | null;
}

const absolute = (ctx: AppContext, link: string | null) => (link && link.startsWith('/') ? `${ctx.config.publicUrl}${link}` : link);

/**
 * The one place notifications are made: inside the caller's transaction, for active people only,
 * honouring each person's preferences for `type` (in-app and e-mail separately; e-mail at once or
 * in the daily digest). Real-time pushes and the first mail attempt run after commit.
 */
export async function deliver(ctx: AppContext, tx: Tx, type: string, given: Outgoing[], delivery: Pick<Delivery, 'afterCommit'>) {
  if (!given.length) return [];
  // Every link clients will follow is a site path or an http(s) URL (decision 113); one stored before
  // that rule (a broadcast queued earlier) or a rule's mistake goes out without its link.
  const items = given.map((i) => (i.content.link && !isSafeLink(i.content.link) ? { ...i, content: { ...i.content, link: null } } : i));
  if (items.some((i, n) => i !== given[n])) ctx.log.warn({ type }, 'notification link dropped: not a site path or an http(s) URL');
  const ids = [...new Set(items.map((i) => i.userId))];
  const { rows: people } = await tx.execute<Recipient & Record<string, unknown>>(sql`
    SELECT u.id, u.email, u.name, p.email_notifications, p.push_notifications, p.email_delivery, p.notification_types
    FROM users u LEFT JOIN notification_preferences p ON p.user_id = u.id
    WHERE u.id = ANY(${sql.param(ids)}::uuid[]) AND u.status = 'active'`);
  const byId = new Map(people.map((p) => [p.id, p]));
  const wanted = items.filter((i) => byId.has(i.userId));

  const inApp = wanted.filter((i) => byId.get(i.userId)!.notification_types?.[type]?.in_app ?? true);
  const inserted = inApp.length
    ? await tx
        .insert(notifications)
        .values(
          inApp.map((i) => ({
            user_id: i.userId,
            type,
            title: i.content.title,
            message: i.content.message,
            link: i.content.link,
            priority: i.content.priority ?? 'normal',
            metadata: i.content.metadata ?? {},
            dedupe_key: i.dedupeKey ?? null,
          })),
        )
        .onConflictDoNothing({ target: notifications.dedupe_key })
        .returning()
    : [];
  // A deduplicated item that already exists is a repeat: it gets no second mail either.
  const fresh = new Set(inserted.map((n) => n.dedupe_key));
  const storedInApp = new Set(inApp);
  const repeated = (i: Outgoing) => i.dedupeKey !== undefined && storedInApp.has(i) && !fresh.has(i.dedupeKey);

  const mails: {
    to: string;
    data: { name: string; title: string; message: string; link: string | null; attachments: string[] };
    attachments: MailAttachment[];
  }[] = [];
  const digest: (typeof notificationDigestItems.$inferInsert)[] = [];
  for (const i of wanted) {
    const p = byId.get(i.userId)!;
    if (repeated(i) || p.email_notifications === false || p.notification_types?.[type]?.email === false) continue;
    const link = absolute(ctx, i.content.link);
    if (p.email_delivery === 'daily_digest') {
      digest.push({ user_id: p.id, type, title: i.content.title, message: i.content.message, link });
    } else {
      const attachments = (await i.attachments?.()) ?? [];
      const data = {
        name: p.name,
        title: i.content.title,
        message: i.content.message,
        link,
        attachments: attachments.map((a) => a.filename),
      };
      mails.push({ to: p.email, data, attachments });
    }
  }
  const mailIds = await enqueueMails(ctx, tx, 'notification', mails);
  if (digest.length) await tx.insert(notificationDigestItems).values(digest);

  const pushed = inserted.filter((n) => byId.get(n.user_id)!.push_notifications !== false);
  delivery.afterCommit(() => {
    ctx.realtime.publish(pushed.map((n) => ({ userId: n.user_id, event: createdEvent(n) })));
    if (mailIds.length) deliverSoon(ctx, mailIds);
  });
  return inserted;
}

/** For callers outside an event delivery: runs `fn` in a transaction, then its after-commit work. */
export async function inTransaction<T>(ctx: AppContext, fn: (tx: Tx, delivery: Pick<Delivery, 'afterCommit'>) => Promise<T>) {
  const after: (() => void)[] = [];
  const result = await ctx.db.transaction((tx) => fn(tx, { afterCommit: (f) => after.push(f) }));
  for (const f of after) f();
  return result;
}
