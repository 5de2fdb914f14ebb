import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { NotificationRule } from '../notifications/notifications.rules.js';
import './events.domain-events.js';
import { icsAttachment } from './events.ics.js';
import { events } from './events.tables.js';

/**
 * The event, read once per delivery: a delivery runs in a transaction of its own, and the message
 * and the calendar file of one notification both need the row (deleted ones included, for the words).
 */
type EventRow = typeof events.$inferSelect;
const readsByDelivery = new WeakMap<Db, Map<string, Promise<EventRow | undefined>>>();
function readsOf(db: Db) {
  let reads = readsByDelivery.get(db);
  if (!reads) readsByDelivery.set(db, (reads = new Map()));
  return reads;
}
function eventOf(db: Db, eventId: string) {
  const reads = readsOf(db);
  let read = reads.get(eventId);
  if (!read) {
    read = db
      .select()
      .from(events)
      .where(eq(events.id, eventId))
      .then(([row]) => row);
    reads.set(eventId, read);
  }
  return read;
}
/** Reads the events of a whole delivery batch in one statement (rule `prepare`). */
async function readEvents(db: Db, payloads: { eventId: string }[]) {
  const reads = readsOf(db);
  const ids = [...new Set(payloads.map((p) => p.eventId))].filter((id) => !reads.has(id));
  if (ids.length < 2) return;
  const rows = await db.select().from(events).where(inArray(events.id, ids));
  for (const id of ids) reads.set(id, Promise.resolve(rows.find((e) => e.id === id)));
}

/** "Tuesday, 1 December 2026 at 18:00 IST": one formatter per zone (building one is the costly part). */
const startFormats = new Map<string, Intl.DateTimeFormat>();
function startFormat(timeZone: string) {
  let format = startFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone,
      timeZoneName: 'short',
    });
    startFormats.set(timeZone, format);
  }
  return format;
}

/** Title, start (in the event's own time zone) and place, for the message. */
async function describe(db: Db, eventId: string) {
  const event = await eventOf(db, eventId);
  if (!event) return { title: 'an event', when: '', where: '' };
  const when = startFormat(event.timezone).format(event.start_date);
  const where = event.is_virtual ? `online${event.meeting_link ? ` (${event.meeting_link})` : ''}` : (event.location ?? '');
  return { title: event.title, when, where };
}

const link = (eventId: string) => `/events/${eventId}`;

/** The event's calendar file for the e-mail (none when the event is gone): same UID as the download. */
async function calendarFile(db: Db, eventId: string, publicUrl: string) {
  const event = await eventOf(db, eventId);
  return event && !event.deleted_at ? [icsAttachment(event, publicUrl)] : [];
}

/**
 * How the events module's domain events become notifications (the notification service stores,
 * mails and pushes them by each member's preferences). Every mail that gives someone a seat or
 * changes one they hold carries the event's calendar file (`attachments`, decision 076):
 * the attending confirmation, the waitlist promotion, the reminder and the cancellation (its file
 * says STATUS:CANCELLED under the same UID). `metadata.ics_event_id` names that event for clients.
 */
export const eventsNotificationRules: NotificationRule<any>[] = [
  {
    event: 'event.cancelled',
    type: 'event.cancelled',
    recipients: (p) => p.recipientIds,
    prepare: readEvents,
    async render(db, p) {
      const e = await describe(db, p.eventId);
      return {
        title: `Cancelled: ${e.title}`,
        message: `"${e.title}" on ${e.when} has been cancelled.${p.reason ? ` Reason: ${p.reason}` : ''}`,
        link: link(p.eventId),
        priority: 'high',
        metadata: { event_id: p.eventId, ics_event_id: p.eventId },
      };
    },
    attachments: (db, p, _userId, { publicUrl }) => calendarFile(db, p.eventId, publicUrl),
  } satisfies NotificationRule<'event.cancelled'>,
  {
    event: 'event.waitlist_promoted',
    type: 'event.waitlist_promoted',
    recipients: (p) => [p.userId],
    prepare: readEvents,
    async render(db, p) {
      const e = await describe(db, p.eventId);
      return {
        title: `You're in: ${e.title}`,
        message: `A seat opened up and you moved from the waitlist to attending "${e.title}" on ${e.when}${e.where ? `, ${e.where}` : ''}.`,
        link: link(p.eventId),
        priority: 'high',
        metadata: { event_id: p.eventId, ics_event_id: p.eventId },
      };
    },
    attachments: (db, p, _userId, { publicUrl }) => calendarFile(db, p.eventId, publicUrl),
  } satisfies NotificationRule<'event.waitlist_promoted'>,
  {
    event: 'event.rsvp_changed',
    type: 'event.rsvp_confirmed',
    // A confirmation for the answers that promise a seat or a place in line; "maybe" and "no" need none.
    recipients: (p) => (p.to === 'attending' || p.to === 'waitlisted' ? [p.userId] : []),
    prepare: readEvents,
    async render(db, p) {
      const e = await describe(db, p.eventId);
      const waitlisted = p.to === 'waitlisted';
      return {
        title: waitlisted ? `On the waitlist: ${e.title}` : `You're attending: ${e.title}`,
        message: waitlisted
          ? `"${e.title}" is full; you are number ${p.waitlistPosition} on the waitlist. We'll tell you if a seat opens up.`
          : `See you at "${e.title}" on ${e.when}${e.where ? `, ${e.where}` : ''}.`,
        link: link(p.eventId),
        metadata: { event_id: p.eventId, rsvp_status: p.to, ...(waitlisted ? {} : { ics_event_id: p.eventId }) },
      };
    },
    // A place in line is not a seat: the calendar file comes with the promotion.
    attachments: async (db, p, _userId, { publicUrl }) => (p.to === 'attending' ? calendarFile(db, p.eventId, publicUrl) : []),
  } satisfies NotificationRule<'event.rsvp_changed'>,
  {
    event: 'event.reminder_due',
    type: 'event.reminder',
    recipients: (p) => p.userIds,
    prepare: readEvents,
    async render(db, p) {
      const e = await describe(db, p.eventId);
      return {
        title: `Tomorrow: ${e.title}`,
        message: `Reminder: "${e.title}" starts ${e.when}${e.where ? `, ${e.where}` : ''}.`,
        link: link(p.eventId),
        metadata: { event_id: p.eventId, ics_event_id: p.eventId },
      };
    },
    attachments: (db, p, _userId, { publicUrl }) => calendarFile(db, p.eventId, publicUrl),
  } satisfies NotificationRule<'event.reminder_due'>,
];
