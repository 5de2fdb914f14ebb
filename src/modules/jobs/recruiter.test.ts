import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, problemOf, type TestApp, type TestUser, apply, expireJob, postJob } from '../../../test/helpers.js';
import { applicationStatusHistory, jobApplications } from './jobs.tables.js';

let t: TestApp;
let recruiter: TestUser;
let student: TestUser;
const job: Record<string, { id: string; title: string }> = {};
const apps: Record<string, { id: string }> = {};

const setStatus = (user: TestUser, appId: string, status: string) =>
  user.inject({ method: 'PUT', url: `/api/applications/${appId}/status`, payload: { status } });

/** Puts an application's apply time and its history at known instants. */
async function backdate(appId: string, appliedAt: Date, firstChangeAfterSeconds?: number) {
  await t.database.db.update(jobApplications).set({ applied_at: appliedAt }).where(eq(jobApplications.id, appId));
  await t.database.db
    .update(applicationStatusHistory)
    .set({
      created_at: sql`CASE WHEN ${applicationStatusHistory.from_status} IS NULL THEN ${appliedAt.toISOString()}::timestamptz
        ELSE ${appliedAt.toISOString()}::timestamptz + make_interval(secs => ${firstChangeAfterSeconds ?? 0})
          + (${applicationStatusHistory.created_at} - (SELECT min(h.created_at) FROM application_status_history h
             WHERE h.application_id = ${appId} AND h.from_status IS NOT NULL)) END`,
    })
    .where(eq(applicationStatusHistory.application_id, appId));
}

beforeAll(async () => {
  t = await createTestApp();
  [recruiter, student] = await Promise.all([t.user('recruiter'), t.user('student')]);
  const applicants = await Promise.all(Array.from({ length: 4 }, () => t.user('student')));
  job.a = await postJob(recruiter, { title: 'Job A' });
  job.b = await postJob(recruiter, { title: 'Job B' });
  job.expired = await postJob(recruiter, { title: 'Job Expired' });
  job.deleted = await postJob(recruiter, { title: 'Job Deleted' });
  // Views: 4 of job A by others, 1 by the poster (not counted); 0 of job B.
  for (const reader of [...applicants]) await reader.inject({ method: 'GET', url: `/api/jobs/${job.a.id}` });
  await recruiter.inject({ method: 'GET', url: `/api/jobs/${job.a.id}` });
  // Job A: 3 applications; B: 1; deleted: 1 (ignored everywhere).
  apps.a0 = await apply(applicants[0], job.a.id);
  apps.a1 = await apply(applicants[1], job.a.id);
  apps.a2 = await apply(applicants[2], job.a.id);
  apps.b0 = await apply(applicants[0], job.b.id);
  apps.d0 = await apply(applicants[3], job.deleted.id);
  expect((await setStatus(recruiter, apps.a0.id, 'shortlisted')).statusCode).toBe(200);
  expect((await setStatus(recruiter, apps.a0.id, 'interview')).statusCode).toBe(200);
  expect((await setStatus(recruiter, apps.a1.id, 'rejected')).statusCode).toBe(200);
  expect((await setStatus(applicants[2], apps.a2.id, 'withdrawn')).statusCode).toBe(200);
  expect((await setStatus(recruiter, apps.b0.id, 'viewed')).statusCode).toBe(200);
  // Known timing: first responses after 100 s (a0), 300 s (a1), 1000 s (b0); a2 was only withdrawn.
  const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
  await backdate(apps.a0.id, threeDaysAgo, 100);
  await backdate(apps.a1.id, new Date(Date.now() - 3_600_000), 300);
  await backdate(apps.b0.id, new Date(Date.now() - 7_200_000), 1000);
  await expireJob(t, job.expired.id);
  await recruiter.inject({ method: 'DELETE', url: `/api/jobs/${job.deleted.id}` });
});
afterAll(() => t?.close());

const zero = { applied: 0, viewed: 0, shortlisted: 0, interview: 0, offered: 0, hired: 0, rejected: 0, withdrawn: 0 };

describe('GET /api/recruiter/jobs', () => {
  it('when a poster lists their jobs, then open and closed ones appear newest first with applications by status, deleted ones not', async () => {
    const res = await recruiter.inject({ method: 'GET', url: '/api/recruiter/jobs' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.results.map((j: { title: string }) => j.title)).toEqual(['Job Expired', 'Job B', 'Job A']);
    expect(body.results[2]).toMatchObject({
      applications_count: 3,
      views_count: 4,
      status_breakdown: { ...zero, interview: 1, rejected: 1, withdrawn: 1 },
    });
    expect(body.results[0].status).toBe('closed');
    const closed = await recruiter.inject({ method: 'GET', url: '/api/recruiter/jobs?status=closed' });
    expect(closed.json().results.map((j: { title: string }) => j.title)).toEqual(['Job Expired']);
    const page = await recruiter.inject({ method: 'GET', url: '/api/recruiter/jobs?limit=2' });
    const next = await recruiter.inject({ method: 'GET', url: `/api/recruiter/jobs?limit=2&cursor=${page.json().next_cursor}` });
    expect(next.json()).toMatchObject({ results: [{ title: 'Job A' }], next_cursor: null });
  });

  it('when someone else who may post asks, then they only see their own (none); a student 403; anonymous 401', async () => {
    const alumni = await t.user('alumni');
    expect((await alumni.inject({ method: 'GET', url: '/api/recruiter/jobs' })).json().results).toEqual([]);
    const admin = await t.user('admin');
    expect((await admin.inject({ method: 'GET', url: '/api/recruiter/jobs' })).statusCode).toBe(200);
    for (const url of ['/api/recruiter/jobs', '/api/recruiter/analytics', '/api/recruiter/applications/summary']) {
      expect((await student.inject({ method: 'GET', url })).statusCode, url).toBe(403);
      expect((await (await t.user('faculty')).inject({ method: 'GET', url })).statusCode, url).toBe(403);
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
    }
  });
});

describe('GET /api/recruiter/analytics', () => {
  it('when the poster asks, then per-job and total figures equal what happened', async () => {
    const res = await recruiter.inject({ method: 'GET', url: '/api/recruiter/analytics' });
    expect(res.statusCode, res.body).toBe(200);
    const { totals, results } = res.json();
    const a = results.find((r: { job_id: string }) => r.job_id === job.a.id);
    expect(a).toEqual({
      job_id: job.a.id,
      title: 'Job A',
      status: 'active',
      created_at: expect.any(String),
      views: 4,
      applications: 3,
      conversion_rate: 0.75,
      responded_applications: 2,
      median_time_to_first_response_seconds: 200,
      status_breakdown: { ...zero, interview: 1, rejected: 1, withdrawn: 1 },
    });
    const b = results.find((r: { job_id: string }) => r.job_id === job.b.id);
    expect(b).toMatchObject({ views: 0, applications: 1, conversion_rate: null, median_time_to_first_response_seconds: 1000 });
    const expired = results.find((r: { job_id: string }) => r.job_id === job.expired.id);
    expect(expired).toMatchObject({
      status: 'closed',
      applications: 0,
      responded_applications: 0,
      median_time_to_first_response_seconds: null,
    });
    expect(results).toHaveLength(3);
    expect(totals).toEqual({
      jobs: 3,
      active_jobs: 2,
      views: 4,
      applications: 4,
      conversion_rate: 1,
      responded_applications: 3,
      median_time_to_first_response_seconds: 300,
      status_breakdown: { ...zero, viewed: 1, interview: 1, rejected: 1, withdrawn: 1 },
    });
  });

  it('when paged, then every job appears once and the totals stay the same', async () => {
    const first = (await recruiter.inject({ method: 'GET', url: '/api/recruiter/analytics?limit=2' })).json();
    const second = (await recruiter.inject({ method: 'GET', url: `/api/recruiter/analytics?limit=2&cursor=${first.next_cursor}` })).json();
    expect([...first.results, ...second.results].map((r: { job_id: string }) => r.job_id).sort()).toEqual(
      [job.a.id, job.b.id, job.expired.id].sort(),
    );
    expect(second.totals).toEqual(first.totals);
    expect(second.next_cursor).toBeNull();
    const bad = await recruiter.inject({ method: 'GET', url: '/api/recruiter/analytics?limit=500' });
    expect(problemOf(bad).errors?.[0].field).toBe('limit');
  });
});

describe('GET /api/recruiter/applications/summary', () => {
  it('when asked per day, then the counts by status and per day match the applications', async () => {
    const res = await recruiter.inject({ method: 'GET', url: '/api/recruiter/applications/summary?days=7' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ days: 7, interval: 'day', total: 4, received_in_window: 4 });
    expect(body.by_status).toEqual({ ...zero, viewed: 1, interview: 1, rejected: 1, withdrawn: 1 });
    expect(body.over_time).toHaveLength(7);
    const dayOf = (d: Date) => d.toISOString().slice(0, 10);
    const counts = Object.fromEntries(
      body.over_time.map((p: { period_start: string; applications: number }) => [p.period_start.slice(0, 10), p.applications]),
    );
    expect(counts[dayOf(new Date(Date.now() - 3 * 86_400_000))]).toBe(1);
    expect(body.over_time.at(0).period_start).toBe(body.since);
  });

  it('when the window is one day or weekly, then older applications fall out and weeks add up', async () => {
    const today = (await recruiter.inject({ method: 'GET', url: '/api/recruiter/applications/summary?days=1' })).json();
    expect(today.over_time).toHaveLength(1);
    // a1 and b0 are 1–2 hours old: today, unless the test runs just after midnight UTC.
    expect(today.received_in_window).toBeLessThanOrEqual(3);
    const weekly = (await recruiter.inject({ method: 'GET', url: '/api/recruiter/applications/summary?days=30&interval=week' })).json();
    expect(weekly.interval).toBe('week');
    expect(weekly.received_in_window).toBe(4);
    expect(weekly.over_time.length).toBeGreaterThanOrEqual(5);
  });

  it('when the parameters are malformed, then 400 naming them', async () => {
    for (const [query, field] of [
      ['days=0', 'days'],
      ['days=abc', 'days'],
      ['interval=month', 'interval'],
    ]) {
      const res = await recruiter.inject({ method: 'GET', url: `/api/recruiter/applications/summary?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(problemOf(res).errors?.[0].field).toBe(field);
    }
  });
});
