import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { TestApp, TestUser } from '../../../test/helpers.js';
import type { EventName, EventMap } from '../../lib/events.js';

const DAY = 86_400_000;
let n = 0;

/** A valid create body with unique values: an in-person meetup in 10 days, two hours long. */
export const eventBody = (overrides: Record<string, unknown> = {}) => {
  const start = Date.now() + 10 * DAY;
  return {
    title: `Alumni meetup ${++n}`,
    description: 'Drinks and talks on the rooftop.',
    event_type: 'meetup',
    location: 'Pune, India',
    start_date: new Date(start).toISOString(),
    end_date: new Date(start + 2 * 3600_000).toISOString(),
    timezone: 'Asia/Kolkata',
    ...overrides,
  };
};

export type EventView = { id: string; title: string; status: string; attending_count: number; waitlist_count: number; [key: string]: any };

export async function createEvent(user: TestUser, overrides: Record<string, unknown> = {}) {
  const res = await user.inject({ method: 'POST', url: '/api/events/create', payload: eventBody(overrides) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as EventView;
}

export const rsvp = (user: TestUser, eventId: string, status: string) =>
  user.inject({ method: 'POST', url: `/api/events/${eventId}/rsvp`, payload: { status } });

/** Moves an event's times relative to now (creation refuses past dates; tests need them). */
export async function setEventTimes(
  t: TestApp,
  eventId: string,
  times: { startInMs?: number; endInMs?: number; deadlineInMs?: number | null },
) {
  const at = (ms: number) => new Date(Date.now() + ms).toISOString();
  if (times.startInMs !== undefined)
    await t.database.db.execute(sql`UPDATE events SET start_date = ${at(times.startInMs)}::timestamptz WHERE id = ${eventId}`);
  if (times.endInMs !== undefined)
    await t.database.db.execute(sql`UPDATE events SET end_date = ${at(times.endInMs)}::timestamptz WHERE id = ${eventId}`);
  if (times.deadlineInMs !== undefined)
    await t.database.db.execute(
      sql`UPDATE events SET registration_deadline = ${times.deadlineInMs === null ? null : at(times.deadlineInMs)}::timestamptz WHERE id = ${eventId}`,
    );
}

/** Records every domain event the app publishes (the notification service is not on this branch). */
export function recordDomainEvents(t: TestApp) {
  const seen: { type: EventName; payload: any }[] = [];
  const bus = t.app.ctx.events;
  const publish = bus.publish.bind(bus);
  bus.publish = async (tx, type, payload) => {
    await publish(tx, type, payload);
    seen.push({ type, payload });
  };
  return {
    of: <K extends EventName>(type: K, match: (p: EventMap[K]) => boolean = () => true) =>
      seen.filter((e) => e.type === type && match(e.payload)).map((e) => e.payload as EventMap[K]),
  };
}

export async function rsvpRows(t: TestApp, eventId: string) {
  const res = await t.database.db.execute<{ user_id: string; status: string; waitlist_seq: string | null }>(
    sql`SELECT user_id, status, waitlist_seq FROM event_rsvps WHERE event_id = ${eventId} ORDER BY waitlist_seq NULLS FIRST, rsvp_date`,
  );
  return res.rows;
}

export async function counters(t: TestApp, eventId: string) {
  const res = await t.database.db.execute<{ attending_count: number; waitlist_count: number; attending: number; waitlisted: number }>(sql`
    SELECT e.attending_count, e.waitlist_count,
           (SELECT count(*)::int FROM event_rsvps r WHERE r.event_id = e.id AND r.status = 'attending') AS attending,
           (SELECT count(*)::int FROM event_rsvps r WHERE r.event_id = e.id AND r.status = 'waitlisted') AS waitlisted
      FROM events e WHERE e.id = ${eventId}`);
  return res.rows[0];
}
