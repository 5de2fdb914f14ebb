import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Actor, AppContext } from '../../lib/context.js';
import { conflict, forbidden, notFound } from '../../lib/errors.js';
import { cursorTimestamp, keyset } from '../../lib/pagination.js';
import { users } from '../auth/auth.tables.js';
import { directoryScope, verifiedAlumnus } from '../profiles/profiles.search.js';
import { profiles } from '../profiles/profiles.tables.js';
import { isEventManager, promoteFromWaitlist, waitlistPosition } from './events.queries.js';
import type { AttendeesQuery, PageQuery, RsvpBody } from './events.schemas.js';
import { lockEvent, moveCounter, previousAnswer, recordAnswer, waitlistPositionOf, type Move } from './events.rsvp.sql.js';
import { eventRsvps, events, type RsvpStatus } from './events.tables.js';

const closedReasons = {
  event_cancelled: 'The event was cancelled',
  event_ended: 'The event has ended',
  registration_closed: 'Registration for this event is closed (its deadline, or its start, has passed)',
} as const;

/**
 * Records the caller's answer (the latest counts). One transaction per answer, settled in arrival
 * order on the event's row lock:
 * - a new "attending" takes a seat with a conditional counter UPDATE (attending_count < max_attendees,
 *   and a CHECK constraint behind it), so capacity holds whatever the concurrency; when there is no
 *   seat it joins the waitlist (position from a sequence) or gets 409 capacity_full;
 * - someone attending who drops out frees the seat and the first of the waitlist is promoted, in the
 *   same transaction.
 */
export async function rsvpToEvent(ctx: AppContext, actor: Actor, eventId: string, input: RsvpBody) {
  return ctx.db.transaction(async (tx) => {
    const event = await lockEvent(tx, eventId);
    if (!event) throw notFound('Event');
    if (event.closed) throw conflict(closedReasons[event.closed], event.closed);
    const from = await previousAnswer(tx, eventId, actor.id);

    let counts = { attending_count: event.attending_count, waitlist_count: event.waitlist_count };
    const move = async (which: Move) => {
      const moved = await moveCounter(tx, eventId, which);
      if (moved) counts = moved;
      return moved;
    };
    let to: RsvpStatus = input.status;
    if (to === 'attending' && (from === 'attending' || from === 'waitlisted')) {
      to = from; // already in, or already queued: keep the seat or the place in line
    } else if (to === 'attending') {
      if (!(await move('takeSeat'))) {
        if (!event.waitlist_enabled) throw conflict('The event is full', 'capacity_full');
        to = 'waitlisted';
        await move('joinWaitlist');
      }
    } else if (from === 'attending') {
      await move('leaveSeat');
    } else if (from === 'waitlisted') {
      await move('leaveWaitlist');
    }

    const seq = to !== 'waitlisted' ? 'none' : from === 'waitlisted' ? 'keep' : 'next';
    const answer = await recordAnswer(tx, eventId, actor.id, to, new Date(), seq);
    if (from === 'attending' && to !== 'attending') {
      const promoted = (await promoteFromWaitlist(ctx, tx, eventId)).length;
      counts = { attending_count: counts.attending_count + promoted, waitlist_count: counts.waitlist_count - promoted };
    }
    const position = to === 'waitlisted' ? await waitlistPositionOf(tx, eventId, answer.waitlist_seq!) : null;

    if (from !== to) {
      await ctx.events.publish(tx, 'event.rsvp_changed', { eventId, userId: actor.id, from, to, waitlistPosition: position });
    }
    return { event_id: eventId, user_id: actor.id, status: to, rsvp_date: answer.rsvp_date, waitlist_position: position, ...counts };
  });
}

async function eventForList(ctx: AppContext, eventId: string) {
  const [event] = await ctx.db
    .select({ id: events.id, created_by: events.created_by })
    .from(events)
    .where(and(eq(events.id, eventId), isNull(events.deleted_at)));
  if (!event) throw notFound('Event');
  return event;
}

/** Answers in the order they were given (with a status: index event_rsvps_event_status_idx). */
const attendeesList = keyset<{ cursor_ts: string; id: string }>(
  'events.attendees',
  'asc',
  [
    { column: eventRsvps.rsvp_date, type: 'timestamp' },
    { column: eventRsvps.id, type: 'uuid' },
  ],
  (row) => [row.cursor_ts, row.id],
);
/** The waitlist in arrival order (index event_rsvps_waitlist_idx). */
const waitlistList = keyset<{ seq: number | null }>(
  'events.waitlist',
  'asc',
  [{ column: eventRsvps.waitlist_seq, type: 'integer' }],
  (row) => [row.seq],
);

/**
 * The creator and admins see every answer with its status (and waitlist position); other members
 * see who is attending, by name, except accounts that are not active (suspended, deleted), those whose
 * profile is hidden from the directory and, with
 * directory_verified_alumni_only, those who are not verified alumni (decision 110).
 */
export async function listAttendees(ctx: AppContext, actor: Actor, eventId: string, query: AttendeesQuery) {
  const event = await eventForList(ctx, eventId);
  const manager = isEventManager(actor, event);
  const scope = manager ? 'listed' : await directoryScope(ctx, actor);
  if (!manager && query.status && query.status !== 'attending')
    throw forbidden('Only the creator or an admin sees answers other than attending');
  const status = manager ? query.status : 'attending';
  const rows = await ctx.db
    .select({
      id: eventRsvps.id,
      user_id: eventRsvps.user_id,
      name: sql<string>`coalesce(${profiles.name}, ${users.name})`,
      status: eventRsvps.status,
      rsvp_date: eventRsvps.rsvp_date,
      waitlist_position: waitlistPosition,
      cursor_ts: cursorTimestamp(eventRsvps.rsvp_date),
    })
    .from(eventRsvps)
    .innerJoin(users, eq(users.id, eventRsvps.user_id))
    .leftJoin(profiles, eq(profiles.user_id, eventRsvps.user_id))
    .where(
      and(
        eq(eventRsvps.event_id, eventId),
        status ? eq(eventRsvps.status, status) : undefined,
        manager ? undefined : and(eq(users.status, 'active'), sql`coalesce(${profiles.directory_visible}, true)`),
        scope === 'verified-alumni' ? verifiedAlumnus(sql`${eventRsvps.user_id}`) : undefined,
        attendeesList.after(ctx, query.cursor),
      ),
    )
    .orderBy(attendeesList.orderBy)
    .limit(query.limit + 1);
  const page = attendeesList.page(ctx, rows, query.limit);
  return {
    ...page,
    results: page.results.map((r) =>
      manager
        ? { user_id: r.user_id, name: r.name, status: r.status, rsvp_date: r.rsvp_date, waitlist_position: r.waitlist_position }
        : { user_id: r.user_id, name: r.name },
    ),
  };
}

/** The waitlist in arrival order with positions (creator and admins; others 403). */
export async function listWaitlist(ctx: AppContext, actor: Actor, eventId: string, query: PageQuery) {
  const event = await eventForList(ctx, eventId);
  if (!isEventManager(actor, event)) throw forbidden('Only the creator or an admin sees the waitlist');
  const rows = await ctx.db
    .select({
      user_id: eventRsvps.user_id,
      name: users.name,
      email: users.email,
      position: sql<number>`${waitlistPosition}`,
      rsvp_date: eventRsvps.rsvp_date,
      seq: eventRsvps.waitlist_seq,
    })
    .from(eventRsvps)
    .innerJoin(users, eq(users.id, eventRsvps.user_id))
    .where(and(eq(eventRsvps.event_id, eventId), eq(eventRsvps.status, 'waitlisted'), waitlistList.after(ctx, query.cursor)))
    .orderBy(waitlistList.orderBy)
    .limit(query.limit + 1);
  const page = waitlistList.page(ctx, rows, query.limit);
  return { ...page, results: page.results.map(({ seq: _seq, ...entry }) => entry) };
}
