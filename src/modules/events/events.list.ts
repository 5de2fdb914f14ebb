import { and, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Actor, AppContext } from '../../lib/context.js';
import { badRequest } from '../../lib/errors.js';
import { toPage } from '../../lib/pagination.js';
import { escapeLike } from '../jobs/jobs.service.js';
import { MAX_EVENT_DAYS } from './events.service.js';
import { selectEventsWithMyRsvp, toEventWithMyRsvp } from './events.queries.js';
import type { EventListQuery, MyEventsQuery } from './events.schemas.js';
import { eventRsvps, events } from './events.tables.js';

type When = 'upcoming' | 'past';

/**
 * upcoming = not yet ended; since no event lasts longer than MAX_EVENT_DAYS, such an event started
 * after now − MAX_EVENT_DAYS, which turns the condition into a range on the start_date index.
 */
const whenCondition = (when: When) =>
  when === 'upcoming'
    ? sql`(${events.end_date} > now() AND ${events.start_date} > now() - make_interval(days => ${MAX_EVENT_DAYS}))`
    : sql`${events.end_date} <= now()`;

/** upcoming: soonest first; past: most recent first. Ties broken by id so pages never repeat or skip. */
const orderOf = (when: When) =>
  when === 'upcoming' ? sql`${events.start_date} ASC, ${events.id} ASC` : sql`${events.start_date} DESC, ${events.id} DESC`;

function keysetAfter(ctx: AppContext, cursor: string | undefined, when: When) {
  const key = ctx.cursors.decode(cursor);
  if (!key) return undefined;
  const [tag, ts, id] = key;
  // A cursor carries its direction: one from the other list (or anything else) is refused, not misread.
  if (tag !== when || typeof ts !== 'string' || typeof id !== 'string')
    throw badRequest('cursor', 'is not a cursor issued by this server for this list');
  return when === 'upcoming'
    ? sql`(${events.start_date}, ${events.id}) > (${ts}::timestamptz, ${id}::uuid)`
    : sql`(${events.start_date}, ${events.id}) < (${ts}::timestamptz, ${id}::uuid)`;
}

const value = (v: string | undefined) => v?.trim() || undefined;

/** Discovery's WHERE; the rows and the count share it. */
function discoveryConditions(query: EventListQuery): SQL[] {
  const conditions: SQL[] = [sql`${events.deleted_at} IS NULL`, whenCondition(query.when)];
  if (!query.include_cancelled) conditions.push(sql`${events.cancelled_at} IS NULL`);
  const type = value(query.event_type);
  if (type) conditions.push(sql`${events.event_type} = ${type}`);
  const virtual = value(query.is_virtual);
  if (virtual) conditions.push(sql`${events.is_virtual} = ${virtual === 'true'}`);
  const q = value(query.q);
  if (q) {
    const pattern = `%${escapeLike(q)}%`;
    conditions.push(sql`(${events.title} ILIKE ${pattern} OR ${events.description} ILIKE ${pattern})`);
  }
  const location = value(query.location);
  if (location) conditions.push(sql`${events.location} ILIKE ${`%${escapeLike(location)}%`}`);
  if (query.from) conditions.push(sql`${events.start_date} >= ${query.from}::timestamptz`);
  if (query.to) conditions.push(sql`${events.start_date} < ${query.to}::timestamptz`);
  return conditions;
}

async function pageOf(ctx: AppContext, actor: Actor, where: SQL[], query: { when: When; limit: number; cursor?: string }) {
  const rows = await selectEventsWithMyRsvp(ctx.db, actor.id)
    .where(and(...where, keysetAfter(ctx, query.cursor, query.when)))
    .orderBy(orderOf(query.when))
    .limit(query.limit + 1);
  const page = toPage(rows, query.limit, ctx.cursors, (r) => [query.when, r.cursor_ts, r.id]);
  return { ...page, results: page.results.map((r) => toEventWithMyRsvp(ctx, r)) };
}

/** `GET /api/events`: upcoming (default) or past, filtered, keyset pages, count from the same WHERE. */
export async function listEvents(ctx: AppContext, actor: Actor, query: EventListQuery) {
  const where = discoveryConditions(query);
  const [page, [{ count }]] = await Promise.all([
    pageOf(ctx, actor, where, query),
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
  const where = [isNull(events.deleted_at), whenCondition(query.when), mine!];
  const page = await pageOf(ctx, actor, where, query);
  const [{ count }] = await ctx.db
    .select({ count: sql<number>`count(*)::int` })
    .from(events)
    .leftJoin(eventRsvps, and(eq(eventRsvps.event_id, events.id), eq(eventRsvps.user_id, actor.id)))
    .where(and(...where));
  return { ...page, count };
}
