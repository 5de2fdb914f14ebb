import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, problemOf, type TestApp, type TestUser, apply, postJob } from '../../../test/helpers.js';
import { transitions } from './applications.status.js';
import { applicationStatuses } from './jobs.tables.js';

let t: TestApp;
let poster: TestUser;
let admin: TestUser;
let stranger: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  [poster, admin, stranger] = await Promise.all([t.user('recruiter'), t.user('admin'), t.user('alumni')]);
});
afterAll(() => t?.close());

/** A fresh application by a fresh student to a fresh job of the poster. */
async function freshApplication() {
  const applicant = await t.user('student');
  const job = await postJob(poster);
  const app = await apply(applicant, job.id);
  return { applicant, job, app };
}

const setStatus = (user: TestUser, appId: string, status: string, message?: string) =>
  user.inject({ method: 'PUT', url: `/api/applications/${appId}/status`, payload: { status, ...(message ? { message } : {}) } });

describe('the application status workflow', () => {
  it('when the poster first opens an application, then viewed_at is set once and applied → viewed is recorded', async () => {
    const { applicant, app } = await freshApplication();
    expect((await applicant.inject({ method: 'GET', url: `/api/applications/${app.id}` })).json().viewed_at).toBeNull();
    expect((await admin.inject({ method: 'GET', url: `/api/applications/${app.id}` })).json().viewed_at).toBeNull();
    const first = (await poster.inject({ method: 'GET', url: `/api/applications/${app.id}` })).json();
    expect(first.status).toBe('viewed');
    expect(first.viewed_at).not.toBeNull();
    const again = (await poster.inject({ method: 'GET', url: `/api/applications/${app.id}` })).json();
    expect(again.viewed_at).toBe(first.viewed_at);
    expect(again.history.map((h: { to_status: string }) => h.to_status)).toEqual(['applied', 'viewed']);
  });

  it('when the poster opens it many times at once, then the view is recorded exactly once', async () => {
    const { app } = await freshApplication();
    const reads = await Promise.all(Array.from({ length: 4 }, () => poster.inject({ method: 'GET', url: `/api/applications/${app.id}` })));
    expect(reads.every((r) => r.statusCode === 200)).toBe(true);
    const detail = (await poster.inject({ method: 'GET', url: `/api/applications/${app.id}` })).json();
    expect(detail.history.filter((h: { to_status: string }) => h.to_status === 'viewed')).toHaveLength(1);
  });

  it('when the poster walks the whole pipeline, then each step is kept in the history and e-mailed to the applicant', async () => {
    const { applicant, app } = await freshApplication();
    for (const status of ['shortlisted', 'interview', 'offered', 'hired']) {
      const res = await setStatus(poster, app.id, status, `Now ${status}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ status, response_message: `Now ${status}` });
      await t.inbox.waitFor(applicant.email, (m) => m.subject.endsWith(`: ${status}`) && m.text.includes(`Now ${status}`));
    }
    const detail = (await applicant.inject({ method: 'GET', url: `/api/applications/${app.id}` })).json();
    expect(detail.viewed_at).not.toBeNull();
    expect(detail.history.map((h: { from_status: string | null; to_status: string }) => [h.from_status, h.to_status])).toEqual([
      [null, 'applied'],
      ['applied', 'shortlisted'],
      ['shortlisted', 'interview'],
      ['interview', 'offered'],
      ['offered', 'hired'],
    ]);
    expect(detail.history[1]).toMatchObject({ changed_by: poster.id, message: 'Now shortlisted' });
  });

  it('when an admin rejects an application of someone else’s job, then it is rejected and final', async () => {
    const { app } = await freshApplication();
    expect((await setStatus(admin, app.id, 'rejected', 'Position filled')).json().status).toBe('rejected');
    for (const status of ['viewed', 'shortlisted', 'hired', 'rejected']) {
      const res = await setStatus(poster, app.id, status);
      expect(res.statusCode).toBe(409);
      expect(problemOf(res).code).toBe('conflict');
    }
  });

  it('when a transition is not in the table, then 409 and nothing changes', async () => {
    for (const from of applicationStatuses) {
      expect(transitions[from].includes('applied')).toBe(false);
    }
    const { app } = await freshApplication();
    for (const status of ['applied', 'interview', 'offered', 'hired']) {
      expect((await setStatus(poster, app.id, status)).statusCode, status).toBe(409);
    }
    expect((await setStatus(poster, app.id, 'viewed')).statusCode).toBe(200);
    expect((await setStatus(poster, app.id, 'viewed')).statusCode).toBe(409);
    expect((await setStatus(poster, app.id, 'offered')).statusCode).toBe(409);
    const detail = (await poster.inject({ method: 'GET', url: `/api/applications/${app.id}` })).json();
    expect(detail.status).toBe('viewed');
    expect(detail.history).toHaveLength(2);
  });

  it('when the applicant withdraws, then it is final, no mail goes to them, and only they may withdraw', async () => {
    const { applicant, app } = await freshApplication();
    const byPoster = await setStatus(poster, app.id, 'withdrawn');
    expect(byPoster.statusCode).toBe(403);
    const res = await setStatus(applicant, app.id, 'withdrawn', 'Took another offer');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'withdrawn', response_message: null });
    expect(res.json().history.at(-1)).toMatchObject({ from_status: 'applied', to_status: 'withdrawn', changed_by: applicant.id });
    expect((await setStatus(applicant, app.id, 'withdrawn')).statusCode).toBe(409);
    expect((await setStatus(poster, app.id, 'shortlisted')).statusCode).toBe(409);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.inbox.messages.filter((m) => m.to === applicant.email.toLowerCase())).toHaveLength(0);
  });

  it('when the applicant tries an employer transition, then 403; a stranger gets 404; anonymous 401', async () => {
    const { applicant, app } = await freshApplication();
    expect((await setStatus(applicant, app.id, 'hired')).statusCode).toBe(403);
    expect((await setStatus(applicant, app.id, 'shortlisted')).statusCode).toBe(403);
    expect((await setStatus(stranger, app.id, 'rejected')).statusCode).toBe(404);
    expect((await setStatus(stranger, app.id, 'withdrawn')).statusCode).toBe(404);
    const anonymous = await t.app.inject({ method: 'PUT', url: `/api/applications/${app.id}/status`, payload: { status: 'rejected' } });
    expect(anonymous.statusCode).toBe(401);
  });

  it('when the body is malformed, then 400 naming the field', async () => {
    const { app } = await freshApplication();
    expect(problemOf(await setStatus(poster, app.id, 'promoted')).errors?.[0].field).toBe('status');
    const extra = await poster.inject({
      method: 'PUT',
      url: `/api/applications/${app.id}/status`,
      payload: { status: 'rejected', viewed_at: null },
    });
    expect(problemOf(extra).errors?.[0].field).toBe('viewed_at');
  });

  it('when two status changes race, then one wins and the other is a 409', async () => {
    const { app } = await freshApplication();
    const [a, b] = await Promise.all([setStatus(poster, app.id, 'shortlisted'), setStatus(admin, app.id, 'rejected')]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    const detail = (await poster.inject({ method: 'GET', url: `/api/applications/${app.id}` })).json();
    expect(detail.history).toHaveLength(2);
  });

  it('when the job was deleted, then its applications no longer change but stay readable', async () => {
    const { applicant, job, app } = await freshApplication();
    await poster.inject({ method: 'DELETE', url: `/api/jobs/${job.id}` });
    expect((await setStatus(poster, app.id, 'shortlisted')).statusCode).toBe(409);
    expect((await applicant.inject({ method: 'GET', url: `/api/applications/${app.id}` })).json().status).toBe('applied');
  });
});
