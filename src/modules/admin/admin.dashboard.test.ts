import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, createTestApp, member, postJob, problemOf, type TestApp, type TestUser } from '../../../test/helpers.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.user('admin');
});
afterAll(() => t?.close());

type Figures = Record<string, { total: number; change_30d: number }>;
const metrics = async (): Promise<Figures> => {
  const res = await admin.inject({ method: 'GET', url: '/api/admin/dashboard/metrics' });
  expect(res.statusCode, res.body).toBe(200);
  return Object.fromEntries(res.json().metrics.map((m: { name: string; total: number; change_30d: number }) => [m.name, m]));
};

describe('GET /api/admin/dashboard/metrics', () => {
  it('when the test creates users, verifications, jobs and applications, then every figure moves by exactly that (within seconds)', async () => {
    const before = await metrics();
    expect(Object.keys(before)).toEqual(
      expect.arrayContaining([
        'users.total',
        'users.student',
        'users.alumni',
        'users.admin',
        'alumni.verified',
        'verifications.pending',
        'jobs.total',
        'jobs.active',
        'applications.total',
      ]),
    );
    const [s1, s2] = await Promise.all([t.user('student'), t.user('student')]);
    const verified = await member(t, { name: 'Veri Fied' }, 'alumni');
    const pending = await member(t, { name: 'Pen Ding' }, 'alumni');
    for (const m of [verified, pending]) await m.inject({ method: 'POST', url: '/api/profiles/me/request-verification' });
    expect((await admin.inject({ method: 'POST', url: `/api/admin/profiles/verify/${verified.id}` })).statusCode).toBe(200);
    const open = await postJob(verified);
    const closed = await postJob(verified);
    await verified.inject({ method: 'POST', url: `/api/jobs/${closed.id}/close` });
    await Promise.all([apply(s1, open.id), apply(s2, open.id), apply(s1, closed.id).catch(() => null)]);
    const applications = (await t.database.pool.query(`SELECT count(*)::int AS n FROM job_applications`)).rows[0].n;

    const expected: Record<string, number> = {
      'users.total': 4,
      'users.student': 2,
      'users.alumni': 2,
      'alumni.verified': 1,
      'verifications.pending': 1,
      'jobs.total': 2,
      'jobs.active': 1,
      'applications.total': applications,
    };
    // Metrics are cached up to a few seconds: poll until the committed writes show (the issue allows 10 s).
    const deadline = Date.now() + 15_000;
    let after = await metrics();
    while (after['users.total'].total !== before['users.total'].total + 4 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      after = await metrics();
    }
    for (const [name, delta] of Object.entries(expected)) {
      const base = name === 'applications.total' ? 0 : before[name].total;
      expect(after[name].total - base, name).toBe(delta);
      expect(after[name].change_30d - (name === 'applications.total' ? 0 : before[name].change_30d), name).toBe(delta);
    }
  });
});

describe('GET /api/admin/dashboard/charts', () => {
  it('when users joined on known days, then each bucket counts them and empty buckets are zeros (day, week, month)', async () => {
    await t.database.pool.query(`
      INSERT INTO users (email, name, role, created_at) VALUES
        ('old-1@example.com', 'Old One', 'alumni', '2025-01-03T10:00:00Z'),
        ('old-2@example.com', 'Old Two', 'alumni', '2025-01-03T23:59:59Z'),
        ('old-3@example.com', 'Old Three', 'student', '2025-01-05T00:00:00Z')`);
    const get = async (query: string) => {
      const res = await admin.inject({ method: 'GET', url: `/api/admin/dashboard/charts?${query}` });
      expect(res.statusCode, res.body).toBe(200);
      const growth = res.json().series.find((s: { name: string }) => s.name === 'user_growth');
      return growth.points.map((p: { start: string; value: number }) => [p.start.slice(0, 10), p.value]);
    };
    expect(await get('bucket=day&from=2025-01-01T00:00:00Z&to=2025-01-07T00:00:00Z')).toEqual([
      ['2025-01-01', 0],
      ['2025-01-02', 0],
      ['2025-01-03', 2],
      ['2025-01-04', 0],
      ['2025-01-05', 1],
      ['2025-01-06', 0],
      ['2025-01-07', 0],
    ]);
    // ISO weeks start on Monday: 2024-12-30 and 2025-01-06.
    expect(await get('bucket=week&from=2025-01-01T00:00:00Z&to=2025-01-07T00:00:00Z')).toEqual([
      ['2024-12-30', 3],
      ['2025-01-06', 0],
    ]);
    expect(await get('bucket=month&from=2024-12-15T00:00:00Z&to=2025-02-01T00:00:00Z')).toEqual([
      ['2024-12-01', 0],
      ['2025-01-01', 3],
      ['2025-02-01', 0],
    ]);
    const res = await admin.inject({
      method: 'GET',
      url: '/api/admin/dashboard/charts?bucket=day&from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z',
    });
    expect(res.json().series.map((s: { name: string }) => s.name)).toEqual([
      'user_growth',
      'job_postings',
      'job_applications',
      'event_participation',
      'mentorship_activity',
      'forum_activity',
      'notifications',
    ]);
  });

  it('when the bucket, range or dates are wrong, then 400 naming the field', async () => {
    for (const [query, field] of [
      ['bucket=year', 'bucket'],
      ['from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z', 'from'],
      ['bucket=day&from=2000-01-01T00:00:00Z&to=2025-01-01T00:00:00Z', 'from'],
      ['to=tomorrow', 'to'],
    ]) {
      const res = await admin.inject({ method: 'GET', url: `/api/admin/dashboard/charts?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(JSON.stringify(problemOf(res))).toContain(field);
    }
  });
});
