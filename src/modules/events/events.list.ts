import { and, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Actor, AppContext } from '../../lib/context.js';
import { keyset } from '../../lib/pagination.js';
import { parseDateRange } from '../../lib/schemas.js';
import { containsPattern } from '../../lib/text.js';
import { MAX_EVENT_DAYS } from './events.service.js';
import { selectEventsWithMyRsvp, toEventWithMyRsvp } from './events.queries.js';
import type { EventListQuery, MyEventsQuery } from './events.schemas.js';
import { eventRsvps, events } from './events.tables.js';

type When = 'upcoming' | 'past';
/** Ajv fills the default; the type still says the parameter may be left out. */
const whenOf = (query: { when?: When }) => query.when ?? 'upcoming';

/**
 * upcoming = not yet ended; since no event lasts longer than MAX_EVENT_DAYS, such an event started
 * after now − MAX_EVENT_DAYS, which turns the condition into a range on the start_date index.
 */
const whenCondition = (when: When) =>
  when === 'upcoming'
    ? sql`(${events.end_date} > now() AND ${events.start_date} > now() - make_interval(days => ${MAX_EVENT_DAYS}))`
    : sql`${events.end_date} <= now()`;

/**
 * upcoming: soonest first; past: most recent first; ties broken by id so pages never repeat or skip.
 * Each direction, and my-events apart from discovery, is a list of its own (docs/decisions/031): a
 * cursor remembers where it came from, so a `past` cursor on the upcoming list is a 400, not misread.
 */
const byStart = (list: string, direction: 'asc' | 'desc') =>
  keyset<{ cursor_ts: string; id: string }>(
    list,
    direction,
    [
      { column: events.start_date, type: 'timestamp' },
      { column: events.id, type: 'uuid' },
    ],
    (row) => [row.cursor_ts, row.id],
  );
const lists = {
  discovery: { upcoming: byStart('events.upcoming', 'asc'), past: byStart('events.past', 'desc') },
  mine: { upcoming: byStart('events.mine.upcoming', 'asc'), past: byStart('events.mine.past', 'desc') },
};
type ListOf = (typeof lists)[keyof typeof lists];

const value = (v: string | undefined) => v?.trim() || undefined;

/** Discovery's WHERE; the rows and the count share it. */
function discoveryConditions(query: EventListQuery): SQL[] {
  const conditions: SQL[] = [sql`${events.deleted_at} IS NULL`, whenCondition(whenOf(query))];
  if (!query.include_cancelled) conditions.push(sql`${events.cancelled_at} IS NULL`);
  const type = value(query.event_type);
  if (type) conditions.push(sql`${events.event_type} = ${type}`);
  const virtual = value(query.is_virtual);
  if (virtual) conditions.push(sql`${events.is_virtual} = ${virtual === 'true'}`);
  const q = value(query.q);
  if (q) {
    const pattern = containsPattern(q);
    conditions.push(sql`(${events.title} ILIKE ${pattern} OR ${events.description} ILIKE ${pattern})`);
  }
  const location = value(query.location);
  if (location) conditions.push(sql`${events.location} ILIKE ${containsPattern(location)}`);
  const { from, to } = parseDateRange(query);
  if (from) conditions.push(sql`${events.start_date} >= ${from}::timestamptz`);
  if (to) conditions.push(sql`${events.start_date} < ${to}::timestamptz`);
  return conditions;
}

async function pageOf(ctx: AppContext, actor: Actor, where: SQL[], list: ListOf, query: { when?: When; limit: number; cursor?: string }) {
  const order = list[whenOf(query)];
  const rows = await selectEventsWithMyRsvp(ctx.db, actor.id)
    .where(and(...where, order.after(ctx, query.cursor)))
    .orderBy(order.orderBy)
    .limit(query.limit + 1);
  const page = order.page(ctx, rows, query.limit);
  return { ...page, results: page.results.map((r) => toEventWithMyRsvp(ctx, r)) };
}

/** `GET /api/events`: upcoming (default) or past, filtered, keyset pages, count from the same WHERE. */
export async function listEvents(ctx: AppContext, actor: Actor, query: EventListQuery) {
  const where = discoveryConditions(query);
  const [page, [{ count }]] = await Promise.all([
    pageOf(ctx, actor, where, lists.discovery, query),
    ctx.db
      .select({ count: sql<number>`count(*)::int` })
      .from(events)
      .where(and(...where)),
  ]);
  return { ...page, count };
}

/**
 * `GET /api/events/my-events`: the events I answered attending or maybe (the waitlist counts: I
 * asked to attend), with my answer; or, with `created=true`, those I created. Cancelled events
 * stay in the list (with status "cancelled") so nobody misses the news.
 */
export async function listMyEvents(ctx: AppContext, actor: Actor, query: MyEventsQuery) {
  const mine = query.created
    ? eq(events.created_by, actor.id)
    : and(eq(eventRsvps.user_id, actor.id), inArray(eventRsvps.status, ['attending', 'maybe', 'waitlisted']));
  const where = [isNull(events.deleted_at), whenCondition(whenOf(query)), mine!];
  const page = await pageOf(ctx, actor, where, lists.mine, query);
  const [{ count }] = await ctx.db
    .select({ count: sql<number>`count(*)::int` })
    .from(events)
    .leftJoin(eventRsvps, and(eq(eventRsvps.event_id, events.id), eq(eventRsvps.user_id, actor.id)))
    .where(and(...where));
  return { ...page, count };
}
