import type { AppContext } from '../../lib/context.js';
import { parseDateRange } from '../../lib/schemas.js';
import type { ParticipationQuery } from './events.schemas.js';
import { eventTypes, type EventType } from './events.tables.js';

type Row = {
  events: number;
  cancelled: number;
  capacity: number;
  attending: number;
  attending_capped: number;
  maybe: number;
  not_attending: number;
  waitlisted: number;
};

const withRate = <T extends Row>(r: T) => ({
  ...r,
  fill_rate: r.capacity > 0 ? Math.round((r.attending_capped / r.capacity) * 10_000) / 10_000 : null,
});

/**
 * RSVPs against capacity, by event type (every type listed, zeros included) and in total, for the
 * events starting in [from, to). Attending and waitlist come from the events' counters; maybe and
 * not_attending are counted from the answers (one grouped pass over event_rsvps).
 */
/**
 * One fixed statement (named, so each connection parses it once): an absent bound is a NULL that
 * drops its condition. The aggregation reads every selected event anyway, so the range needs no
 * plan of its own; building the SQL per request was most of this endpoint's CPU.
 */
const PARTICIPATION_SQL = `
  WITH selected AS (
    SELECT e.id, e.event_type, e.max_attendees, e.attending_count, e.waitlist_count, e.cancelled_at
      FROM events e
     WHERE e.deleted_at IS NULL
       AND ($1::timestamptz IS NULL OR e.start_date >= $1::timestamptz)
       AND ($2::timestamptz IS NULL OR e.start_date < $2::timestamptz)
  ), answers AS (
    SELECT r.event_id,
           count(*) FILTER (WHERE r.status = 'maybe')::int AS maybe,
           count(*) FILTER (WHERE r.status = 'not_attending')::int AS not_attending
      FROM event_rsvps r JOIN selected s ON s.id = r.event_id
     GROUP BY r.event_id
  )
  SELECT s.event_type,
         count(*)::int AS events,
         count(*) FILTER (WHERE s.cancelled_at IS NOT NULL)::int AS cancelled,
         coalesce(sum(s.max_attendees), 0)::int AS capacity,
         coalesce(sum(s.attending_count), 0)::int AS attending,
         coalesce(sum(s.attending_count) FILTER (WHERE s.max_attendees IS NOT NULL), 0)::int AS attending_capped,
         coalesce(sum(a.maybe), 0)::int AS maybe,
         coalesce(sum(a.not_attending), 0)::int AS not_attending,
         coalesce(sum(s.waitlist_count), 0)::int AS waitlisted
    FROM selected s LEFT JOIN answers a ON a.event_id = s.id
   GROUP BY s.event_type`;

export async function eventParticipation(ctx: AppContext, query: ParticipationQuery) {
  const { from, to } = parseDateRange(query);
  const result = await ctx.pool.query<Row & { event_type: EventType }>({
    name: 'event-participation',
    text: PARTICIPATION_SQL,
    values: [from ?? null, to ?? null],
  });
  const byType = new Map(result.rows.map((r) => [r.event_type, r]));
  const zero: Row = { events: 0, cancelled: 0, capacity: 0, attending: 0, attending_capped: 0, maybe: 0, not_attending: 0, waitlisted: 0 };
  const rows = eventTypes.map((event_type) => ({ event_type, ...zero, ...byType.get(event_type) }));
  const totals = { ...zero };
  for (const r of rows) for (const k of Object.keys(zero) as (keyof Row)[]) totals[k] += r[k];
  return { by_event_type: rows.map(withRate), totals: withRate(totals) };
}
