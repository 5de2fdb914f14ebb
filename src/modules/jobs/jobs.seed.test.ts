import { Faker, en } from '@faker-js/faker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers.js';
import { seedJobs } from './jobs.seed.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

describe('seedJobs', () => {
  it('when demo jobs are seeded, then counters, histories and statuses are consistent and the board shows them', async () => {
    const people = await Promise.all(
      (['alumni', 'recruiter', 'student', 'student', 'alumni', 'student', 'alumni', 'faculty'] as const).map((r) => t.user(r)),
    );
    const faker = new Faker({ locale: [en] });
    faker.seed(7);
    const summary = await seedJobs(
      t.app.ctx,
      faker,
      people.map((p) => ({ id: p.id, email: p.email, name: p.name, role: p.role })),
    );
    expect(summary.jobs).toBe(2);
    const { rows } = await t.database.pool.query(`
      SELECT count(*) FILTER (WHERE j.applications_count <> (SELECT count(*) FROM job_applications a WHERE a.job_id = j.id))::int AS bad_counts,
        count(*) FILTER (WHERE j.views_count < j.applications_count)::int AS bad_views,
        (SELECT count(*)::int FROM job_applications) AS applications,
        (SELECT count(*)::int FROM job_applications a WHERE a.status <> (
          SELECT h.to_status FROM application_status_history h WHERE h.application_id = a.id ORDER BY h.created_at DESC LIMIT 1)) AS bad_history
      FROM jobs j`);
    expect(rows[0]).toEqual({ bad_counts: 0, bad_views: 0, applications: summary.applications, bad_history: 0 });
    const board = await people[2].inject({ method: 'GET', url: '/api/jobs' });
    expect(board.json().count).toBeGreaterThan(0);
  });
});
