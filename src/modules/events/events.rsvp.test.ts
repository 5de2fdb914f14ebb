import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEvent,
  createTestApp,
  eventCounters,
  eventRsvpRows,
  problemOf,
  recordDomainEvents,
  rsvp,
  setEventTimes,
  type TestApp,
  type TestUser,
} from '../../../test/helpers.js';

let t: TestApp;
let host: TestUser;
let admin: TestUser;
let member: TestUser;
let domainEvents: ReturnType<typeof recordDomainEvents>;
beforeAll(async () => {
  t = await createTestApp();
  [host, admin, member] = await Promise.all((['alumni', 'admin', 'student'] as const).map((r) => t.user(r)));
  domainEvents = recordDomainEvents(t);
});
afterAll(() => t?.close());

const people = (count: number, role: 'student' | 'alumni' = 'student') => Promise.all(Array.from({ length: count }, () => t.user(role)));

describe('POST /api/events/{event_id}/rsvp', () => {
  it('when a member answers attending, then 200 with the answer and the counter moves; the latest answer counts', async () => {
    const event = await createEvent(host, { max_attendees: 10 });
    const res = await rsvp(member, event.id, 'attending');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      event_id: event.id,
      user_id: member.id,
      status: 'attending',
      waitlist_position: null,
      attending_count: 1,
    });
    expect((await rsvp(member, event.id, 'maybe')).json()).toMatchObject({ status: 'maybe', attending_count: 0 });
    expect((await rsvp(member, event.id, 'not_attending')).json()).toMatchObject({ status: 'not_attending', attending_count: 0 });
    expect((await rsvp(member, event.id, 'attending')).json()).toMatchObject({ status: 'attending', attending_count: 1 });
    expect((await rsvp(member, event.id, 'attending')).json()).toMatchObject({ status: 'attending', attending_count: 1 });
    const changes = domainEvents.of('event.rsvp_changed', (p) => p.eventId === event.id).map((p) => `${p.from}->${p.to}`);
    expect(changes).toEqual(['null->attending', 'attending->maybe', 'maybe->not_attending', 'not_attending->attending']);
  });

  it('when the status is unknown or an extra field is sent, then 400 naming it; no token 401; unknown event 404', async () => {
    const event = await createEvent(host);
    const bad = await rsvp(member, event.id, 'going');
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors?.[0].field).toBe('status');
    const extra = await member.inject({
      method: 'POST',
      url: `/api/events/${event.id}/rsvp`,
      payload: { status: 'maybe', waitlist_position: 1 },
    });
    expect(problemOf(extra).errors?.[0].field).toBe('waitlist_position');
    expect((await t.app.inject({ method: 'POST', url: `/api/events/${event.id}/rsvp`, payload: { status: 'maybe' } })).statusCode).toBe(
      401,
    );
    expect((await rsvp(member, randomUUID(), 'maybe')).statusCode).toBe(404);
  });

  it('when the event is full and has no waitlist, then 409 capacity_full', async () => {
    const event = await createEvent(host, { max_attendees: 1 });
    const [a, b] = await people(2);
    expect((await rsvp(a, event.id, 'attending')).statusCode).toBe(200);
    const full = await rsvp(b, event.id, 'attending');
    expect(full.statusCode).toBe(409);
    expect(problemOf(full).code).toBe('capacity_full');
    expect((await rsvp(b, event.id, 'maybe')).statusCode).toBe(200);
  });

  it('when 20 members answer attending at once for 5 seats, then exactly 5 attend and the counters match the rows', async () => {
    const event = await createEvent(host, { max_attendees: 5 });
    const crowd = await people(20);
    const answers = await Promise.all(crowd.map((u) => rsvp(u, event.id, 'attending')));
    expect(answers.filter((r) => r.statusCode === 200)).toHaveLength(5);
    expect(answers.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'capacity_full')).toBe(true);
    expect(await eventCounters(t, event.id)).toEqual({ attending_count: 5, waitlist_count: 0, attending: 5, waitlisted: 0 });
  });

  it('when 20 answer at once for 5 seats with a waitlist, then 5 attend and 15 wait with positions 1..15 in arrival order', async () => {
    const event = await createEvent(host, { max_attendees: 5, waitlist_enabled: true });
    const crowd = await people(20);
    const answers = await Promise.all(crowd.map((u) => rsvp(u, event.id, 'attending')));
    expect(answers.every((r) => r.statusCode === 200)).toBe(true);
    const bodies = answers.map((r) => r.json());
    expect(bodies.filter((b) => b.status === 'attending')).toHaveLength(5);
    const waiting = bodies.filter((b) => b.status === 'waitlisted');
    expect(waiting.map((b) => b.waitlist_position).sort((x, y) => x - y)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(await eventCounters(t, event.id)).toEqual({ attending_count: 5, waitlist_count: 15, attending: 5, waitlisted: 15 });
    // Arrival order = the order in which the answers were settled (their rsvp_date follows the lock order).
    const rows = await t.database.db.execute<{ user_id: string }>(
      sql`SELECT user_id FROM event_rsvps WHERE event_id = ${event.id} AND status = 'waitlisted' ORDER BY rsvp_date, waitlist_seq`,
    );
    const byPosition = [...waiting].sort((x, y) => x.waitlist_position - y.waitlist_position).map((b) => b.user_id);
    expect(rows.rows.map((r) => r.user_id)).toEqual(byPosition);
  });

  it('when attendees drop out, then the waitlist is promoted first come first served, notified, and everyone moves up', async () => {
    const event = await createEvent(host, { max_attendees: 2, waitlist_enabled: true });
    const [a, b, w1, w2, w3] = await people(5);
    for (const u of [a, b, w1, w2, w3]) await rsvp(u, event.id, 'attending');
    expect((await rsvp(w3, event.id, 'attending')).json()).toMatchObject({ status: 'waitlisted', waitlist_position: 3 });

    expect((await rsvp(a, event.id, 'not_attending')).json()).toMatchObject({
      status: 'not_attending',
      attending_count: 2,
      waitlist_count: 2,
    });
    expect(domainEvents.of('event.waitlist_promoted', (p) => p.eventId === event.id)).toEqual([{ eventId: event.id, userId: w1.id }]);
    expect((await w1.inject({ method: 'GET', url: `/api/events/${event.id}` })).json().my_rsvp.status).toBe('attending');
    expect((await w3.inject({ method: 'GET', url: `/api/events/${event.id}` })).json().my_rsvp.waitlist_position).toBe(2);

    await rsvp(b, event.id, 'maybe');
    expect(domainEvents.of('event.waitlist_promoted', (p) => p.eventId === event.id).map((p) => p.userId)).toEqual([w1.id, w2.id]);
    expect(await eventCounters(t, event.id)).toEqual({ attending_count: 2, waitlist_count: 1, attending: 2, waitlisted: 1 });
  });

  it('when someone waitlisted leaves the line, then those behind move up and nobody is promoted', async () => {
    const event = await createEvent(host, { max_attendees: 1, waitlist_enabled: true });
    const [a, w1, w2] = await people(3);
    for (const u of [a, w1, w2]) await rsvp(u, event.id, 'attending');
    await rsvp(w1, event.id, 'not_attending');
    expect((await w2.inject({ method: 'GET', url: `/api/events/${event.id}` })).json().my_rsvp.waitlist_position).toBe(1);
    expect(await eventCounters(t, event.id)).toEqual({ attending_count: 1, waitlist_count: 1, attending: 1, waitlisted: 1 });
  });

  it('when the creator adds seats, then the waitlist moves up in the same change', async () => {
    const event = await createEvent(host, { max_attendees: 1, waitlist_enabled: true });
    const [a, w1, w2, w3] = await people(4);
    for (const u of [a, w1, w2, w3]) await rsvp(u, event.id, 'attending');
    const res = await host.inject({ method: 'PUT', url: `/api/events/${event.id}`, payload: { max_attendees: 3 } });
    expect(res.json()).toMatchObject({ attending_count: 3, waitlist_count: 1 });
    expect(domainEvents.of('event.waitlist_promoted', (p) => p.eventId === event.id).map((p) => p.userId)).toEqual([w1.id, w2.id]);
  });

  it('when the registration deadline has passed, then 409 registration_closed', async () => {
    const event = await createEvent(host);
    await setEventTimes(t, event.id, { deadlineInMs: -60_000 });
    const res = await rsvp(member, event.id, 'attending');
    expect(res.statusCode).toBe(409);
    expect(problemOf(res).code).toBe('registration_closed');
  });

  it('when the event has started (no deadline) or ended, then 409 registration_closed / event_ended', async () => {
    const started = await createEvent(host);
    await setEventTimes(t, started.id, { startInMs: -60_000 });
    expect(problemOf(await rsvp(member, started.id, 'maybe')).code).toBe('registration_closed');
    const ended = await createEvent(host);
    await setEventTimes(t, ended.id, { startInMs: -7200_000, endInMs: -3600_000 });
    expect(problemOf(await rsvp(member, ended.id, 'not_attending')).code).toBe('event_ended');
  });

  it('when the event is cancelled, then 409 event_cancelled', async () => {
    const event = await createEvent(host);
    await host.inject({ method: 'POST', url: `/api/events/${event.id}/cancel`, payload: {} });
    const res = await rsvp(member, event.id, 'attending');
    expect(res.statusCode).toBe(409);
    expect(problemOf(res).code).toBe('event_cancelled');
  });
});

describe('GET /api/events/{event_id}/attendees and /waitlist', () => {
  let eventId: string;
  let crowd: TestUser[];
  beforeAll(async () => {
    eventId = (await createEvent(host, { max_attendees: 2, waitlist_enabled: true })).id;
    crowd = await people(5);
    for (const u of crowd.slice(0, 4)) await rsvp(u, eventId, 'attending');
    await rsvp(crowd[4], eventId, 'maybe');
    // crowd[1] hides their profile from the directory.
    await t.database.db.execute(
      sql`INSERT INTO profiles (user_id, name, directory_visible) VALUES (${crowd[1].id}, 'Hidden Person', false)`,
    );
  });

  it('when the creator or an admin lists attendees, then every answer with status and waitlist position', async () => {
    for (const manager of [host, admin]) {
      const res = await manager.inject({ method: 'GET', url: `/api/events/${eventId}/attendees` });
      expect(res.statusCode).toBe(200);
      const rows = res.json().results;
      expect(rows).toHaveLength(5);
      expect(rows.map((r: { status: string }) => r.status)).toEqual(['attending', 'attending', 'waitlisted', 'waitlisted', 'maybe']);
      expect(rows[3]).toMatchObject({ user_id: crowd[3].id, waitlist_position: 2 });
    }
    const waiting = await host.inject({ method: 'GET', url: `/api/events/${eventId}/attendees?status=waitlisted` });
    expect(waiting.json().results.map((r: { user_id: string }) => r.user_id)).toEqual([crowd[2].id, crowd[3].id]);
  });

  it('when another member lists attendees, then only names of those attending, without hidden profiles', async () => {
    const res = await member.inject({ method: 'GET', url: `/api/events/${eventId}/attendees` });
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toEqual([{ user_id: crowd[0].id, name: crowd[0].name }]);
    expect((await member.inject({ method: 'GET', url: `/api/events/${eventId}/attendees?status=maybe` })).statusCode).toBe(403);
  });

  it('when an attending member is suspended, then other members no longer see them; the creator still does', async () => {
    const event = (await createEvent(host, { max_attendees: 5 })).id;
    const [stays, suspended] = await people(2);
    await rsvp(stays, event, 'attending');
    await rsvp(suspended, event, 'attending');
    await t.database.db.execute(sql`UPDATE users SET status = 'suspended' WHERE id = ${suspended.id}`);
    const seen = await member.inject({ method: 'GET', url: `/api/events/${event}/attendees` });
    expect(seen.json().results.map((r: { user_id: string }) => r.user_id)).toEqual([stays.id]);
    const managed = await host.inject({ method: 'GET', url: `/api/events/${event}/attendees` });
    expect(managed.json().results.map((r: { user_id: string }) => r.user_id)).toEqual([stays.id, suspended.id]);
  });

  it('when paging attendees with limit=1, then every answer appears once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await host.inject({
        method: 'GET',
        url: `/api/events/${eventId}/attendees?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      });
      seen.push(...res.json().results.map((r: { user_id: string }) => r.user_id));
      cursor = res.json().next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(5);
  });

  it('when the creator reads the waitlist, then arrival order with positions; members get 403', async () => {
    const res = await host.inject({ method: 'GET', url: `/api/events/${eventId}/waitlist` });
    expect(res.statusCode).toBe(200);
    expect(res.json().results.map((r: { user_id: string; position: number }) => [r.user_id, r.position])).toEqual([
      [crowd[2].id, 1],
      [crowd[3].id, 2],
    ]);
    expect((await member.inject({ method: 'GET', url: `/api/events/${eventId}/waitlist` })).statusCode).toBe(403);
  });

  it('when the waitlist pages with limit=1, then arrival order; a cursor of another list is a 400 naming cursor', async () => {
    const first = await host.inject({ method: 'GET', url: `/api/events/${eventId}/waitlist?limit=1` });
    expect(first.json().results.map((r: { user_id: string }) => r.user_id)).toEqual([crowd[2].id]);
    const waitCursor = encodeURIComponent(first.json().next_cursor);
    const second = await host.inject({ method: 'GET', url: `/api/events/${eventId}/waitlist?limit=1&cursor=${waitCursor}` });
    expect(second.json()).toMatchObject({ results: [{ user_id: crowd[3].id, position: 2 }], next_cursor: null });
    const attendeesCursor = encodeURIComponent(
      (await host.inject({ method: 'GET', url: `/api/events/${eventId}/attendees?limit=1` })).json().next_cursor,
    );
    for (const url of [
      `/api/events/${eventId}/waitlist?cursor=${attendeesCursor}`,
      `/api/events/${eventId}/attendees?cursor=${waitCursor}`,
    ]) {
      const res = await host.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(problemOf(res).errors?.[0].field).toBe('cursor');
    }
  });

  it('when the event is unknown, then 404; no token 401', async () => {
    expect((await member.inject({ method: 'GET', url: `/api/events/${randomUUID()}/attendees` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/api/events/${eventId}/attendees` })).statusCode).toBe(401);
  });
});

describe('GET /api/events/my-events', () => {
  it('when a member answered several events, then those attending, maybe or waitlisted, soonest first, with the answer', async () => {
    const me = await t.user('alumni');
    const day = 86_400_000;
    const at = (d: number) => ({
      start_date: new Date(Date.now() + d * day).toISOString(),
      end_date: new Date(Date.now() + d * day + 3600_000).toISOString(),
    });
    const later = await createEvent(host, at(12));
    const sooner = await createEvent(host, at(3));
    const declined = await createEvent(host, at(5));
    const full = await createEvent(host, { ...at(8), max_attendees: 1, waitlist_enabled: true });
    await rsvp(member, full.id, 'attending');
    await rsvp(me, later.id, 'maybe');
    await rsvp(me, sooner.id, 'attending');
    await rsvp(me, declined.id, 'not_attending');
    await rsvp(me, full.id, 'attending');
    const res = await me.inject({ method: 'GET', url: '/api/events/my-events' });
    expect(res.statusCode).toBe(200);
    expect(res.json().count).toBe(3);
    expect(res.json().results.map((e: { id: string; my_rsvp: { status: string } }) => [e.id, e.my_rsvp.status])).toEqual([
      [sooner.id, 'attending'],
      [full.id, 'waitlisted'],
      [later.id, 'maybe'],
    ]);
    const created = await me.inject({ method: 'GET', url: '/api/events/my-events?created=true' });
    expect(created.json().count).toBe(0);
  });

  it('when paging my events, then my cursor is refused by discovery and the other way round', async () => {
    const me = await t.user('alumni');
    for (const e of [await createEvent(host), await createEvent(host)]) await rsvp(me, e.id, 'maybe');
    const mine = await me.inject({ method: 'GET', url: '/api/events/my-events?limit=1' });
    const myCursor = encodeURIComponent(mine.json().next_cursor);
    expect((await me.inject({ method: 'GET', url: `/api/events/my-events?limit=1&cursor=${myCursor}` })).json().results).toHaveLength(1);
    const discoveryCursor = encodeURIComponent((await me.inject({ method: 'GET', url: '/api/events?limit=1' })).json().next_cursor);
    for (const url of [`/api/events?cursor=${myCursor}`, `/api/events/my-events?cursor=${discoveryCursor}`]) {
      const res = await me.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(problemOf(res).errors?.[0].field).toBe('cursor');
    }
  });

  it('when created=true, then the events I created; no token 401; bad parameter 400', async () => {
    const creator = await t.user('faculty');
    const event = await createEvent(creator);
    const res = await creator.inject({ method: 'GET', url: '/api/events/my-events?created=true' });
    expect(res.json().results.map((e: { id: string }) => e.id)).toEqual([event.id]);
    expect((await t.app.inject({ method: 'GET', url: '/api/events/my-events' })).statusCode).toBe(401);
    expect(problemOf(await creator.inject({ method: 'GET', url: '/api/events/my-events?created=perhaps' })).errors?.[0].field).toBe(
      'created',
    );
  });
});

describe('counters stay consistent under mixed concurrent answers', () => {
  it('when many members answer and change their minds at once, then the counters equal the rows and capacity holds', async () => {
    const event = await createEvent(host, { max_attendees: 4, waitlist_enabled: true });
    const crowd = await people(12);
    await Promise.all(crowd.map((u) => rsvp(u, event.id, 'attending')));
    await Promise.all(
      crowd.flatMap((u, i) => [rsvp(u, event.id, i % 3 === 0 ? 'not_attending' : 'maybe'), rsvp(u, event.id, 'attending')]),
    );
    const c = await eventCounters(t, event.id);
    expect(c.attending_count).toBe(c.attending);
    expect(c.waitlist_count).toBe(c.waitlisted);
    expect(c.attending).toBeLessThanOrEqual(4);
    // Seats free while people wait would be a promotion that did not happen.
    expect(c.attending === 4 || c.waitlisted === 0).toBe(true);
    const rows = await eventRsvpRows(t, event.id);
    expect(rows.filter((r) => r.status === 'waitlisted').every((r) => r.waitlist_seq !== null)).toBe(true);
  });
});
