import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { createTestApp, type TestApp, type TestUser } from './helpers.js';
import { countStatements } from './statements.js';
import { SETTINGS_TTL_MS } from '../src/modules/admin/settings.service.js';

/**
 * The statement budget of the hot reads (issue 10), authentication included: a change that adds a
 * round trip to one of them fails here. Lists are one statement plus their count, which is cached
 * (a second identical request sends one).
 */
let t: TestApp;
let counter: ReturnType<typeof countStatements>;
let viewer: TestUser;
let recruiter: TestUser;
let memberId: string;
let jobId: string;

beforeAll(async () => {
  t = await createTestApp();
  counter = countStatements(t.database.pool);
  viewer = await t.user('alumni');
  recruiter = await t.user('recruiter');
  const member = await t.user('alumni');
  memberId = member.id;
  const profile = await member.inject({
    method: 'POST',
    url: '/api/profiles/create',
    payload: { headline: 'Budget', current_company: 'Acme', skills: ['Python'], batch_year: 2015 },
  });
  expect(profile.statusCode, profile.body).toBe(201);
  await viewer.inject({ method: 'POST', url: '/api/profiles/create', payload: { headline: 'Viewer' } });
  const job = await recruiter.inject({
    method: 'POST',
    url: '/api/jobs/create',
    payload: { title: 'Budget Engineer', description: 'Counts round trips.', company: 'Acme', location: 'Pune', job_type: 'full_time' },
  });
  expect(job.statusCode, job.body).toBe(201);
  jobId = job.json().id;
  await jobsSettled();
});

/**
 * The writes above publish events (job.posted, profile...) whose subscriber jobs run on the same pool
 * after commit: wait until nothing is queued or running, so their statements are not counted as a read's.
 */
async function jobsSettled(timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (let quiet = 0; quiet < 2;) {
    const { rows } = await t.database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE state IN ('created', 'retry', 'active') AND start_after <= now()`,
    );
    quiet = rows[0]!.n === 0 ? quiet + 1 : 0;
    if (Date.now() > deadline) throw new Error(`background jobs still pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
afterAll(() => t?.close());

async function statementsOf(user: TestUser, options: InjectOptions) {
  const { result, statements } = await counter.count(() => user.inject(options));
  expect(result.statusCode, result.body).toBe(200);
  return statements;
}

const budget: [string, () => TestUser, () => string, number][] = [
  ['GET /api/auth/me', () => viewer, () => '/api/auth/me', 1],
  ['GET /api/profiles/{user_id}', () => viewer, () => `/api/profiles/${memberId}`, 1],
  ['GET /api/profiles/me', () => viewer, () => '/api/profiles/me', 1],
  ['GET /api/jobs/{job_id} (a reader: the view counts in the same statement)', () => viewer, () => `/api/jobs/${jobId}`, 1],
  ['GET /api/jobs/{job_id} (its poster: no view counted)', () => recruiter, () => `/api/jobs/${jobId}`, 1],
  ['GET /api/profiles/filters/options', () => viewer, () => '/api/profiles/filters/options', 1],
  ['GET /api/notifications/unread-count', () => recruiter, () => '/api/notifications/unread-count', 1],
];

describe('statement budget of the hot reads', () => {
  for (const [name, user, url, max] of budget) {
    it(`when ${name} is read, then it sends at most ${max} statement(s), authentication included`, async () => {
      const statements = await statementsOf(user(), { method: 'GET', url: url() });
      expect(statements.length, statements.join('\n---\n')).toBeLessThanOrEqual(max);
      expect(statements.length).toBeGreaterThan(0);
    });
  }

  for (const url of [
    '/api/jobs?limit=20',
    '/api/jobs?skills=python&limit=5',
    '/api/profiles/search?skills=python',
    '/api/profiles/directory?limit=20',
    '/api/events?limit=20',
    '/api/events?event_type=webinar&is_virtual=true',
  ]) {
    it(`when the list ${url} is read twice, then the second read sends one statement (its count is cached)`, async () => {
      const first = await statementsOf(viewer, { method: 'GET', url });
      expect(first.length, first.join('\n---\n')).toBeLessThanOrEqual(2);
      const second = await statementsOf(viewer, { method: 'GET', url });
      expect(second.length, second.join('\n---\n')).toBe(1);
    });
  }

  it('when the settings copy is older than its refresh period, then a hot read still sends no settings statement', async () => {
    // Search, directory, facets and profile creation read settings: the copy is refreshed in the background, never by a request.
    await new Promise((r) => setTimeout(r, SETTINGS_TTL_MS + 500));
    const statements = await statementsOf(viewer, { method: 'GET', url: '/api/profiles/filters/options' });
    expect(statements.join('\n')).not.toMatch(/platform_settings/);
    expect(statements.length).toBe(1);
  });

  it('when a request is counted, then statements of other work on the pool are not (the counter is sound)', async () => {
    const { statements } = await counter.count(async () => {
      await t.database.pool.query('SELECT 1');
      await t.database.pool.query('SELECT 2');
    });
    expect(statements).toEqual(['SELECT 1', 'SELECT 2']);
  });
});
