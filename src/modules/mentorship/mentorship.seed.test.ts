import { Faker, en } from '@faker-js/faker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers.js';
import { seedMentorship } from './mentorship.seed.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

describe('seedMentorship', () => {
  it('when demo mentorship data is seeded, then counters match the rows and the API serves it', async () => {
    const roles = ['alumni', 'alumni', 'faculty', 'alumni', 'student', 'student', 'student', 'student', 'student', 'student'] as const;
    const people = await Promise.all(roles.map((r) => t.user(r)));
    const faker = new Faker({ locale: [en] });
    faker.seed(11);
    const summary = await seedMentorship(
      t.app.ctx,
      faker,
      people.map((p) => ({ id: p.id, email: p.email, name: p.name, role: p.role })),
    );
    expect(summary.mentors).toBe(2);
    expect(summary.requests).toBeGreaterThan(0);
    const { rows } = await t.database.pool.query(`
      SELECT
        count(*) FILTER (WHERE mp.current_mentees_count <> (SELECT count(*) FROM mentorships m WHERE m.mentor_id = mp.user_id AND m.status = 'active'))::int AS bad_mentees,
        count(*) FILTER (WHERE mp.current_mentees_count > mp.max_mentees)::int AS over_capacity,
        count(*) FILTER (WHERE mp.total_sessions <> (SELECT count(*) FROM mentorship_sessions s JOIN mentorships m ON m.id = s.mentorship_id
          WHERE m.mentor_id = mp.user_id AND s.status = 'completed'))::int AS bad_sessions,
        (SELECT count(*)::int FROM mentorship_requests r WHERE r.status = 'accepted'
          AND NOT EXISTS (SELECT 1 FROM mentorships m WHERE m.request_id = r.id)) AS accepted_without_mentorship,
        (SELECT count(*)::int FROM mentorship_requests WHERE status = 'pending' AND expires_at < now()) AS stale_pending
      FROM mentor_profiles mp`);
    expect(rows[0]).toEqual({ bad_mentees: 0, over_capacity: 0, bad_sessions: 0, accepted_without_mentorship: 0, stale_pending: 0 });
    const list = await people[4].inject({ method: 'GET', url: '/api/mentors?available_only=false' });
    expect(list.json().count).toBe(2);
  });
});
