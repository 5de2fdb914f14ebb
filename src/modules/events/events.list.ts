import { and, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Actor, AppContext } from '../../lib/context.js';
import { cachedIn, countKeyOf } from '../../lib/cache.js';
import { keyset } from '../../lib/pagination.js';
import { runShaped } from '../../lib/prepared.js';
import { parseDateRange } from '../../lib/schemas.js';
import { containsPattern } from '../../lib/text.js';
import { EVENTS_CACHE, MAX_EVENT_DAYS } from './events.service.js';
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

/** Discovery's filters, each as SQL over one value (a parameter or a placeholder). */
const DISCOVERY_FILTERS = {
  type: (v: SQL) => sql`${events.event_type} = ${v}`,
  virtual: (v: SQL) => sql`${events.is_virtual} = ${v}::boolean`,
  q: (v: SQL) => sql`(${events.title} ILIKE ${v} OR ${events.description} ILIKE ${v})`,
  location: (v: SQL) => sql`${events.location} ILIKE ${v}`,
  from: (v: SQL) => sql`${events.start_date} >= ${v}::timestamptz`,
  to: (v: SQL) => sql`${events.start_date} < ${v}::timestamptz`,
};
type DiscoveryFilter = { kind: keyof typeof DISCOVERY_FILTERS; value: unknown };

/** The request's filters as plain values: no SQL is built to find the statement's shape. */
function discoveryFilters(query: EventListQuery): DiscoveryFilter[] {
  const filters: DiscoveryFilter[] = [];
  const type = value(query.event_type);
  if (type) filters.push({ kind: 'type', value: type });
  const virtual = value(query.is_virtual);
  if (virtual) filters.push({ kind: 'virtual', value: virtual === 'true' });
  const q = value(query.q);
  if (q) filters.push({ kind: 'q', value: containsPattern(q) });
  const location = value(query.location);
  if (location) filters.push({ kind: 'location', value: containsPattern(location) });
  const { from, to } = parseDateRange(query);
  if (from) filters.push({ kind: 'from', value: from });
  if (to) filters.push({ kind: 'to', value: to });
  return filters;
}

/** Discovery's WHERE (rows and count share it), the filters' values bound as `valueOf` says. */
const discoveryWhere = (query: EventListQuery, filters: DiscoveryFilter[], valueOf: (f: DiscoveryFilter, i: number) => SQL) =>
  and(
    sql`${events.deleted_at} IS NULL`,
    whenCondition(whenOf(query)),
    query.include_cancelled ? undefined : sql`${events.cancelled_at} IS NULL`,
    ...filters.map((f, i) => DISCOVERY_FILTERS[f.kind](valueOf(f, i))),
  );

async function pageOf(ctx: AppContext, actor: Actor, where: SQL[], list: ListOf, query: { when?: When; limit: number; cursor?: string }) {
  const order = list[whenOf(query)];
  const rows = await selectEventsWithMyRsvp(ctx.db, actor.id)
    .where(and(...where, order.after(ctx, query.cursor)))
    .orderBy(order.orderBy)
    .limit(query.limit + 1);
  const page = order.page(ctx, rows, query.limit);
  return { ...page, results: page.results.map((r) => toEventWithMyRsvp(ctx, r)) };
}

/**
 * How long a discovery count is kept. Writes to events invalidate it at once (the "events" cache
 * generation); only time passing changes it unannounced (an event ending leaves "upcoming"), so a
 * count may include events that ended in the last few seconds (docs/decisions/135).
 */
const COUNT_TTL_SECONDS = 5;

/**
 * `GET /api/events`: upcoming (default) or past, filtered, keyset pages, count from the same WHERE.
 * The page is built once per shape (which filters, which list, first page or not) and prepared:
 * building it with drizzle on every request was most of the request's CPU. The count is cached per
 * filter set, as the jobs board's is: counting thousands of upcoming events was most of the database's time.
 */
export async function listEvents(ctx: AppContext, actor: Actor, query: EventListQuery) {
  const filters = discoveryFilters(query);
  const order = lists.discovery[whenOf(query)];
  const position = order.positionParams(ctx, query.cursor);
  const values: Record<string, unknown> = {};
  filters.forEach((f, i) => (values[`f${i}`] = f.value));
  const shape = `${whenOf(query)}:${query.include_cancelled ? 'all' : 'live'}:${filters.map((f) => f.kind).join(',')}`;
  const placeholders = (_f: DiscoveryFilter, i: number) => sql`${sql.placeholder(`f${i}`)}`;
  const countKey = countKeyOf({ ...query, when: whenOf(query), include_cancelled: query.include_cancelled ? 'yes' : '' });
  const [rows, count] = await Promise.all([
    runShaped(
      ctx,
      'events-page',
      `${shape}:${position ? 'after' : 'first'}`,
      (db) =>
        selectEventsWithMyRsvp(db, sql.placeholder('actor'))
          .where(and(discoveryWhere(query, filters, placeholders), position ? order.afterPlaceholders() : undefined))
          .orderBy(order.orderBy)
          .limit(sql.placeholder('limit')),
      { ...values, ...position, actor: actor.id, limit: query.limit + 1 },
    ),
    cachedIn<number>(ctx, EVENTS_CACHE, countKey, COUNT_TTL_SECONDS, async () => {
      const [{ count }] = await runShaped(
        ctx,
        'events-count',
        shape,
        (db) =>
          db
            .select({ count: sql<number>`count(*)::int` })
            .from(events)
            .where(discoveryWhere(query, filters, placeholders)),
        values,
      );
      return count;
    }),
  ]);
  const page = order.page(ctx, rows, query.limit);
  return { ...page, results: page.results.map((r) => toEventWithMyRsvp(ctx, r)), count };
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
