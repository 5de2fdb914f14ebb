import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  problemOf,
  type TestApp,
  type TestUser,
  apply,
  applyWithFile,
  expireJob,
  multipart,
  PDF,
  PNG,
  postJob,
} from '../../../test/helpers.js';

let t: TestApp;
let poster: TestUser;
let otherPoster: TestUser;
let admin: TestUser;
let student: TestUser;
let alumniApplicant: TestUser;
let recruiter: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  [poster, otherPoster, admin, student, alumniApplicant, recruiter] = await Promise.all(
    (['alumni', 'alumni', 'admin', 'student', 'alumni', 'recruiter'] as const).map((r) => t.user(r)),
  );
});
afterAll(() => t?.close());

const applyUrl = (jobId: string) => `/api/jobs/${jobId}/apply`;

describe('POST /api/jobs/{job_id}/apply', () => {
  it('when a student uploads a CV with a cover letter, then 201, the counter moves and the poster is e-mailed', async () => {
    const job = await postJob(poster);
    const res = await applyWithFile(student, job.id, 'Hello there');
    expect(res.statusCode, res.body).toBe(201);
    const app = res.json();
    expect(app).toMatchObject({
      job_id: job.id,
      applicant_id: student.id,
      status: 'applied',
      cover_letter: 'Hello there',
      viewed_at: null,
    });
    expect(app.job).toMatchObject({ id: job.id, title: job.title, is_deleted: false });
    expect(app.cv_key).toBeUndefined();
    expect(app.cv_url).toMatch(/^http:\/\/cohort\.test\/api\/files\/cvs\/[0-9a-f-]{36}\.pdf\?expires=\d+&signature=/);
    const file = await t.app.inject({ method: 'GET', url: app.cv_url.replace('http://cohort.test', '') });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(PDF)).toBe(true);
    expect((await poster.inject({ method: 'GET', url: `/api/jobs/${job.id}` })).json().applications_count).toBe(1);
    const mail = await t.inbox.waitFor(poster.email, (m) => m.subject.includes(job.title));
    expect(mail.text).toContain(student.name);
  });

  it('when the file comes before the cover letter in the form, then both are read', async () => {
    const job = await postJob(poster);
    const form = multipart({}, { data: PDF });
    const body = Buffer.concat([
      form.payload.subarray(0, form.payload.length - Buffer.byteLength(`--${form.headers['content-type'].split('boundary=')[1]}--\r\n`)),
      Buffer.from(
        `--${form.headers['content-type'].split('boundary=')[1]}\r\nContent-Disposition: form-data; name="cover_letter"\r\n\r\nAfter the file\r\n`,
      ),
      Buffer.from(`--${form.headers['content-type'].split('boundary=')[1]}--\r\n`),
    ]);
    const res = await alumniApplicant.inject({ method: 'POST', url: applyUrl(job.id), payload: body, headers: form.headers });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().cover_letter).toBe('After the file');
  });

  it('when the applicant has a CV on their profile and sends JSON, then that CV is used (as a copy)', async () => {
    const job = await postJob(poster);
    const applicant = await t.user('student');
    const key = `cvs/${randomUUID()}.pdf`;
    await t.app.ctx.storage.put(key, PDF, 'application/pdf');
    await t.database.db.execute(sql`INSERT INTO profiles (user_id, name, cv_key) VALUES (${applicant.id}, ${applicant.name}, ${key})`);
    const res = await applicant.inject({
      method: 'POST',
      url: applyUrl(job.id),
      payload: { cover_letter: 'Profile CV please', use_profile_cv: true },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().cv_url).not.toContain(key);
    const file = await t.app.inject({ method: 'GET', url: res.json().cv_url.replace('http://cohort.test', '') });
    expect(file.rawPayload.equals(PDF)).toBe(true);
  });

  it('when no CV is available anywhere, then 400 naming cv', async () => {
    const job = await postJob(poster);
    const applicant = await t.user('student');
    for (const payload of [{ cover_letter: 'No CV' }, { use_profile_cv: false }]) {
      const res = await applicant.inject({ method: 'POST', url: applyUrl(job.id), payload });
      expect(res.statusCode).toBe(400);
      expect(problemOf(res).errors?.[0].field).toBe('cv');
    }
    const form = await applicant.inject({ method: 'POST', url: applyUrl(job.id), ...multipart({ cover_letter: 'x' }) });
    expect(problemOf(form).errors?.[0].field).toBe('cv');
  });

  it('when the upload is not a PDF or DOCX, then 415; when it is over 5 MB, then 413; nothing is applied', async () => {
    const job = await postJob(poster);
    const applicant = await t.user('student');
    const png = await applicant.inject({ method: 'POST', url: applyUrl(job.id), ...multipart({}, { data: PNG, filename: 'cv.pdf' }) });
    expect(png.statusCode).toBe(415);
    expect(problemOf(png).code).toBe('unsupported_media_type');
    const big = Buffer.concat([PDF, Buffer.alloc(5 * 1024 * 1024)]);
    const large = await applicant.inject({ method: 'POST', url: applyUrl(job.id), ...multipart({}, { data: big }) });
    expect(large.statusCode).toBe(413);
    expect(problemOf(large).code).toBe('payload_too_large');
    expect((await poster.inject({ method: 'GET', url: `/api/jobs/${job.id}` })).json().applications_count).toBe(0);
  });

  it('when the body carries unknown properties, then 400 naming them (JSON and multipart)', async () => {
    const job = await postJob(poster);
    const json = await student.inject({ method: 'POST', url: applyUrl(job.id), payload: { status: 'hired' } });
    expect(problemOf(json).errors?.[0].field).toBe('status');
    const form = await student.inject({ method: 'POST', url: applyUrl(job.id), ...multipart({ status: 'hired' }, { data: PDF }) });
    expect(problemOf(form).errors?.[0].field).toBe('status');
  });

  it('when a recruiter, a faculty member or an admin applies, then 403; anonymous 401', async () => {
    const job = await postJob(poster);
    const faculty = await t.user('faculty');
    for (const user of [recruiter, faculty, admin]) {
      const res = await user.inject({ method: 'POST', url: applyUrl(job.id), payload: { bogus: 1 } });
      expect(res.statusCode).toBe(403);
    }
    expect((await t.app.inject({ method: 'POST', url: applyUrl(job.id), payload: {} })).statusCode).toBe(401);
  });

  it('when the poster applies to their own job, then 403', async () => {
    const job = await postJob(poster);
    const res = await applyWithFile(poster, job.id);
    expect(res.statusCode).toBe(403);
  });

  it('when the job is closed or past its deadline, then 409; when deleted or unknown, then 404', async () => {
    const closed = await postJob(poster);
    await poster.inject({ method: 'POST', url: `/api/jobs/${closed.id}/close` });
    expect((await applyWithFile(student, closed.id)).statusCode).toBe(409);
    const expired = await postJob(poster);
    await expireJob(t, expired.id);
    const res = await applyWithFile(student, expired.id);
    expect(res.statusCode).toBe(409);
    expect(problemOf(res).code).toBe('conflict');
    const deleted = await postJob(poster);
    await poster.inject({ method: 'DELETE', url: `/api/jobs/${deleted.id}` });
    expect((await applyWithFile(student, deleted.id)).statusCode).toBe(404);
    expect((await applyWithFile(student, randomUUID())).statusCode).toBe(404);
  });

  it('when someone applies twice, then 409 already_applied', async () => {
    const job = await postJob(poster);
    await apply(student, job.id);
    const res = await applyWithFile(student, job.id);
    expect(res.statusCode).toBe(409);
    expect(problemOf(res).code).toBe('already_applied');
  });

  it('when the same student sends two applications at once, then exactly one exists and the count is 1', async () => {
    const job = await postJob(poster);
    const applicant = await t.user('student');
    const results = await Promise.all(Array.from({ length: 4 }, () => applyWithFile(applicant, job.id)));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    expect(results.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'already_applied')).toBe(true);
    expect((await poster.inject({ method: 'GET', url: `/api/jobs/${job.id}` })).json().applications_count).toBe(1);
    const list = await poster.inject({ method: 'GET', url: `/api/jobs/${job.id}/applications` });
    expect(list.json().results).toHaveLength(1);
  });

  it('when several students apply at once, then the count equals the applications', async () => {
    const job = await postJob(poster);
    const applicants = await Promise.all(Array.from({ length: 5 }, () => t.user('student')));
    const results = await Promise.all(applicants.map((a) => applyWithFile(a, job.id)));
    expect(results.every((r) => r.statusCode === 201)).toBe(true);
    expect((await poster.inject({ method: 'GET', url: `/api/jobs/${job.id}` })).json().applications_count).toBe(5);
  });
});

describe('GET /api/jobs/{job_id}/applications', () => {
  it('when the poster or an admin lists, then they see the applications newest first, filterable by status', async () => {
    const job = await postJob(poster);
    const first = await apply(student, job.id);
    const second = await apply(alumniApplicant, job.id);
    for (const user of [poster, admin]) {
      const res = await user.inject({ method: 'GET', url: `/api/jobs/${job.id}/applications?limit=1` });
      expect(res.statusCode).toBe(200);
      expect(res.json().results.map((a: { id: string }) => a.id)).toEqual([second.id]);
      const next = await user.inject({ method: 'GET', url: `/api/jobs/${job.id}/applications?limit=1&cursor=${res.json().next_cursor}` });
      expect(next.json()).toMatchObject({
        results: [{ id: first.id, applicant: { id: student.id, email: student.email } }],
        next_cursor: null,
      });
    }
    const filtered = await poster.inject({ method: 'GET', url: `/api/jobs/${job.id}/applications?status=hired` });
    expect(filtered.json().results).toEqual([]);
    const bad = await poster.inject({ method: 'GET', url: `/api/jobs/${job.id}/applications?status=nope` });
    expect(problemOf(bad).errors?.[0].field).toBe('status');
  });

  it('when another poster asks, then 404; a student 403; anonymous 401', async () => {
    const job = await postJob(poster);
    expect((await otherPoster.inject({ method: 'GET', url: `/api/jobs/${job.id}/applications` })).statusCode).toBe(404);
    expect((await recruiter.inject({ method: 'GET', url: `/api/jobs/${job.id}/applications` })).statusCode).toBe(404);
    expect((await student.inject({ method: 'GET', url: `/api/jobs/${job.id}/applications` })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: `/api/jobs/${job.id}/applications` })).statusCode).toBe(401);
  });
});

describe('GET /api/applications/my-applications and /{app_id}', () => {
  it('when the applicant lists their applications, then only theirs appear, newest first', async () => {
    const applicant = await t.user('student');
    const jobA = await postJob(poster);
    const jobB = await postJob(otherPoster);
    const a = await apply(applicant, jobA.id);
    const b = await apply(applicant, jobB.id);
    await apply(student, jobA.id);
    const res = await applicant.inject({ method: 'GET', url: '/api/applications/my-applications' });
    expect(res.statusCode).toBe(200);
    expect(res.json().results.map((r: { id: string }) => r.id)).toEqual([b.id, a.id]);
    expect((await t.app.inject({ method: 'GET', url: '/api/applications/my-applications' })).statusCode).toBe(401);
    expect((await recruiter.inject({ method: 'GET', url: '/api/applications/my-applications' })).json().results).toEqual([]);
  });

  it('when the job is deleted, then the applicant still reads the application with the job title and company', async () => {
    const applicant = await t.user('alumni');
    const job = await postJob(poster, { title: 'Soon gone', company: 'Vanish Inc' });
    const app = await apply(applicant, job.id);
    expect((await poster.inject({ method: 'DELETE', url: `/api/jobs/${job.id}` })).statusCode).toBe(204);
    const mine = await applicant.inject({ method: 'GET', url: '/api/applications/my-applications' });
    expect(mine.json().results[0]).toMatchObject({
      id: app.id,
      job: { title: 'Soon gone', company: 'Vanish Inc', is_deleted: true, status: 'active' },
    });
    const one = await applicant.inject({ method: 'GET', url: `/api/applications/${app.id}` });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({
      job: { title: 'Soon gone', is_deleted: true },
      history: [{ from_status: null, to_status: 'applied' }],
    });
    expect((await poster.inject({ method: 'GET', url: `/api/jobs/${job.id}/applications` })).statusCode).toBe(404);
  });

  it('when the applicant, the poster or an admin reads an application, then 200; anyone else 404', async () => {
    const job = await postJob(poster);
    const applicant = await t.user('student');
    const app = await apply(applicant, job.id);
    for (const user of [applicant, admin, poster]) {
      expect((await user.inject({ method: 'GET', url: `/api/applications/${app.id}` })).statusCode).toBe(200);
    }
    for (const user of [student, otherPoster, recruiter]) {
      const res = await user.inject({ method: 'GET', url: `/api/applications/${app.id}` });
      expect(res.statusCode).toBe(404);
    }
    expect((await student.inject({ method: 'GET', url: `/api/applications/${randomUUID()}` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/api/applications/${app.id}` })).statusCode).toBe(401);
  });
});
