// The events module's domain events (declaration merging: lib/events.ts stays untouched).
// Payloads carry every user id a subscriber needs, so no subscriber has to re-read who to notify.
export {};

declare module '../../lib/events.js' {
  interface EventMap {
    'event.created': { eventId: string; createdBy: string };
    /** recipientIds: everyone who answered attending or maybe, and the waitlist (they asked to attend). */
    'event.cancelled': { eventId: string; cancelledBy: string; reason: string | null; recipientIds: string[] };
    /** The member's answer after the change (waitlistPosition when waitlisted). */
    'event.rsvp_changed': {
      eventId: string;
      userId: string;
      from: string | null;
      to: 'attending' | 'maybe' | 'not_attending' | 'waitlisted';
      waitlistPosition: number | null;
    };
    'event.waitlist_promoted': { eventId: string; userId: string };
    /** Published once per (event, member, start time) by the reminder job; userIds are those not reminded before. */
    'event.reminder_due': { eventId: string; startDate: string; userIds: string[] };
  }
}
