import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, createTestApp, problemOf, recordDomainEvents, rsvp, type TestApp, type TestUser } from '../../../test/helpers.js';
import { eventsNotificationRules } from './events.notifications.js';
import { REMINDER_QUEUE, sendEventReminders } from './events.reminders.js';

let t: TestApp;
let host: TestUser;
let domainEvents: ReturnType<typeof recordDomainEvents>;
beforeAll(async () => {
  t = await createTestApp();
  host = await t.user('alumni');
  domainEvents = recordDomainEvents(t);
});
afterAll(() => t?.close());

const DAY = 86_400_000;
const people = (count: number) => Promise.all(Array.from({ length: count }, () => t.user('student')));
const reminderJobs = async (eventId: string) =>
  (
    await t.database.db.execute<{
      id: string;
      data: { eventId: string; startDate: string };
      start_after: Date;
      singleton_key: string;
      state: string;
    }>(
      sql`SELECT id, data, start_after, singleton_key, state FROM pgboss.job WHERE name = ${REMINDER_QUEUE} AND data->>'eventId' = ${eventId} ORDER BY created_on`,
    )
  ).rows;
const markers = async (eventId: string) =>
  (await t.database.db.execute<{ user_id: string }>(sql`SELECT user_id FROM event_reminders_sent WHERE event_id = ${eventId}`)).rows;

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('event reminders', () => {
  it('when an event is created, then a reminder job is queued for 24 hours before its start', async () => {
    const event = await createEvent(host);
    const [job] = await reminderJobs(event.id);
    expect(job.data).toEqual({ eventId: event.id, startDate: event.start_date });
    expect(new Date(job.start_after).getTime()).toBe(Date.parse(event.start_date) - DAY);
    expect(job.singleton_key).toBe(`${event.id}:${event.start_date}`);
  });

  it('when the event starts within 24 hours, then no reminder is queued', async () => {
    const event = await createEvent(host, {
      start_date: new Date(Date.now() + 3600_000).toISOString(),
      end_date: new Date(Date.now() + 7200_000).toISOString(),
    });
    expect(await reminderJobs(event.id)).toEqual([]);
  });

  it('when the job runs twice (one after the other, and twice at once), then each attendee is reminded exactly once', async () => {
    const event = await createEvent(host, { max_attendees: 2, waitlist_enabled: true });
    const [a, b, maybe, waiting] = await people(4);
    await rsvp(a, event.id, 'attending');
    await rsvp(b, event.id, 'attending');
    await rsvp(maybe, event.id, 'maybe');
    await rsvp(waiting, event.id, 'attending');
    const job = { eventId: event.id, startDate: event.start_date };
    const first = await sendEventReminders(t.app.ctx, job);
    expect(first.sort()).toEqual([a.id, b.id].sort());
    expect(await sendEventReminders(t.app.ctx, job)).toEqual([]);
    const twins = await Promise.all([sendEventReminders(t.app.ctx, job), sendEventReminders(t.app.ctx, job)]);
    expect(twins).toEqual([[], []]);
    expect((await markers(event.id)).length).toBe(2);
    const published = domainEvents.of('event.reminder_due', (p) => p.eventId === event.id);
    expect(published).toHaveLength(1);
    expect(published[0].userIds.sort()).toEqual([a.id, b.id].sort());
  });

  it('when the queued job fires through the worker, and then runs again, then the attendees are reminded once', async () => {
    const event = await createEvent(host);
    const [a, b] = await people(2);
    await rsvp(a, event.id, 'attending');
    await rsvp(b, event.id, 'attending');
    const [job] = await reminderJobs(event.id);
    await t.database.db.execute(sql`UPDATE pgboss.job SET start_after = now() WHERE id = ${job.id}`);
    expect(
      (
        await until(
          () => markers(event.id),
          (m) => m.length === 2,
        )
      ).length,
    ).toBe(2);
    // The same job again, as a retry or a second worker would run it.
    const again = await t.app.ctx.jobs.boss.send(REMINDER_QUEUE, job.data);
    const state = async () =>
      (await t.database.db.execute<{ state: string }>(sql`SELECT state FROM pgboss.job WHERE id = ${again}`)).rows[0]?.state;
    expect(await until(state, (s) => s === 'completed')).toBe('completed');
    expect((await markers(event.id)).length).toBe(2);
    expect(domainEvents.of('event.reminder_due', (p) => p.eventId === event.id)).toHaveLength(1);
  });

  it('when the event was cancelled, then nobody is reminded', async () => {
    const event = await createEvent(host);
    const [a] = await people(1);
    await rsvp(a, event.id, 'attending');
    await host.inject({ method: 'POST', url: `/api/events/${event.id}/cancel`, payload: {} });
    expect(await sendEventReminders(t.app.ctx, { eventId: event.id, startDate: event.start_date })).toEqual([]);
    expect(domainEvents.of('event.reminder_due', (p) => p.eventId === event.id)).toEqual([]);
  });

  it('when the event moves, then the old job does nothing and a new one is queued for the new start', async () => {
    const event = await createEvent(host);
    const [a] = await people(1);
    await rsvp(a, event.id, 'attending');
    const newStart = new Date(Date.parse(event.start_date) + 2 * DAY);
    const res = await host.inject({
      method: 'PUT',
      url: `/api/events/${event.id}`,
      payload: { start_date: newStart.toISOString(), end_date: new Date(newStart.getTime() + 3600_000).toISOString() },
    });
    expect(res.statusCode, res.body).toBe(200);
    const jobs = await reminderJobs(event.id);
    expect(jobs.map((j) => j.data.startDate)).toEqual([event.start_date, newStart.toISOString()]);
    expect(new Date(jobs[1].start_after).getTime()).toBe(newStart.getTime() - DAY);
    expect(await sendEventReminders(t.app.ctx, jobs[0].data)).toEqual([]);
    expect(await sendEventReminders(t.app.ctx, jobs[1].data)).toEqual([a.id]);
  });
});

describe('notification rules', () => {
  const rule = (type: string) => eventsNotificationRules.find((r) => r.type === type)!;

  it('when each event type is rendered, then recipients, titles and links say the right thing', async () => {
    const event = await createEvent(host, { title: 'Rooftop Reunion' });
    const db = t.app.ctx.db;
    const cancelled = rule('event.cancelled');
    expect(cancelled.recipients({ eventId: event.id, cancelledBy: host.id, reason: 'Rain', recipientIds: ['u1', 'u2'] })).toEqual([
      'u1',
      'u2',
    ]);
    const c = await cancelled.render(db, { eventId: event.id, cancelledBy: host.id, reason: 'Rain', recipientIds: [] }, 'u1');
    expect(c).toMatchObject({ title: 'Cancelled: Rooftop Reunion', link: `/events/${event.id}` });
    expect(c.message).toContain('Reason: Rain');

    const promoted = await rule('event.waitlist_promoted').render(db, { eventId: event.id, userId: 'u1' }, 'u1');
    expect(promoted.title).toBe("You're in: Rooftop Reunion");

    const confirm = rule('event.rsvp_confirmed');
    expect(confirm.recipients({ eventId: event.id, userId: 'u1', from: null, to: 'attending', waitlistPosition: null })).toEqual(['u1']);
    expect(confirm.recipients({ eventId: event.id, userId: 'u1', from: 'attending', to: 'not_attending', waitlistPosition: null })).toEqual(
      [],
    );
    const confirmed = await confirm.render(
      db,
      { eventId: event.id, userId: 'u1', from: null, to: 'attending', waitlistPosition: null },
      'u1',
    );
    expect(confirmed.metadata).toMatchObject({ ics_event_id: event.id });
    const queued = await confirm.render(db, { eventId: event.id, userId: 'u1', from: null, to: 'waitlisted', waitlistPosition: 4 }, 'u1');
    expect(queued.message).toContain('number 4');

    const reminder = rule('event.reminder');
    expect(reminder.recipients({ eventId: event.id, startDate: event.start_date, userIds: ['u3'] })).toEqual(['u3']);
    expect((await reminder.render(db, { eventId: event.id, startDate: event.start_date, userIds: ['u3'] }, 'u3')).title).toBe(
      'Tomorrow: Rooftop Reunion',
    );
  });
});

describe('GET /api/analytics/event-participation', () => {
  it('when an admin or faculty asks, then RSVPs against capacity by type; others 403, no token 401', async () => {
    const base = Date.UTC(2031, 0, 10, 10);
    const window = `from=${new Date(base - DAY).toISOString()}&to=${new Date(base + 10 * DAY).toISOString()}`;
    const at = (d: number) => ({
      start_date: new Date(base + d * DAY).toISOString(),
      end_date: new Date(base + d * DAY + 3600_000).toISOString(),
    });
    const w1 = await createEvent(host, { ...at(0), event_type: 'workshop', max_attendees: 2, waitlist_enabled: true });
    const w2 = await createEvent(host, { ...at(1), event_type: 'workshop', max_attendees: 8 });
    const open = await createEvent(host, { ...at(2), event_type: 'networking' });
    const [a, b, c, d] = await people(4);
    for (const u of [a, b, c]) await rsvp(u, w1.id, 'attending');
    await rsvp(d, w1.id, 'maybe');
    await rsvp(a, w2.id, 'attending');
    await rsvp(b, w2.id, 'not_attending');
    await rsvp(c, open.id, 'attending');

    const [admin, faculty, student] = await Promise.all([t.user('admin'), t.user('faculty'), t.user('student')]);
    for (const reader of [admin, faculty]) {
      const res = await reader.inject({ method: 'GET', url: `/api/analytics/event-participation?${window}` });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.by_event_type).toHaveLength(7);
      expect(body.by_event_type.find((r: { event_type: string }) => r.event_type === 'workshop')).toEqual({
        event_type: 'workshop',
        events: 2,
        cancelled: 0,
        capacity: 10,
        attending: 3,
        attending_capped: 3,
        maybe: 1,
        not_attending: 1,
        waitlisted: 1,
        fill_rate: 0.3,
      });
      expect(body.totals).toMatchObject({ events: 3, attending: 4, capacity: 10, fill_rate: 0.3 });
    }
    expect(problemOf(await student.inject({ method: 'GET', url: '/api/analytics/event-participation' })).code).toBe('forbidden');
    expect((await host.inject({ method: 'GET', url: '/api/analytics/event-participation' })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/analytics/event-participation' })).statusCode).toBe(401);
    expect((await admin.inject({ method: 'GET', url: '/api/analytics/event-participation?from=soon' })).statusCode).toBe(400);
  });

  it('when from is after to, then 400 validation_failed naming from (never an empty report)', async () => {
    const admin = await t.user('admin');
    const res = await admin.inject({ method: 'GET', url: '/api/analytics/event-participation?from=2031-02-01&to=2031-01-01' });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'from' }] });
    const same = await admin.inject({ method: 'GET', url: '/api/analytics/event-participation?from=2031-01-01&to=2031-01-01' });
    expect(same.statusCode).toBe(200);
    expect(same.json().totals.events).toBe(0);
  });
});
