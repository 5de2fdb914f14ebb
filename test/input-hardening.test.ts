import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, createTestApp, jobBody, multipart, PDF, post, postJob, problemOf, type TestApp, type TestUser } from './helpers.js';

let t: TestApp;
let admin: TestUser;
let poster: TestUser;
let student: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.user('admin');
  poster = await t.user('recruiter');
  student = await t.user('student');
});
afterAll(() => t?.close());

type Response = Awaited<ReturnType<TestUser['inject']>>;
const expectField = (res: Response, field: string) => {
  expect(res.statusCode, res.body).toBe(400);
  expect(problemOf(res).errors?.[0]?.field).toBe(field);
};
const NUL = 'a\u0000b';

describe('NUL bytes in JSON bodies', () => {
  it('when a registration name holds a NUL byte, then it is a 400 naming name', async () => {
    const res = await post(t.app, '/api/auth/register', {
      email: 'nul@example.com',
      password: 'Correct-Horse-42-battery',
      name: NUL,
      role: 'student',
    });
    expectField(res, 'name');
  });

  it('when profile text (top-level or nested) holds a NUL byte, then it is a 400 naming the field', async () => {
    const create = (payload: object) =>
      student.inject({ method: 'POST', url: '/api/profiles/create', payload: { name: 'Nul Test', ...payload } });
    expectField(await create({ name: NUL }), 'name');
    expectField(await create({ headline: NUL }), 'headline');
    expectField(await create({ bio: NUL }), 'bio');
    expectField(await create({ skills: ['SQL', NUL] }), 'skills.1');
    expectField(await create({ achievements: [NUL] }), 'achievements.0');
    expectField(
      await create({ experience_timeline: [{ company: NUL, role: 'x', start_date: '2020-01' }] }),
      'experience_timeline.0.company',
    );
    expectField(await create({ education_details: [{ institution: 'IIT', field: NUL }] }), 'education_details.0.field');
    expectField(await create({ social_links: { github: `https://github.com/${NUL}` } }), 'social_links.github');
  });

  it('when job text holds a NUL byte, then it is a 400 naming the field', async () => {
    const create = (overrides: Record<string, unknown>) =>
      poster.inject({ method: 'POST', url: '/api/jobs/create', payload: jobBody(overrides) });
    for (const field of ['title', 'description', 'company', 'location']) expectField(await create({ [field]: NUL }), field);
    expectField(await create({ skills_required: ['Go', NUL] }), 'skills_required.1');
    const job = await postJob(poster);
    expectField(await poster.inject({ method: 'PUT', url: `/api/jobs/${job.id}`, payload: { company: NUL } }), 'company');
  });

  it('when a cover letter (JSON or multipart) or a status message holds a NUL byte, then it is a 400 naming it', async () => {
    const job = await postJob(poster);
    const json = await student.inject({ method: 'POST', url: `/api/jobs/${job.id}/apply`, payload: { cover_letter: NUL } });
    expectField(json, 'cover_letter');
    const form = await student.inject({
      method: 'POST',
      url: `/api/jobs/${job.id}/apply`,
      ...multipart({ cover_letter: NUL }, { data: PDF }),
    });
    expectField(form, 'cover_letter');
    const application = await apply(student, job.id);
    for (const name of ['response_message', 'message']) {
      const res = await poster.inject({
        method: 'PUT',
        url: `/api/applications/${application.id}/status`,
        payload: { status: 'shortlisted', [name]: NUL },
      });
      expectField(res, name);
    }
  });
});

describe('numbers and dates in JSON bodies', () => {
  it('when an integer is 1e400, fractional or beyond the safe range, then it is a 400 naming it', async () => {
    const create = (payload: string) =>
      poster.inject({ method: 'POST', url: '/api/jobs/create', payload, headers: { 'content-type': 'application/json' } });
    const body = JSON.stringify(jobBody());
    expectField(await create(body.replace('"experience_required":3', '"experience_required":1e400')), 'experience_required');
    expectField(await create(body.replace('"experience_required":3', '"experience_required":1.5')), 'experience_required');
    expectField(await create(body.replace('"min":12000000', '"min":123456789012345678901')), 'salary_range.min');
  });

  it('when a deadline names year 0, then it is a 400 naming it (not a database error)', async () => {
    const res = await poster.inject({
      method: 'POST',
      url: '/api/jobs/create',
      payload: jobBody({ application_deadline: '0000-01-01T00:00:00Z' }),
    });
    expectField(res, 'application_deadline');
  });
});

describe('PUT /api/applications/{app_id}/status', () => {
  it('when the body names response_message, then it is stored, shown and kept in the history', async () => {
    const application = await apply(student, (await postJob(poster)).id);
    const res = await poster.inject({
      method: 'PUT',
      url: `/api/applications/${application.id}/status`,
      payload: { status: 'shortlisted', response_message: '  See you Tuesday  ' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().response_message).toBe('See you Tuesday');
    expect(res.json().history.at(-1)).toMatchObject({ to_status: 'shortlisted', message: 'See you Tuesday' });
  });

  it('when the body uses the older name message, then it works the same', async () => {
    const application = await apply(student, (await postJob(poster)).id);
    const res = await poster.inject({
      method: 'PUT',
      url: `/api/applications/${application.id}/status`,
      payload: { status: 'rejected', message: 'Filled' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().response_message).toBe('Filled');
  });

  it('when both names are sent, then it is a 400 naming message', async () => {
    const application = await apply(student, (await postJob(poster)).id);
    const res = await poster.inject({
      method: 'PUT',
      url: `/api/applications/${application.id}/status`,
      payload: { status: 'rejected', message: 'a', response_message: 'b' },
    });
    expectField(res, 'message');
  });
});

describe('multipart applications follow the JSON schema', () => {
  it('when a form field is unknown, not a boolean, or too long, then it is the same 400 as in JSON', async () => {
    const job = await postJob(poster);
    const send = (fields: Record<string, string>) =>
      student.inject({ method: 'POST', url: `/api/jobs/${job.id}/apply`, ...multipart(fields, { data: PDF }) });
    const unknown = await send({ salary: '10' });
    expectField(unknown, 'salary');
    expect(problemOf(unknown).errors?.[0]?.message).toBe('is not an allowed property');
    expectField(await send({ use_profile_cv: 'maybe' }), 'use_profile_cv');
    expectField(await send({ cover_letter: 'x'.repeat(10_001) }), 'cover_letter');
    const ok = await send({ cover_letter: 'Hello', use_profile_cv: 'false' });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().cover_letter).toBe('Hello');
  });
});

describe('declared responses', () => {
  it('when an admin reads /api/metrics, then it is Prometheus text (not a JSON string)', async () => {
    const res = await admin.inject({ method: 'GET', url: '/api/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/^# HELP/m);
    expect(res.body.startsWith('"')).toBe(false);
  });

  it('when the OpenAPI document is read, then /api/metrics and the file route declare their 200', () => {
    const doc = t.app.swagger() as { paths: Record<string, { get?: { responses?: Record<string, unknown> } }> };
    expect(doc.paths['/api/metrics'].get?.responses?.['200']).toBeDefined();
    expect(doc.paths['/api/files/{folder}/{name}'].get?.responses?.['200']).toBeDefined();
  });

  it('when any request schema declares a string or an integer, then it refuses NUL bytes / has a safe range', () => {
    const doc = t.app.swagger() as { paths: Record<string, Record<string, Operation>> };
    const loose: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        for (const p of op.parameters ?? []) walk(p.schema, `${method} ${path} ${p.name}`, loose);
        for (const [type, body] of Object.entries(op.requestBody?.content ?? {})) walk(body.schema, `${method} ${path} ${type}`, loose);
      }
    }
    expect(loose).toEqual([]);
    expect(checked.count).toBeGreaterThan(50);
  });
});

interface Operation {
  parameters?: { name: string; schema: unknown }[];
  requestBody?: { content?: Record<string, { schema: unknown }> };
}
// A password is hashed, never stored as text: any character may be in it.
const EXEMPT = /password$/;
const SAFE_FORMATS = new Set(['uuid', 'email', 'date-time', 'binary']);
const checked = { count: 0 };

/** Collects the string schemas that would let a NUL byte through. */
function walk(schema: unknown, where: string, loose: string[]) {
  if (!schema || typeof schema !== 'object') return;
  const s = schema as Record<string, unknown>;
  if (s.type === 'integer') {
    checked.count++;
    const safe = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n);
    if (!safe(s.minimum) || !safe(s.maximum)) loose.push(`${where} (integer without a safe range)`);
  }
  if (s.type === 'string' && !EXEMPT.test(where)) {
    checked.count++;
    const refuses =
      s.enum ||
      s.const !== undefined ||
      SAFE_FORMATS.has(String(s.format)) ||
      (typeof s.pattern === 'string' &&
        !new RegExp(s.pattern, 'u').test('\u0000'.repeat(2)) &&
        !new RegExp(s.pattern, 'u').test(`a\u0000b`));
    if (!refuses) loose.push(where);
  }
  for (const [key, value] of Object.entries(s)) {
    if (key === 'properties' && value && typeof value === 'object') {
      for (const [name, child] of Object.entries(value)) walk(child, `${where}.${name}`, loose);
    } else if (key === 'items' || key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
      for (const child of [value].flat()) walk(child, where, loose);
    }
  }
}
