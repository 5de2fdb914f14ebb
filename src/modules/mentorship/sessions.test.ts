import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  becomeMentor,
  createTestApp,
  inDays,
  pairMentorship,
  problemOf,
  recordEvents,
  scheduleSession,
  startSessionInPast,
  type TestApp,
  type TestUser,
} from '../../../test/helpers.js';
import { REMINDER_QUEUE, sendSessionReminder } from './sessions.service.js';

let t: TestApp;
let mentor: TestUser;
let mentee: TestUser;
let stranger: TestUser;
let mentorshipId: string;
beforeAll(async () => {
  t = await createTestApp();
  [mentor, mentee, stranger] = await Promise.all((['alumni', 'student', 'student'] as const).map((r) => t.user(r)));
  await becomeMentor(mentor, { max_mentees: 10 });
  mentorshipId = await pairMentorship(mentor, mentee);
});
afterAll(() => t?.close());

const sessionUrl = (id: string, action = '') => `/api/mentorship/sessions/${id}${action ? `/${action}` : ''}`;

/** Reminder jobs queued for a session, read from pg-boss's table. */
const queuedReminders = async (sessionId: string) =>
  (
    await t.database.db.execute<{ start_after: Date; data: { scheduledDate: string } }>(
      sql`SELECT start_after, data FROM pgboss.job WHERE name = ${REMINDER_QUEUE} AND data->>'sessionId' = ${sessionId} ORDER BY start_after`,
    )
  ).rows;

describe('POST /api/mentorship/{mentorship_id}/schedule', () => {
  it('when either participant schedules, then 201 scheduled, an event naming both, and a reminder queued 24 h before', async () => {
    const events = recordEvents(t);
    const when = inDays(3);
    const session = await scheduleSession(mentee, mentorshipId, { scheduled_date: when, duration: 60, agenda: 'CV review' });
    expect(session).toMatchObject({
      status: 'scheduled',
      duration: 60,
      mentor_id: mentor.id,
      student_id: mentee.id,
      agenda: 'CV review',
      notes: null,
    });
    expect(events.of('mentorship.session_scheduled')).toEqual([
      { sessionId: session.id, mentorshipId, mentorId: mentor.id, studentId: mentee.id, scheduledDate: when, byUserId: mentee.id },
    ]);
    events.restore();
    const reminders = await queuedReminders(session.id);
    expect(reminders).toHaveLength(1);
    expect(new Date(reminders[0].start_after).getTime()).toBe(Date.parse(when) - 86_400_000);
    await scheduleSession(mentor, mentorshipId);
  });

  it('when the date is past, the duration out of range or the link not http(s), then 400 naming the field', async () => {
    for (const [payload, field] of [
      [{ scheduled_date: inDays(-1), duration: 30 }, 'scheduled_date'],
      [{ scheduled_date: 'tomorrow', duration: 30 }, 'scheduled_date'],
      [{ scheduled_date: inDays(1), duration: 10 }, 'duration'],
      [{ scheduled_date: inDays(1), duration: 241 }, 'duration'],
      [{ scheduled_date: inDays(1), duration: 30, meeting_link: 'javascript:alert(1)' }, 'meeting_link'],
      [{ scheduled_date: inDays(1), duration: 30, status: 'completed' }, 'status'],
    ] as const) {
      const res = await mentee.inject({ method: 'POST', url: `/api/mentorship/${mentorshipId}/schedule`, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(problemOf(res).errors?.[0].field).toBe(field);
    }
  });

  it('when someone outside the pair schedules, then 404; anonymous 401; after the mentorship ended, 409', async () => {
    const body = { scheduled_date: inDays(2), duration: 30 };
    expect((await stranger.inject({ method: 'POST', url: `/api/mentorship/${mentorshipId}/schedule`, payload: body })).statusCode).toBe(
      404,
    );
    expect((await t.app.inject({ method: 'POST', url: `/api/mentorship/${mentorshipId}/schedule`, payload: body })).statusCode).toBe(401);
    const other = await t.user('student');
    const ended = await pairMentorship(mentor, other);
    await other.inject({ method: 'POST', url: `/api/mentorship/${ended}/end` });
    expect((await other.inject({ method: 'POST', url: `/api/mentorship/${ended}/schedule`, payload: body })).statusCode).toBe(409);
  });
});

describe('the 24 h reminder', () => {
  it('when the reminder job runs twice, then one reminder; after a reschedule, the old job does nothing and the new one reminds once', async () => {
    const first = inDays(5);
    const session = await scheduleSession(mentee, mentorshipId, { scheduled_date: first });
    const events = recordEvents(t);
    await sendSessionReminder(t.app.ctx, { sessionId: session.id, scheduledDate: first });
    await sendSessionReminder(t.app.ctx, { sessionId: session.id, scheduledDate: first });
    expect(events.of('mentorship.session_reminder').filter((e) => e.sessionId === session.id)).toHaveLength(1);

    const second = inDays(6);
    const moved = await mentor.inject({ method: 'PUT', url: sessionUrl(session.id), payload: { scheduled_date: second } });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(events.of('mentorship.session_changed').at(-1)).toMatchObject({
      previousDate: first,
      scheduledDate: second,
      byUserId: mentor.id,
    });
    expect((await queuedReminders(session.id)).map((r) => r.data.scheduledDate)).toEqual([first, second]);
    await sendSessionReminder(t.app.ctx, { sessionId: session.id, scheduledDate: first });
    await sendSessionReminder(t.app.ctx, { sessionId: session.id, scheduledDate: second });
    await sendSessionReminder(t.app.ctx, { sessionId: session.id, scheduledDate: second });
    const reminders = events.of('mentorship.session_reminder').filter((e) => e.sessionId === session.id);
    expect(reminders.map((e) => e.scheduledDate)).toEqual([first, second]);
    expect(reminders[1]).toMatchObject({ mentorId: mentor.id, studentId: mentee.id, byUserId: null });
    events.restore();
  });

  it('when the session is cancelled, then its reminder does nothing', async () => {
    const when = inDays(4);
    const session = await scheduleSession(mentee, mentorshipId, { scheduled_date: when });
    await mentee.inject({ method: 'POST', url: sessionUrl(session.id, 'cancel') });
    const events = recordEvents(t);
    await sendSessionReminder(t.app.ctx, { sessionId: session.id, scheduledDate: when });
    expect(events.of('mentorship.session_reminder')).toHaveLength(0);
    events.restore();
  });
});

describe('listing, changing, cancelling and completing', () => {
  it('when listing upcoming and past, then each holds the right sessions in the right order, for both participants only', async () => {
    const pairId = await pairMentorship(mentor, await t.user('student'));
    const later = await scheduleSession(mentor, pairId, { scheduled_date: inDays(9) });
    const sooner = await scheduleSession(mentor, pairId, { scheduled_date: inDays(8) });
    const held = await scheduleSession(mentor, pairId, { scheduled_date: inDays(7) });
    await startSessionInPast(t, held.id);
    const upcoming = await mentor.inject({ method: 'GET', url: `/api/mentorship/sessions?when=upcoming&mentorship_id=${pairId}&limit=1` });
    const next = await mentor.inject({
      method: 'GET',
      url: `/api/mentorship/sessions?when=upcoming&mentorship_id=${pairId}&limit=1&cursor=${upcoming.json().next_cursor}`,
    });
    expect([upcoming.json().results[0].id, next.json().results[0].id]).toEqual([sooner.id, later.id]);
    const past = await mentor.inject({ method: 'GET', url: `/api/mentorship/sessions?when=past&mentorship_id=${pairId}` });
    expect(past.json().results.map((s: any) => s.id)).toEqual([held.id]);
    const none = await stranger.inject({ method: 'GET', url: `/api/mentorship/sessions?mentorship_id=${pairId}` });
    expect(none.json().results).toEqual([]);
    expect((await mentor.inject({ method: 'GET', url: '/api/mentorship/sessions?when=soon' })).statusCode).toBe(400);
  });

  it('when a participant edits, then only the fields sent change; a stranger 404; a past date 400', async () => {
    const session = await scheduleSession(mentee, mentorshipId);
    const res = await mentee.inject({ method: 'PUT', url: sessionUrl(session.id), payload: { duration: 90 } });
    expect(res.json()).toMatchObject({ duration: 90, meeting_link: session.meeting_link, scheduled_date: session.scheduled_date });
    expect((await stranger.inject({ method: 'PUT', url: sessionUrl(session.id), payload: { duration: 30 } })).statusCode).toBe(404);
    const past = await mentee.inject({ method: 'PUT', url: sessionUrl(session.id), payload: { scheduled_date: inDays(-1) } });
    expect(problemOf(past).errors?.[0].field).toBe('scheduled_date');
  });

  it('when a session has not started, then completing it is 409; after its start it completes once and counts for the mentor', async () => {
    const session = await scheduleSession(mentee, mentorshipId);
    expect((await mentor.inject({ method: 'POST', url: sessionUrl(session.id, 'complete') })).statusCode).toBe(409);
    await startSessionInPast(t, session.id);
    const before = (await mentee.inject({ method: 'GET', url: `/api/mentors/${mentor.id}` })).json().total_sessions;
    const done = await mentee.inject({ method: 'POST', url: sessionUrl(session.id, 'complete') });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ status: 'completed', completed_at: expect.any(String) });
    expect((await mentor.inject({ method: 'POST', url: sessionUrl(session.id, 'complete') })).statusCode).toBe(409);
    expect((await mentee.inject({ method: 'PUT', url: sessionUrl(session.id), payload: { duration: 30 } })).statusCode).toBe(409);
    expect((await mentee.inject({ method: 'GET', url: `/api/mentors/${mentor.id}` })).json().total_sessions).toBe(before + 1);
    expect((await stranger.inject({ method: 'POST', url: sessionUrl(session.id, 'complete') })).statusCode).toBe(404);
  });

  it('when a session is cancelled, then it cannot be cancelled or completed again', async () => {
    const session = await scheduleSession(mentor, mentorshipId);
    const res = await mentor.inject({ method: 'POST', url: sessionUrl(session.id, 'cancel'), payload: { reason: 'Travel' } });
    expect(res.json()).toMatchObject({ status: 'cancelled', cancelled_at: expect.any(String) });
    expect((await mentee.inject({ method: 'POST', url: sessionUrl(session.id, 'cancel') })).statusCode).toBe(409);
    expect((await stranger.inject({ method: 'POST', url: sessionUrl(session.id, 'cancel') })).statusCode).toBe(404);
  });
});

describe('feedback and rating', () => {
  const completedSession = async (mentorUser: TestUser, pairId: string) => {
    const session = await scheduleSession(mentorUser, pairId);
    await startSessionInPast(t, session.id);
    await mentorUser.inject({ method: 'POST', url: sessionUrl(session.id, 'complete') });
    return session.id;
  };

  it('when mentees rate 5, 4 and 4, then the mentor reads 4.33 over 3 ratings; a second feedback on a session is 409', async () => {
    const rated = await t.user('faculty');
    await becomeMentor(rated, { max_mentees: 5 });
    const [a, b] = [await t.user('student'), await t.user('alumni')];
    const pa = await pairMentorship(rated, a);
    const pb = await pairMentorship(rated, b);
    const s1 = await completedSession(rated, pa);
    const s2 = await completedSession(rated, pa);
    const s3 = await completedSession(rated, pb);
    const events = recordEvents(t);
    const first = await a.inject({ method: 'POST', url: sessionUrl(s1, 'feedback'), payload: { rating: 5, feedback: 'Great' } });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ rating: 5, feedback: 'Great', feedback_at: expect.any(String) });
    expect(events.of('mentorship.feedback_received')).toMatchObject([{ sessionId: s1, mentorId: rated.id, studentId: a.id, rating: 5 }]);
    events.restore();
    expect((await rated.inject({ method: 'GET', url: `/api/mentors/${rated.id}` })).json().rating).toBe(5);
    await a.inject({ method: 'POST', url: sessionUrl(s2, 'feedback'), payload: { rating: 4 } });
    await b.inject({ method: 'POST', url: sessionUrl(s3, 'feedback'), payload: { rating: 4, feedback: 'Good' } });
    const card = (await a.inject({ method: 'GET', url: `/api/mentors/${rated.id}` })).json();
    expect(card).toMatchObject({ rating: 4.33, ratings_count: 3, total_sessions: 3 });
    const twice = await Promise.all(
      [1, 2, 3].map(() => a.inject({ method: 'POST', url: sessionUrl(s1, 'feedback'), payload: { rating: 1 } })),
    );
    expect(twice.map((r) => r.statusCode)).toEqual([409, 409, 409]);
    expect((await a.inject({ method: 'GET', url: `/api/mentors/${rated.id}` })).json().rating).toBe(4.33);
  });

  it('when the mentor, a stranger, or a bad rating is sent, or the session is not completed, then 403 / 404 / 400 / 409', async () => {
    const s = await completedSession(mentor, mentorshipId);
    expect((await mentor.inject({ method: 'POST', url: sessionUrl(s, 'feedback'), payload: { rating: 5 } })).statusCode).toBe(403);
    expect((await stranger.inject({ method: 'POST', url: sessionUrl(s, 'feedback'), payload: { rating: 5 } })).statusCode).toBe(404);
    for (const rating of [0, 6, 4.5]) {
      const res = await mentee.inject({ method: 'POST', url: sessionUrl(s, 'feedback'), payload: { rating } });
      expect(problemOf(res).errors?.[0].field).toBe('rating');
    }
    const open = await scheduleSession(mentee, mentorshipId);
    expect((await mentee.inject({ method: 'POST', url: sessionUrl(open.id, 'feedback'), payload: { rating: 5 } })).statusCode).toBe(409);
  });
});

describe("the mentor's private notes", () => {
  it('when the mentor writes notes, then only the mentor reads them; the mentee may not write them', async () => {
    const session = await scheduleSession(mentee, mentorshipId);
    const res = await mentor.inject({ method: 'PUT', url: sessionUrl(session.id, 'notes'), payload: { notes: 'Shy; push on projects' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().notes).toBe('Shy; push on projects');
    const list = await mentee.inject({ method: 'GET', url: `/api/mentorship/sessions?mentorship_id=${mentorshipId}&limit=100` });
    expect(list.json().results.find((s: any) => s.id === session.id).notes).toBeNull();
    const own = await mentor.inject({ method: 'GET', url: `/api/mentorship/sessions?mentorship_id=${mentorshipId}&limit=100` });
    expect(own.json().results.find((s: any) => s.id === session.id).notes).toBe('Shy; push on projects');
    expect((await mentee.inject({ method: 'PUT', url: sessionUrl(session.id, 'notes'), payload: { notes: 'x' } })).statusCode).toBe(403);
    expect((await stranger.inject({ method: 'PUT', url: sessionUrl(session.id, 'notes'), payload: { notes: 'x' } })).statusCode).toBe(404);
  });
});

describe('goals', () => {
  it('when either side adds and updates goals, then both read them; strangers 404; bad input 400', async () => {
    const created = await mentee.inject({
      method: 'POST',
      url: `/api/mentorship/${mentorshipId}/goals`,
      payload: { title: 'Ship a portfolio' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const goal = created.json();
    expect(goal).toMatchObject({ title: 'Ship a portfolio', status: 'open', created_by: mentee.id, achieved_at: null });
    const done = await mentor.inject({ method: 'PUT', url: `/api/mentorship/goals/${goal.id}`, payload: { status: 'achieved' } });
    expect(done.json()).toMatchObject({ status: 'achieved', achieved_at: expect.any(String), title: 'Ship a portfolio' });
    const list = await mentor.inject({ method: 'GET', url: `/api/mentorship/${mentorshipId}/goals` });
    expect(list.json().results.map((g: any) => g.id)).toContain(goal.id);
    expect((await stranger.inject({ method: 'GET', url: `/api/mentorship/${mentorshipId}/goals` })).statusCode).toBe(404);
    expect(
      (await stranger.inject({ method: 'PUT', url: `/api/mentorship/goals/${goal.id}`, payload: { status: 'open' } })).statusCode,
    ).toBe(404);
    const bad = await mentee.inject({ method: 'PUT', url: `/api/mentorship/goals/${goal.id}`, payload: { status: 'done' } });
    expect(problemOf(bad).errors?.[0].field).toBe('status');
    const blank = await mentee.inject({ method: 'POST', url: `/api/mentorship/${mentorshipId}/goals`, payload: { title: ' ' } });
    expect(problemOf(blank).errors?.[0].field).toBe('title');
    expect((await mentee.inject({ method: 'DELETE', url: `/api/mentorship/goals/${goal.id}` })).statusCode).toBe(204);
    expect((await mentee.inject({ method: 'PUT', url: `/api/mentorship/goals/${goal.id}`, payload: { status: 'open' } })).statusCode).toBe(
      404,
    );
  });
});
