import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { NotificationRule } from '../notifications/notifications.rules.js';
import './events.domain-events.js';
import { events } from './events.tables.js';

/** Title, start (in the event's own time zone) and place, read once per notification. */
async function describe(db: Db, eventId: string) {
  const [event] = await db
    .select({
      title: events.title,
      start_date: events.start_date,
      timezone: events.timezone,
      location: events.location,
      is_virtual: events.is_virtual,
      meeting_link: events.meeting_link,
    })
    .from(events)
    .where(eq(events.id, eventId));
  if (!event) return { title: 'an event', when: '', where: '' };
  const when = new Intl.DateTimeFormat('en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: event.timezone,
    timeZoneName: 'short',
  }).format(event.start_date);
  const where = event.is_virtual ? `online${event.meeting_link ? ` (${event.meeting_link})` : ''}` : (event.location ?? '');
  return { title: event.title, when, where };
}

const link = (eventId: string) => `/events/${eventId}`;

/**
 * How the events module's domain events become notifications (the notification service stores,
 * mails and pushes them by each member's preferences). The RSVP confirmation and the reminder are
 * where a calendar file belongs: `metadata.ics_event_id` names the event whose file
 * (`eventIcsAttachment` in events.ics.ts) the e-mail should carry.
 */
export const eventsNotificationRules: NotificationRule<any>[] = [
  {
    event: 'event.cancelled',
    type: 'event.cancelled',
    recipients: (p) => p.recipientIds,
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
  } satisfies NotificationRule<'event.cancelled'>,
  {
    event: 'event.waitlist_promoted',
    type: 'event.waitlist_promoted',
    recipients: (p) => [p.userId],
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
  } satisfies NotificationRule<'event.waitlist_promoted'>,
  {
    event: 'event.rsvp_changed',
    type: 'event.rsvp_confirmed',
    // A confirmation for the answers that promise a seat or a place in line; "maybe" and "no" need none.
    recipients: (p) => (p.to === 'attending' || p.to === 'waitlisted' ? [p.userId] : []),
    async render(db, p) {
      const e = await describe(db, p.eventId);
      const waitlisted = p.to === 'waitlisted';
      return {
        title: waitlisted ? `On the waitlist: ${e.title}` : `You're attending: ${e.title}`,
        message: waitlisted
          ? `"${e.title}" is full; you are number ${p.waitlistPosition} on the waitlist. We'll tell you if a seat opens up.`
          : `See you at "${e.title}" on ${e.when}${e.where ? `, ${e.where}` : ''}. The calendar file is attached.`,
        link: link(p.eventId),
        metadata: { event_id: p.eventId, rsvp_status: p.to, ...(waitlisted ? {} : { ics_event_id: p.eventId }) },
      };
    },
  } satisfies NotificationRule<'event.rsvp_changed'>,
  {
    event: 'event.reminder_due',
    type: 'event.reminder',
    recipients: (p) => p.userIds,
    async render(db, p) {
      const e = await describe(db, p.eventId);
      return {
        title: `Tomorrow: ${e.title}`,
        message: `Reminder: "${e.title}" starts ${e.when}${e.where ? `, ${e.where}` : ''}.`,
        link: link(p.eventId),
        metadata: { event_id: p.eventId, ics_event_id: p.eventId },
      };
    },
  } satisfies NotificationRule<'event.reminder_due'>,
];
