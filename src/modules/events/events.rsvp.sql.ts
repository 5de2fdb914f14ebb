import type { Tx } from '../../db/client.js';
import { runNamed } from '../../lib/prepared.js';
import type { RsvpStatus } from './events.tables.js';

/**
 * The statements of an RSVP, written once as SQL and run as named prepared statements on the
 * transaction's connection (runNamed): an answer holds its event's row lock from the first of them
 * to the commit, so every microsecond spent building SQL between them is a microsecond the next
 * answer to that event waits.
 */

export type ClosedReason = 'event_cancelled' | 'event_ended' | 'registration_closed';

/** Locks the event's row: answers to one event are settled one at a time, in arrival order. */
export const lockEvent = async (tx: Tx, eventId: string) =>
  (
    await runNamed<{ waitlist_enabled: boolean; attending_count: number; waitlist_count: number; closed: ClosedReason | null }>(
      tx,
      'rsvp-lock-event',
      `SELECT waitlist_enabled, attending_count, waitlist_count,
              CASE WHEN cancelled_at IS NOT NULL THEN 'event_cancelled'
                   WHEN end_date <= now() THEN 'event_ended'
                   WHEN now() >= coalesce(registration_deadline, start_date) THEN 'registration_closed' END AS closed
         FROM events WHERE id = $1 AND deleted_at IS NULL
          FOR NO KEY UPDATE`,
      [eventId],
    )
  )[0];

/**
 * Read after the lock, in a statement of its own: in READ COMMITTED it then sees every answer
 * committed before we got the lock (a promotion by someone else's drop-out included). Joined into
 * the locking statement it would come from that statement's older snapshot.
 */
export const previousAnswer = async (tx: Tx, eventId: string, userId: string) =>
  (
    await runNamed<{ status: RsvpStatus }>(tx, 'rsvp-previous', 'SELECT status FROM event_rsvps WHERE event_id = $1 AND user_id = $2', [
      eventId,
      userId,
    ])
  )[0]?.status ?? null;

const RETURNING = 'RETURNING attending_count, waitlist_count';
/** The counter moves; `takeSeat` is conditional (capacity holds in the database, and a CHECK stands behind it). */
const MOVES = {
  takeSeat: `UPDATE events SET attending_count = attending_count + 1
              WHERE id = $1 AND (max_attendees IS NULL OR attending_count < max_attendees) ${RETURNING}`,
  joinWaitlist: `UPDATE events SET waitlist_count = waitlist_count + 1 WHERE id = $1 ${RETURNING}`,
  leaveSeat: `UPDATE events SET attending_count = attending_count - 1 WHERE id = $1 ${RETURNING}`,
  leaveWaitlist: `UPDATE events SET waitlist_count = waitlist_count - 1 WHERE id = $1 ${RETURNING}`,
};
export type Move = keyof typeof MOVES;

/** Moves a counter; undefined when `takeSeat` found no seat. */
export const moveCounter = async (tx: Tx, eventId: string, move: Move) =>
  (await runNamed<{ attending_count: number; waitlist_count: number }>(tx, `rsvp-${move}`, MOVES[move], [eventId]))[0];

/** The answer's place in line: a new one from the sequence, the one it had, or none. */
export type WaitlistSeq = 'next' | 'keep' | 'none';
const UPSERTS: Record<WaitlistSeq, string> = {
  next: upsert(`nextval('event_waitlist_seq')`),
  keep: upsert(null),
  none: upsert('NULL'),
};
function upsert(seq: string | null) {
  return `INSERT INTO event_rsvps (event_id, user_id, status, rsvp_date, waitlist_seq) VALUES ($1, $2, $3, $4, ${seq ?? 'NULL'})
          ON CONFLICT (event_id, user_id) DO UPDATE SET status = $3, rsvp_date = $4${seq === null ? '' : `, waitlist_seq = ${seq}`}
          RETURNING rsvp_date, waitlist_seq`;
}

/** Records the answer (the latest counts). */
export const recordAnswer = async (tx: Tx, eventId: string, userId: string, status: RsvpStatus, at: Date, seq: WaitlistSeq) =>
  (
    await runNamed<{ rsvp_date: Date; waitlist_seq: number | null }>(tx, `rsvp-upsert-${seq}`, UPSERTS[seq], [eventId, userId, status, at])
  )[0];

/** 1-based place of a waitlist_seq in the event's waitlist (index event_rsvps_waitlist_idx). */
export const waitlistPositionOf = async (tx: Tx, eventId: string, seq: number) =>
  (
    await runNamed<{ position: number }>(
      tx,
      'rsvp-waitlist-position',
      `SELECT count(*)::int AS position FROM event_rsvps WHERE event_id = $1 AND status = 'waitlisted' AND waitlist_seq <= $2`,
      [eventId, seq],
    )
  )[0].position;
