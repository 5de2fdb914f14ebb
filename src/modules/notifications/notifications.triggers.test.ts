import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apply,
  createTestApp,
  listOf,
  member,
  postJob,
  setPreferences,
  settle,
  waitForNotifications,
  type TestApp,
  type TestUser,
} from '../../../test/helpers.js';
import { auditLog } from '../audit/audit.tables.js';
import { runJobMatches } from './notifications.job-match.js';
import { jobMatchQueue } from './notifications.tables.js';

let t: TestApp;
let admin: TestUser;
let poster: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.user('admin');
  poster = await t.user('recruiter');
});
afterAll(() => t?.close());

const auditOf = (targetId: string) =>
  t.app.ctx.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.target_id, targetId), eq(auditLog.admin_id, admin.id)))
    .orderBy(auditLog.created_at);

const mailsTo = (user: TestUser, match: (subject: string) => boolean = () => true) =>
  t.inbox.messages.filter((m) => m.to === user.email.toLowerCase() && match(m.subject));

describe('triggers', () => {
  it('when someone applies, then the poster gets exactly one notification linking the application, and one mail', async () => {
    const job = await postJob(poster);
    const student = await t.user('student');
    const application = await apply(student, job.id);
    const [n] = await waitForNotifications(poster, 'application.received');
    expect(n).toMatchObject({ title: `New application for ${job.title}`, link: `/applications/${application.id}`, is_read: false });
    expect(n.message).toContain(student.name);
    await t.inbox.waitFor(poster.email, (m) => m.subject === n.title);
    await settle(1000);
    expect((await listOf(poster)).results.filter((x) => x.type === 'application.received' && x.link === n.link)).toHaveLength(1);
    expect(mailsTo(poster, (s) => s === n.title)).toHaveLength(1);
    expect((await listOf(student)).results).toHaveLength(0);
  });

  it('when the poster changes the status, then the applicant alone is told, with the poster’s message; the automatic "viewed" tells nobody', async () => {
    const job = await postJob(poster);
    const applicant = await t.user('student');
    const application = await apply(applicant, job.id);
    // The poster's first read moves it to viewed (automatic: decision record 051).
    expect((await poster.inject({ method: 'GET', url: `/api/applications/${application.id}` })).json().status).toBe('viewed');
    const res = await poster.inject({
      method: 'PUT',
      url: `/api/applications/${application.id}/status`,
      payload: { status: 'shortlisted', message: 'See you soon' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const found = await waitForNotifications(applicant, 'application.status_changed');
    await settle(1000);
    const all = (await listOf(applicant)).results.filter((n) => n.type === 'application.status_changed');
    expect(all).toHaveLength(1);
    expect(found[0]).toMatchObject({ title: `Your application for ${job.title}: shortlisted`, link: `/applications/${application.id}` });
    expect(found[0].message).toContain('See you soon');
    expect((await listOf(poster)).results.filter((n) => n.type === 'application.status_changed')).toHaveLength(0);
  });

  it('when an admin moves an application with response_message, then the applicant is told with it and the move is in the audit log', async () => {
    const job = await postJob(poster);
    const applicant = await t.user('student');
    const application = await apply(applicant, job.id);
    const res = await admin.inject({
      method: 'PUT',
      url: `/api/applications/${application.id}/status`,
      payload: { status: 'rejected', response_message: 'The role was filled' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const [n] = await waitForNotifications(applicant, 'application.status_changed');
    expect(n).toMatchObject({ title: `Your application for ${job.title}: rejected`, link: `/applications/${application.id}` });
    expect(n.message).toContain('The role was filled');
    expect(await auditOf(application.id)).toEqual([
      expect.objectContaining({
        action_type: 'application.status',
        target_type: 'application',
        metadata: { from: 'applied', to: 'rejected' },
      }),
    ]);
  });

  it('when an admin approves or rejects a verification, then the member gets one notification each time, naming the reason', async () => {
    const user = await member(t);
    expect((await user.inject({ method: 'POST', url: '/api/profiles/me/request-verification' })).statusCode).toBe(202);
    expect(
      (await admin.inject({ method: 'POST', url: `/api/admin/profiles/reject/${user.id}`, payload: { reason: 'Batch year missing' } }))
        .statusCode,
    ).toBe(200);
    const [rejected] = await waitForNotifications(user, 'profile.verification_decided');
    expect(rejected).toMatchObject({ title: 'Your profile verification was declined', link: `/profiles/${user.id}`, priority: 'high' });
    expect(rejected.message).toContain('Batch year missing');
    expect((await user.inject({ method: 'POST', url: '/api/profiles/me/request-verification' })).statusCode).toBe(202);
    expect((await admin.inject({ method: 'POST', url: `/api/admin/profiles/verify/${user.id}` })).statusCode).toBe(200);
    const both = await waitForNotifications(user, 'profile.verification_decided', 2);
    expect(both.map((n) => n.title)).toEqual(['Your profile is verified', 'Your profile verification was declined']);
    // The decisions are admin writes: each is in the audit log, written with the decision.
    expect((await auditOf(user.id)).map((e) => [e.action_type, e.metadata])).toEqual([
      ['profile.reject', { reason: 'Batch year missing' }],
      ['profile.verify', {}],
    ]);
    expect((await listOf(admin)).results).toHaveLength(0);
  });

  it('when jobs matching a member’s skills are posted, then the hourly run gathers them in one notification a day, and one mail', async () => {
    const fan = await member(t, { skills: ['Rust', 'Go'] });
    const other = await member(t, { skills: ['Cooking'] });
    const first = await postJob(poster, { skills_required: ['rust'] });
    const [n] = await runUntil(fan, (found) => found.length > 0);
    expect(n).toMatchObject({ link: `/jobs/${first.id}`, title: `New job matching your skills: ${first.title}`, is_read: false });
    await fan.inject({ method: 'PUT', url: `/api/notifications/${n.id}/read` });

    const second = await postJob(poster, { skills_required: ['Go', 'Kubernetes'] });
    const [current] = await runUntil(fan, ([x]) => (x.metadata.job_ids as string[]).length === 2);
    expect(current).toMatchObject({ id: n.id, title: '2 new jobs match your skills', link: '/jobs', is_read: false });
    expect(current.metadata.job_ids).toEqual([first.id, second.id]);

    await runJobMatches(t.app.ctx); // a second run with nothing queued changes nothing
    await settle(500);
    expect((await listOf(fan)).results.filter((x) => x.type === 'job.matching')).toHaveLength(1);
    expect(mailsTo(fan, (s) => s.startsWith('New job matching'))).toHaveLength(1);
    expect((await listOf(other)).results).toHaveLength(0);
    expect((await listOf(poster)).results.filter((x) => x.type === 'job.matching')).toHaveLength(0);
  });

  it('when posting a job, then nobody is notified before the run, and the posting writes one queue row, not one per match', async () => {
    const fans = await Promise.all([1, 2, 3].map(() => member(t, { skills: ['Elixir'] })));
    const job = await postJob(poster, { skills_required: ['elixir'] });
    await waitUntilQueued(job.id);
    for (const fan of fans) expect((await listOf(fan)).results).toHaveLength(0);
    await runJobMatches(t.app.ctx);
    for (const fan of fans) expect((await listOf(fan)).results.map((x) => x.link)).toEqual([`/jobs/${job.id}`]);
  });

  it('when two runs race, or a person has in-app notifications off, then still one notification and one mail a day', async () => {
    const fan = await member(t, { skills: ['Haskell'] });
    const mailOnly = await member(t, { skills: ['Haskell'] });
    await setPreferences(mailOnly, { notification_types: { 'job.matching': { in_app: false } } });
    for (const title of ['Haskell dev', 'Haskell lead']) {
      const job = await postJob(poster, { title, skills_required: ['haskell'] });
      await waitUntilQueued(job.id);
      await Promise.all([runJobMatches(t.app.ctx), runJobMatches(t.app.ctx)]);
    }
    const [n] = (await listOf(fan)).results;
    expect(n).toMatchObject({ type: 'job.matching', title: '2 new jobs match your skills' });
    expect((await listOf(fan)).results).toHaveLength(1);
    expect((await listOf(mailOnly)).results).toHaveLength(0);
    await t.inbox.waitFor(mailOnly.email, (m) => m.subject.startsWith('New job matching'));
    await settle(500);
    expect(mailsTo(fan, (s) => s.startsWith('New job matching'))).toHaveLength(1);
    expect(mailsTo(mailOnly, (s) => s.startsWith('New job matching'))).toHaveLength(1);
  });

  it('when the jobs of a pending match vanish before delivery, then a later match that day still makes the first notification', async () => {
    const fan = await member(t, { skills: ['Erlang'] });
    await t.app.ctx.db.execute(
      sql`INSERT INTO job_match_recipients (day, user_id, job_ids) VALUES ((now() AT TIME ZONE 'UTC')::date, ${fan.id}, ARRAY[gen_random_uuid()])`,
    );
    await runJobMatches(t.app.ctx);
    expect((await listOf(fan)).results).toHaveLength(0);
    const job = await postJob(poster, { skills_required: ['erlang'] });
    const [n] = await runUntil(fan, (found) => found.length > 0);
    expect(n).toMatchObject({ link: `/jobs/${job.id}`, title: `New job matching your skills: ${job.title}` });
  });
});

/** Runs the job-match run until `done` holds for the person's job-match notifications (the event reaches the queue within a second). */
async function runUntil(user: TestUser, done: (found: Awaited<ReturnType<typeof listOf>>['results']) => boolean) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await runJobMatches(t.app.ctx);
    const found = (await listOf(user)).results.filter((x) => x.type === 'job.matching');
    if (done(found)) return found;
    if (Date.now() > deadline) throw new Error(`job-match notifications of ${user.email}: ${JSON.stringify(found)}`);
    await settle(50);
  }
}

async function waitUntilQueued(jobId: string) {
  const deadline = Date.now() + 10_000;
  while ((await t.app.ctx.db.select().from(jobMatchQueue).where(eq(jobMatchQueue.job_id, jobId))).length === 0) {
    if (Date.now() > deadline) throw new Error(`job ${jobId} never queued for matching`);
    await settle(50);
  }
}

describe('preferences decide in-app and e-mail separately', () => {
  it('when in-app is off for a type, then no notification is stored but the mail goes; when e-mail is off, the reverse', async () => {
    const noInApp = await t.user('recruiter');
    const noEmail = await t.user('recruiter');
    await setPreferences(noInApp, { notification_types: { 'application.received': { in_app: false } } });
    await setPreferences(noEmail, { notification_types: { 'application.received': { email: false } } });
    const [jobA, jobB] = [await postJob(noInApp), await postJob(noEmail)];
    const student = await t.user('student');
    await apply(student, jobA.id);
    await apply(student, jobB.id);
    await t.inbox.waitFor(noInApp.email, (m) => m.subject.includes(jobA.title));
    await waitForNotifications(noEmail, 'application.received');
    await settle(1500);
    expect((await listOf(noInApp)).results).toHaveLength(0);
    expect(mailsTo(noEmail)).toHaveLength(0);
  });

  it('when e-mail notifications are off altogether, then no notification mail goes, but account mail still does', async () => {
    const quiet = await t.user('recruiter');
    await setPreferences(quiet, { email_notifications: false });
    const job = await postJob(quiet);
    await apply(await t.user('student'), job.id);
    await waitForNotifications(quiet, 'application.received');
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/forgot-password', payload: { email: quiet.email } })).statusCode).toBe(
      202,
    );
    await t.inbox.waitFor(quiet.email, (m) => /reset/i.test(m.subject));
    await settle(1000);
    expect(mailsTo(quiet, (s) => !/reset/i.test(s))).toHaveLength(0);
  });
});
