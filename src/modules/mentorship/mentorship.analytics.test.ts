import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  becomeMentor,
  createTestApp,
  pairMentorship,
  requestMentorship,
  scheduleSession,
  startSessionInPast,
  type TestApp,
} from '../../../test/helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

describe('GET /api/analytics/mentorship-stats', () => {
  it('when admins and faculty read it, then requests, acceptance rate, median time to answer, sessions and average rating', async () => {
    const [mentor, a, b, c, d] = await Promise.all([
      t.user('alumni'),
      t.user('student'),
      t.user('student'),
      t.user('student'),
      t.user('student'),
    ]);
    await becomeMentor(mentor, { max_mentees: 5 });
    const pa = await pairMentorship(mentor, a);
    await pairMentorship(mentor, b);
    const rejected = await requestMentorship(c, mentor.id);
    await mentor.inject({ method: 'POST', url: `/api/mentorship/${rejected.id}/reject` });
    await requestMentorship(d, mentor.id);
    // Answer times of 1 h, 2 h and 3 h: the median is 2 h.
    await t.database.db.execute(sql`UPDATE mentorship_requests SET requested_at = coalesce(accepted_at, rejected_at) - (CASE
      WHEN student_id = ${a.id} THEN interval '1 hour' WHEN student_id = ${b.id} THEN interval '2 hours' ELSE interval '3 hours' END)
      WHERE status <> 'pending'`);
    for (const rating of [5, 2]) {
      const s = await scheduleSession(a, pa);
      await startSessionInPast(t, s.id);
      await mentor.inject({ method: 'POST', url: `/api/mentorship/sessions/${s.id}/complete` });
      await a.inject({ method: 'POST', url: `/api/mentorship/sessions/${s.id}/feedback`, payload: { rating } });
    }
    await scheduleSession(a, pa);
    for (const role of ['admin', 'faculty'] as const) {
      const res = await (await t.user(role)).inject({ method: 'GET', url: '/api/analytics/mentorship-stats' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        mentors: { total: 1, available: 1 },
        requests: { total: 4, pending: 1, accepted: 2, rejected: 1, expired: 0 },
        acceptance_rate: 0.6667,
        median_time_to_answer_seconds: 7200,
        active_mentorships: 2,
        sessions: { total: 3, scheduled: 1, completed: 2, cancelled: 0 },
        average_rating: 3.5,
        ratings_count: 2,
      });
    }
  });

  it('when a student, alumnus or recruiter reads it, then 403; anonymous 401', async () => {
    for (const role of ['student', 'alumni', 'recruiter'] as const) {
      expect((await (await t.user(role)).inject({ method: 'GET', url: '/api/analytics/mentorship-stats' })).statusCode).toBe(403);
    }
    expect((await t.app.inject({ method: 'GET', url: '/api/analytics/mentorship-stats' })).statusCode).toBe(401);
  });
});
