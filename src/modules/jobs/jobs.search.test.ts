import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, problemOf, type TestApp, type TestUser, expireJob, postJob } from '../../../test/helpers.js';
import { JobSchema } from './jobs.schemas.js';
import { jobs } from './jobs.tables.js';

let t: TestApp;
let poster: TestUser;
let reader: TestUser;
const ids: Record<string, string> = {};

// Each test file has its own database, so these are the only jobs on the board.
const fixtures: Record<string, Record<string, unknown>> = {
  google_py: {
    title: 'Data Engineer',
    company: 'Google',
    location: 'Bangalore',
    job_type: 'full_time',
    experience_required: 3,
    skills_required: ['Python', 'SQL'],
  },
  google_cloud: {
    title: 'Cloud Architect',
    company: 'Google Cloud',
    location: 'bangalore',
    job_type: 'contract',
    experience_required: 8,
    skills_required: ['Go', 'Kubernetes'],
  },
  acme_js: {
    title: 'Frontend Intern',
    company: 'ACME',
    location: 'Pune, India',
    job_type: 'internship',
    experience_required: 0,
    skills_required: ['JavaScript', 'CSS'],
  },
  acme_java: {
    title: 'Backend Engineer',
    company: 'acme',
    location: 'Pune',
    job_type: 'remote',
    experience_required: 2,
    skills_required: ['Java', 'SQL', 'C++'],
    description: 'Work on 100%_pure systems',
  },
  globex: {
    title: 'Analyst',
    company: 'Globex',
    location: 'Berlin',
    job_type: 'part_time',
    experience_required: 5,
    skills_required: ['Python', 'Excel'],
    description: 'Numbers at GOOGLE scale',
  },
};

beforeAll(async () => {
  t = await createTestApp();
  [poster, reader] = await Promise.all([t.user('recruiter'), t.user('student')]);
  for (const [key, body] of Object.entries(fixtures)) ids[key] = (await postJob(poster, { description: 'A job.', ...body })).id;
  // Jobs the board never shows: closed, expired, deleted.
  const closed = await postJob(poster, { company: 'Google', skills_required: ['Python'] });
  await poster.inject({ method: 'POST', url: `/api/jobs/${closed.id}/close` });
  const expired = await postJob(poster, { company: 'Google', skills_required: ['Python'] });
  await expireJob(t, expired.id);
  const deleted = await postJob(poster, { company: 'Google', skills_required: ['Python'] });
  await poster.inject({ method: 'DELETE', url: `/api/jobs/${deleted.id}` });
});
afterAll(() => t?.close());

async function search(query: string) {
  const res = await reader.inject({ method: 'GET', url: `/api/jobs${query ? `?${query}` : ''}` });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json() as { results: { id: string }[]; count: number; next_cursor: string | null };
  return { ...body, keys: body.results.map((r) => Object.keys(ids).find((k) => ids[k] === r.id)).sort() };
}

describe('GET /api/jobs filters (SEARCH.md)', () => {
  it('when no filter is given, then every open job is listed newest first and closed, expired and deleted ones are not', async () => {
    const all = await search('');
    expect(all.count).toBe(5);
    expect(all.results.map((r) => r.id)).toEqual(Object.values(ids).reverse());
  });

  it('when company is given, then it is a case-insensitive equality with the whole value', async () => {
    expect((await search('company=google')).keys).toEqual(['google_py']);
    expect((await search('company=GOOGLE%20CLOUD')).keys).toEqual(['google_cloud']);
    expect((await search('company=acme')).keys).toEqual(['acme_java', 'acme_js']);
    expect((await search('company=goo')).count).toBe(0);
  });

  it('when location is given, then it is a case-insensitive equality with the whole stored value', async () => {
    expect((await search('location=BANGALORE')).keys).toEqual(['google_cloud', 'google_py']);
    expect((await search('location=pune')).keys).toEqual(['acme_java']);
    expect((await search('location=Pune%2C+India')).keys).toEqual(['acme_js']);
  });

  it('when skills are given, then a job needs all of them, whole and case-insensitive', async () => {
    expect((await search('skills=python')).keys).toEqual(['globex', 'google_py']);
    expect((await search('skills=python,sql')).keys).toEqual(['google_py']);
    expect((await search('skills=%20SQL%20,,sql,')).keys).toEqual(['acme_java', 'google_py']);
    expect((await search('skills=java')).keys).toEqual(['acme_java']);
    expect((await search('skills=c%2B%2B')).keys).toEqual(['acme_java']);
    expect((await search('skills=c++')).count).toBe(0); // "+" decodes to a space: "c  " is not a skill
  });

  it('when job_type is given, then only that type is listed', async () => {
    expect((await search('job_type=internship')).keys).toEqual(['acme_js']);
    expect((await search('job_type=remote')).keys).toEqual(['acme_java']);
  });

  it('when experience is given, then jobs requiring at most that many years are listed', async () => {
    expect((await search('experience=2')).keys).toEqual(['acme_java', 'acme_js']);
    expect((await search('experience=0')).keys).toEqual(['acme_js']);
    expect((await search('experience=100')).count).toBe(5);
  });

  it('when q is given, then it is a case-insensitive substring of title, description or company, with no wildcards', async () => {
    expect((await search('q=google')).keys).toEqual(['globex', 'google_cloud', 'google_py']);
    expect((await search('q=ENGINEER')).keys).toEqual(['acme_java', 'google_py']);
    expect((await search('q=100%25_pure')).keys).toEqual(['acme_java']);
    expect((await search('q=_')).keys).toEqual(['acme_java']);
    expect((await search('q=%25')).keys).toEqual(['acme_java']);
  });

  it('when posted_after is given, then only jobs created after that instant are listed', async () => {
    await t.database.db
      .update(jobs)
      .set({ created_at: new Date('2020-01-01T00:00:00Z') })
      .where(eq(jobs.id, ids.globex));
    expect((await search('posted_after=2021-01-01T00:00:00Z')).count).toBe(4);
    expect((await search('posted_after=2019-12-31')).count).toBe(5);
    expect((await search('posted_after=2020-01-01T00:00:00.000Z')).count).toBe(4);
    expect((await search(`posted_after=${encodeURIComponent('2019-12-31T23:00:00-02:00')}`)).count).toBe(4);
  });

  it('when filters are combined, then they AND together', async () => {
    expect((await search('company=acme&skills=sql&job_type=remote&experience=2&q=backend')).keys).toEqual(['acme_java']);
    expect((await search('company=acme&skills=css&job_type=remote')).count).toBe(0);
    expect((await search('location=bangalore&experience=5')).keys).toEqual(['google_py']);
    expect((await search('skills=python&q=numbers')).keys).toEqual(['globex']);
  });

  it('when parameters are empty or blank, then they filter nothing', async () => {
    const res = await search('company=&location=%20&skills=&job_type=&experience=&q=%20&posted_after=');
    expect(res.count).toBe(5);
    expect((await search('company=&skills=sql')).keys).toEqual((await search('skills=sql')).keys);
  });

  it('when a value is malformed, then 400 validation_failed naming the parameter', async () => {
    for (const [query, field] of [
      ['job_type=freelance', 'job_type'],
      ['experience=abc', 'experience'],
      ['experience=-1', 'experience'],
      ['posted_after=yesterday', 'posted_after'],
      ['posted_after=2026-13-45', 'posted_after'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['cursor=forged.cursor', 'cursor'],
    ]) {
      const res = await reader.inject({ method: 'GET', url: `/api/jobs?${query}` });
      expect(res.statusCode, query).toBe(400);
      const problem = problemOf(res);
      expect(problem.code).toBe('validation_failed');
      expect(problem.errors?.[0].field).toBe(field);
    }
  });

  it('when paging with limit and cursor, then every match appears once and every page reports the same count', async () => {
    const seen: string[] = [];
    let url = '/api/jobs?limit=2&q=e';
    const expected = (await search('q=e')).count;
    for (;;) {
      const page = (await reader.inject({ method: 'GET', url })).json();
      expect(page.count).toBe(expected);
      seen.push(...page.results.map((r: { id: string }) => r.id));
      if (!page.next_cursor) break;
      url = `/api/jobs?limit=2&q=e&cursor=${encodeURIComponent(page.next_cursor)}`;
    }
    expect(seen.length).toBe(expected);
    expect(new Set(seen).size).toBe(expected);
  });

  it('when the board lists a job, then it is the job as its poster reads it, with exactly the fields of a job', async () => {
    const res = await reader.inject({ method: 'GET', url: '/api/jobs?limit=100' });
    const listed = (res.json() as { results: Record<string, unknown>[] }).results;
    expect(listed).toHaveLength(Object.keys(fixtures).length);
    for (const job of listed) {
      expect(Object.keys(job).sort()).toEqual(Object.keys(JobSchema.properties).sort());
      // The poster's read counts no view, so every value must be the same, dates and salary included.
      expect(job).toEqual((await poster.inject({ method: 'GET', url: `/api/jobs/${job.id}` })).json());
    }
    expect(res.body).not.toMatch(/skills_required_lower|deleted_at|cursor_ts/);
  });

  it('when nobody is signed in, then 401', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/jobs' })).statusCode).toBe(401);
  });

  it('when the board is read, then its first and next pages come in the board index order, without sorting the open jobs', async () => {
    // The statements exactly as the service sends them (name, text, values).
    const sent: { text: string; values: unknown[] }[] = [];
    const pool = t.database.pool as unknown as { query: (config: unknown, ...rest: unknown[]) => unknown };
    const query = pool.query;
    pool.query = function (this: unknown, config: unknown, ...rest: unknown[]) {
      const c = config as { name?: string; text: string; values: unknown[] };
      if (c?.name?.startsWith('jobs-board')) sent.push({ text: c.text, values: c.values });
      return query.call(this, config, ...rest);
    };
    try {
      const first = await reader.inject({ method: 'GET', url: '/api/jobs?limit=2' });
      await reader.inject({ method: 'GET', url: `/api/jobs?limit=2&cursor=${encodeURIComponent(first.json().next_cursor)}` });
    } finally {
      pool.query = query;
    }
    expect(sent).toHaveLength(2);
    const client = await t.database.pool.connect();
    try {
      // With sorting disabled PostgreSQL still sorts when no index yields the order: a Sort node means the index is not used.
      await client.query('SET enable_seqscan = off');
      await client.query('SET enable_sort = off');
      for (const { text, values } of sent) {
        const plan = (await client.query({ text: `EXPLAIN ${text}`, values })).rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(plan).toContain('Index Scan using jobs_board_order_idx');
        expect(plan).not.toMatch(/Sort/);
      }
    } finally {
      await client.query('RESET enable_seqscan');
      await client.query('RESET enable_sort');
      client.release();
    }
  });

  it('when the board is filtered, then the database can answer from an index for each filter', async () => {
    const client = await t.database.pool.connect();
    try {
      // Five rows make a sequential scan cheapest; forbid it to see that an index serves each filter.
      await client.query('SET enable_seqscan = off');
      const open = `status = 'active' AND (application_deadline IS NULL OR application_deadline > now()) AND deleted_at IS NULL`;
      for (const [filter, index] of [
        ['TRUE', 'jobs_board_order_idx'],
        [`skills_required_lower @> ARRAY['python']::text[]`, 'jobs_skills_lower_idx'],
        [`lower(company) = lower('Google')`, 'jobs_company_lower_idx'],
        [`lower(location) = lower('Pune')`, 'jobs_location_lower_idx'],
        [`title ILIKE '%engineer%'`, 'jobs_title_trgm_idx'],
      ]) {
        const plan = await client.query(
          `EXPLAIN SELECT id FROM jobs WHERE ${open} AND ${filter} ORDER BY created_at DESC, id DESC LIMIT 21`,
        );
        expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), filter).not.toContain('Seq Scan');
        expect((await client.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = $1::regclass`, [index])).rows[0].indisvalid).toBe(
          true,
        );
      }
    } finally {
      await client.query('RESET enable_seqscan');
      client.release();
    }
  });
});
