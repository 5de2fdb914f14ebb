import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, problemOf, type TestApp, type TestUser, expireJob, jobBody, postJob } from '../../../test/helpers.js';

let t: TestApp;
let alumni: TestUser;
let recruiter: TestUser;
let admin: TestUser;
let student: TestUser;
let faculty: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  [alumni, recruiter, admin, student, faculty] = await Promise.all(
    (['alumni', 'recruiter', 'admin', 'student', 'faculty'] as const).map((r) => t.user(r)),
  );
});
afterAll(() => t?.close());

describe('POST /api/jobs/create', () => {
  it('when an alumnus, a recruiter or an admin posts a job, then it is created active with zero counters', async () => {
    for (const poster of [alumni, recruiter, admin]) {
      const body = jobBody({ skills_required: ['Python', ' python ', 'SQL'] });
      const res = await poster.inject({ method: 'POST', url: '/api/jobs/create', payload: body });
      expect(res.statusCode, res.body).toBe(201);
      const job = res.json();
      expect(job).toMatchObject({
        title: body.title,
        company: 'Google',
        job_type: 'full_time',
        skills_required: ['Python', 'SQL'],
        salary_range: body.salary_range,
        posted_by: poster.id,
        status: 'active',
        applications_count: 0,
        views_count: 0,
        application_deadline: body.application_deadline,
      });
      expect(job.skills_required_lower).toBeUndefined();
      expect(job.deleted_at).toBeUndefined();
    }
  });

  it('when a student or a faculty member posts, then 403 whatever the body', async () => {
    for (const user of [student, faculty]) {
      const res = await user.inject({ method: 'POST', url: '/api/jobs/create', payload: { nonsense: true } });
      expect(res.statusCode).toBe(403);
      expect(problemOf(res).code).toBe('forbidden');
    }
  });

  it('when nobody is signed in, then 401', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/jobs/create', payload: jobBody() });
    expect(res.statusCode).toBe(401);
    expect(problemOf(res).code).toBe('unauthenticated');
  });

  it('when the body sets a field clients do not own, then 400 naming it', async () => {
    for (const field of ['posted_by', 'applications_count', 'views_count', 'status']) {
      const res = await alumni.inject({
        method: 'POST',
        url: '/api/jobs/create',
        payload: jobBody({ [field]: field === 'status' ? 'active' : 1 }),
      });
      expect(res.statusCode).toBe(400);
      expect(problemOf(res).errors?.[0].field).toBe(field);
    }
  });

  it('when salary_range.min exceeds max, then 400 naming salary_range.max', async () => {
    const res = await alumni.inject({
      method: 'POST',
      url: '/api/jobs/create',
      payload: jobBody({ salary_range: { min: 200, max: 100, currency: 'EUR', period: 'month' } }),
    });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('salary_range.max');
  });

  it('when the money or the job is malformed, then 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ salary_range: { min: 1, max: 2, currency: 'inr', period: 'year' } }, 'salary_range.currency'],
      [{ salary_range: { min: 1, max: 2, currency: 'INR', period: 'week' } }, 'salary_range.period'],
      [{ salary_range: { min: 1.5, max: 2, currency: 'INR', period: 'year' } }, 'salary_range.min'],
      [{ job_type: 'freelance' }, 'job_type'],
      [{ title: '   ' }, 'title'],
      [{ apply_link: 'javascript:alert(1)' }, 'apply_link'],
      [{ application_deadline: '2001-01-01T00:00:00Z' }, 'application_deadline'],
      [{ experience_required: -1 }, 'experience_required'],
    ];
    for (const [overrides, field] of cases) {
      const res = await alumni.inject({ method: 'POST', url: '/api/jobs/create', payload: jobBody(overrides) });
      expect(res.statusCode, JSON.stringify(overrides)).toBe(400);
      expect(problemOf(res).errors?.[0].field).toBe(field);
    }
  });

  it('when only the required fields are sent, then the optional ones are empty', async () => {
    const res = await recruiter.inject({
      method: 'POST',
      url: '/api/jobs/create',
      payload: { title: 'Intern', description: 'Learn', company: 'Acme', location: 'Pune, India', job_type: 'internship' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      experience_required: 0,
      skills_required: [],
      salary_range: null,
      apply_link: null,
      application_deadline: null,
    });
  });
});

describe('GET /api/jobs/{job_id}', () => {
  it('when someone other than the poster reads a job, then its views_count goes up; the poster’s reads do not count', async () => {
    const job = await postJob(alumni);
    for (const reader of [student, recruiter, student]) {
      expect((await reader.inject({ method: 'GET', url: `/api/jobs/${job.id}` })).statusCode).toBe(200);
    }
    const own = await alumni.inject({ method: 'GET', url: `/api/jobs/${job.id}` });
    expect(own.json().views_count).toBe(3);
    const again = await student.inject({ method: 'GET', url: `/api/jobs/${job.id}` });
    expect(again.json().views_count).toBe(4);
  });

  it('when the job does not exist or the id is malformed, then 404 / 400; anonymous 401', async () => {
    expect((await student.inject({ method: 'GET', url: '/api/jobs/6f1d7a3e-0000-4000-8000-000000000000' })).statusCode).toBe(404);
    const bad = await student.inject({ method: 'GET', url: '/api/jobs/not-a-uuid' });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors?.[0].field).toBe('job_id');
    expect((await t.app.inject({ method: 'GET', url: '/api/jobs/6f1d7a3e-0000-4000-8000-000000000000' })).statusCode).toBe(401);
  });

  it('when the deadline has passed, then the job reads as closed without anyone closing it', async () => {
    const job = await postJob(alumni);
    await expireJob(t, job.id);
    const res = await student.inject({ method: 'GET', url: `/api/jobs/${job.id}` });
    expect(res.json().status).toBe('closed');
  });
});

describe('PUT /api/jobs/{job_id}', () => {
  it('when the poster sends some fields, then only those change', async () => {
    const job = await postJob(recruiter);
    const res = await recruiter.inject({
      method: 'PUT',
      url: `/api/jobs/${job.id}`,
      payload: { title: '  Senior Data Engineer ', skills_required: ['Rust', 'rust', 'Go'], apply_link: null },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      title: 'Senior Data Engineer',
      skills_required: ['Rust', 'Go'],
      apply_link: null,
      company: 'Google',
    });
    expect(Date.parse(res.json().updated_at)).toBeGreaterThan(Date.parse(String(job.updated_at)));
  });

  it('when an admin changes someone else’s job, then it works; another poster or a student is refused', async () => {
    const job = await postJob(alumni);
    expect((await admin.inject({ method: 'PUT', url: `/api/jobs/${job.id}`, payload: { location: 'Remote' } })).json().location).toBe(
      'Remote',
    );
    const other = await recruiter.inject({ method: 'PUT', url: `/api/jobs/${job.id}`, payload: { location: 'X' } });
    expect(other.statusCode).toBe(403);
    expect((await student.inject({ method: 'PUT', url: `/api/jobs/${job.id}`, payload: { bogus: 1 } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'PUT', url: `/api/jobs/${job.id}`, payload: {} })).statusCode).toBe(401);
  });

  it('when the update has min > max or an unknown field, then 400', async () => {
    const job = await postJob(alumni);
    const money = await alumni.inject({
      method: 'PUT',
      url: `/api/jobs/${job.id}`,
      payload: { salary_range: { min: 5, max: 1, currency: 'USD', period: 'hour' } },
    });
    expect(problemOf(money).errors?.[0].field).toBe('salary_range.max');
    const counter = await alumni.inject({ method: 'PUT', url: `/api/jobs/${job.id}`, payload: { views_count: 100 } });
    expect(counter.statusCode).toBe(400);
  });

  it('when the poster closes a job with status and reopens it, then the status follows', async () => {
    const job = await postJob(alumni);
    expect((await alumni.inject({ method: 'PUT', url: `/api/jobs/${job.id}`, payload: { status: 'closed' } })).json().status).toBe(
      'closed',
    );
    expect((await alumni.inject({ method: 'PUT', url: `/api/jobs/${job.id}`, payload: { status: 'active' } })).json().status).toBe(
      'active',
    );
  });
});

describe('POST /api/jobs/{job_id}/close', () => {
  it('when the poster or an admin closes a job, then it is closed and leaves the board', async () => {
    const mine = await postJob(alumni, { company: 'CloseCo' });
    const theirs = await postJob(recruiter, { company: 'CloseCo' });
    expect((await alumni.inject({ method: 'POST', url: `/api/jobs/${mine.id}/close` })).json().status).toBe('closed');
    expect((await admin.inject({ method: 'POST', url: `/api/jobs/${theirs.id}/close` })).json().status).toBe('closed');
    const board = await student.inject({ method: 'GET', url: '/api/jobs?company=closeco' });
    expect(board.json().count).toBe(0);
  });

  it('when someone else closes it, then 403 (poster role) or 403 (student role)', async () => {
    const job = await postJob(alumni);
    expect((await recruiter.inject({ method: 'POST', url: `/api/jobs/${job.id}/close` })).statusCode).toBe(403);
    expect((await student.inject({ method: 'POST', url: `/api/jobs/${job.id}/close` })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: `/api/jobs/${job.id}/close` })).statusCode).toBe(401);
  });
});

describe('DELETE /api/jobs/{job_id}', () => {
  it('when the poster deletes a job, then 204, it reads 404 and leaves every list', async () => {
    const job = await postJob(alumni, { company: 'DeleteCo' });
    const res = await alumni.inject({ method: 'DELETE', url: `/api/jobs/${job.id}` });
    expect(res.statusCode).toBe(204);
    expect((await student.inject({ method: 'GET', url: `/api/jobs/${job.id}` })).statusCode).toBe(404);
    expect((await alumni.inject({ method: 'GET', url: `/api/jobs/${job.id}` })).statusCode).toBe(404);
    expect((await student.inject({ method: 'GET', url: '/api/jobs?company=DeleteCo' })).json().count).toBe(0);
    const dashboard = await alumni.inject({ method: 'GET', url: '/api/recruiter/jobs?limit=100' });
    expect(dashboard.json().results.map((j: { id: string }) => j.id)).not.toContain(job.id);
    expect((await alumni.inject({ method: 'DELETE', url: `/api/jobs/${job.id}` })).statusCode).toBe(404);
    expect((await alumni.inject({ method: 'PUT', url: `/api/jobs/${job.id}`, payload: { title: 'x' } })).statusCode).toBe(404);
  });

  it('when an admin deletes someone’s job, then 204; another poster gets 403 and a student 403', async () => {
    const job = await postJob(recruiter);
    expect((await alumni.inject({ method: 'DELETE', url: `/api/jobs/${job.id}` })).statusCode).toBe(403);
    expect((await student.inject({ method: 'DELETE', url: `/api/jobs/${job.id}` })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/jobs/${job.id}` })).statusCode).toBe(401);
    expect((await admin.inject({ method: 'DELETE', url: `/api/jobs/${job.id}` })).statusCode).toBe(204);
  });
});

describe('OpenAPI', () => {
  it('when the document is generated, then every jobs, applications and recruiter endpoint is in it', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const expected = {
      '/api/jobs/create': ['post'],
      '/api/jobs': ['get'],
      '/api/jobs/{job_id}': ['get', 'put', 'delete'],
      '/api/jobs/{job_id}/close': ['post'],
      '/api/jobs/{job_id}/apply': ['post'],
      '/api/jobs/{job_id}/applications': ['get'],
      '/api/applications/my-applications': ['get'],
      '/api/applications/{app_id}': ['get'],
      '/api/applications/{app_id}/status': ['put'],
      '/api/recruiter/jobs': ['get'],
      '/api/recruiter/analytics': ['get'],
      '/api/recruiter/applications/summary': ['get'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      const alt = path.endsWith('/') ? path.slice(0, -1) : path;
      const item = doc.paths[path] ?? doc.paths[alt];
      expect(item, path).toBeDefined();
      for (const m of methods) expect(item[m]?.tags?.length, `${m} ${path}`).toBeGreaterThan(0);
    }
  });
});
