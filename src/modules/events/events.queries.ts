import { and, eq, getTableColumns, inArray, isNull, sql, type Placeholder } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.js';
import type { Actor, AppContext } from '../../lib/context.js';
import { cursorTimestamp } from '../../lib/pagination.js';
import { signedFileUrl } from '../files/files.service.js';
import './events.domain-events.js';
import { eventRsvps, events, type RsvpStatus } from './events.tables.js';

/** Shared reads and the waitlist step: used by the event, RSVP and list services alike. */

export const eventStatus = sql<'scheduled' | 'cancelled' | 'completed'>`CASE
  WHEN ${events.cancelled_at} IS NOT NULL THEN 'cancelled'
  WHEN ${events.end_date} <= now() THEN 'completed'
  ELSE 'scheduled' END`;

const { deleted_at: _d, sequence: _s, cancelled_at: _c, ...publicColumns } = getTableColumns(events);
/** Every wire column, with the derived status (banner_key becomes banner_url/banner_image in toEventView). */
export const eventColumns = { ...publicColumns, status: eventStatus };

export const toEventView = <T extends { banner_key: string | null }>(ctx: AppContext, row: T) => {
  const { banner_key, ...rest } = row;
  const url = signedFileUrl(ctx, banner_key);
  // banner_image is the seed's name for the field (clients built from it read that); banner_url stays for existing ones.
  return { ...rest, banner_url: url, banner_image: url };
};

export const isEventManager = (actor: Actor, event: { created_by: string }) => actor.role === 'admin' || event.created_by === actor.id;

/** 1-based place in the event's waitlist: how many waitlisted arrived no later (index event_rsvps_waitlist_idx). */
export const waitlistPosition = sql<number | null>`CASE WHEN ${eventRsvps.status} = 'waitlisted' THEN (
  SELECT count(*)::int FROM event_rsvps w
   WHERE w.event_id = ${eventRsvps.event_id} AND w.status = 'waitlisted' AND w.waitlist_seq <= ${eventRsvps.waitlist_seq}) END`;

export const myRsvpColumns = { status: eventRsvps.status, rsvp_date: eventRsvps.rsvp_date, waitlist_position: waitlistPosition };

/** Events joined with the caller's own answer (one unique-index probe per row). */
/** `actorId` may be a placeholder, for a statement prepared once (events.list.ts). */
export const selectEventsWithMyRsvp = (db: Db | Tx, actorId: string | Placeholder) =>
  db
    .select({ ...eventColumns, my: myRsvpColumns, cursor_ts: cursorTimestamp(events.start_date) })
    .from(events)
    .leftJoin(eventRsvps, and(eq(eventRsvps.event_id, events.id), eq(eventRsvps.user_id, actorId)));

type WithMy = { my: { status: string | null; rsvp_date: Date | null; waitlist_position: number | null } | null; banner_key: string | null };
/** The wire view of an event row read with the caller's answer. */
export const toEventWithMyRsvp = <T extends WithMy>(ctx: AppContext, row: T) => {
  const { my, ...event } = row;
  // A left join without a match gives a row of nulls: that is "no answer".
  const myRsvp = my?.status ? (my as { status: RsvpStatus; rsvp_date: Date; waitlist_position: number | null }) : null;
  return { ...toEventView(ctx, event), my_rsvp: myRsvp };
};

export async function findEvent(db: Db | Tx, eventId: string) {
  const [row] = await db
    .select({ ...getTableColumns(events), status: eventStatus })
    .from(events)
    .where(and(eq(events.id, eventId), isNull(events.deleted_at)));
  return row;
}

/** Who meant to come: attending, maybe, and the waitlist (they answered attending). */
export async function answeredYesOrMaybe(tx: Tx, eventId: string) {
  const rows = await tx
    .select({ user_id: eventRsvps.user_id })
    .from(eventRsvps)
    .where(and(eq(eventRsvps.event_id, eventId), inArray(eventRsvps.status, ['attending', 'maybe', 'waitlisted'])));
  return rows.map((r) => r.user_id);
}

/**
 * Moves the first of the waitlist to attending while seats are free, in the caller's transaction:
 * the seat is taken by the same conditional counter UPDATE as an RSVP (so capacity holds), then the
 * earliest arrival (lowest waitlist_seq) becomes attending. Returns the promoted user ids, in order.
 */
export async function promoteFromWaitlist(ctx: AppContext, tx: Tx, eventId: string) {
  const promoted: string[] = [];
  for (;;) {
    const [seat] = await tx
      .update(events)
      .set({ attending_count: sql`${events.attending_count} + 1`, waitlist_count: sql`${events.waitlist_count} - 1` })
      .where(
        and(
          eq(events.id, eventId),
          sql`${events.waitlist_count} > 0`,
          sql`(${events.max_attendees} IS NULL OR ${events.attending_count} < ${events.max_attendees})`,
        ),
      )
      .returning({ id: events.id });
    if (!seat) return promoted;
    const result = await tx.execute<{ user_id: string }>(sql`
      UPDATE event_rsvps SET status = 'attending', waitlist_seq = NULL, promoted_at = now()
       WHERE id = (SELECT id FROM event_rsvps WHERE event_id = ${eventId} AND status = 'waitlisted' ORDER BY waitlist_seq LIMIT 1)
      RETURNING user_id`);
    const userId = result.rows[0]?.user_id;
    // The counter said someone waits; the rows must agree (the transaction is rolled back otherwise).
    if (!userId) throw new Error(`waitlist_count of event ${eventId} does not match its waitlist`);
    promoted.push(userId);
    await ctx.events.publish(tx, 'event.waitlist_promoted', { eventId, userId });
  }
}
