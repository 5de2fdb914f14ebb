import { Faker, en } from '@faker-js/faker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers.js';
import { seedEvents } from './events.seed.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

describe('seedEvents', () => {
  it('when demo events are seeded, then counters match the answers, capacity holds and discovery shows them', async () => {
    const people = await Promise.all(
      Array.from({ length: 40 }, (_, i) => t.user((['alumni', 'student', 'faculty', 'student'] as const)[i % 4])),
    );
    const faker = new Faker({ locale: [en] });
    faker.seed(11);
    const summary = await seedEvents(
      t.app.ctx,
      faker,
      people.map((p) => ({ id: p.id, email: p.email, name: p.name, role: p.role })),
    );
    expect(summary.events).toBe(4);
    const { rows } = await t.database.pool.query(`
      SELECT count(*) FILTER (WHERE e.attending_count <> (SELECT count(*) FROM event_rsvps r WHERE r.event_id = e.id AND r.status = 'attending'))::int AS bad_attending,
             count(*) FILTER (WHERE e.waitlist_count <> (SELECT count(*) FROM event_rsvps r WHERE r.event_id = e.id AND r.status = 'waitlisted'))::int AS bad_waitlist,
             count(*) FILTER (WHERE e.max_attendees IS NOT NULL AND e.attending_count > e.max_attendees)::int AS overbooked,
             (SELECT count(*)::int FROM event_rsvps) AS rsvps
        FROM events e`);
    expect(rows[0]).toEqual({ bad_attending: 0, bad_waitlist: 0, overbooked: 0, rsvps: summary.rsvps });
    const past = await people[1].inject({ method: 'GET', url: '/api/events?when=past&include_cancelled=true' });
    const upcoming = await people[1].inject({ method: 'GET', url: '/api/events?include_cancelled=true' });
    expect(upcoming.json().count + past.json().count).toBe(4);
  });
});
