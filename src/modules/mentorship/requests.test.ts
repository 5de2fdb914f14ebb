import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  becomeMentor,
  createTestApp,
  pairMentorship,
  problemOf,
  recordEvents,
  requestMentorship,
  scheduleSession,
  type TestApp,
  type TestUser,
} from '../../../test/helpers.js';
import { expireStaleRequests } from './requests.service.js';

let t: TestApp;
let mentor: TestUser;
let student: TestUser;
let recruiter: TestUser;
let faculty: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  [mentor, student, recruiter, faculty] = await Promise.all((['alumni', 'student', 'recruiter', 'faculty'] as const).map((r) => t.user(r)));
  await becomeMentor(mentor, { max_mentees: 20 });
});
afterAll(() => t?.close());

const request = (user: TestUser, payload: object) => user.inject({ method: 'POST', url: '/api/mentorship/request', payload });

describe('POST /api/mentorship/request', () => {
  it('when a student asks a mentor, then 201 pending with an expiry 14 days out and a requested event naming both', async () => {
    const events = recordEvents(t);
    const member = await t.user('student');
    const res = await request(member, { mentor_id: mentor.id, request_message: 'Please mentor me', goals: 'Data science' });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      student_id: member.id,
      mentor_id: mentor.id,
      status: 'pending',
      goals: 'Data science',
      mentorship_id: null,
    });
    expect(body.student).toEqual({ id: member.id, name: member.name });
    expect(Date.parse(body.expires_at) - Date.parse(body.requested_at)).toBe(14 * 86_400_000);
    expect(body.expires_at).toBe(new Date(body.expires_at).toISOString());
    expect(events.of('mentorship.requested')).toEqual([{ requestId: body.id, mentorId: mentor.id, studentId: member.id }]);
    events.restore();
  });

  it('when an alumnus asks another mentor, then 201; a recruiter, faculty or admin 403; anonymous 401', async () => {
    const alumnus = await t.user('alumni');
    expect((await request(alumnus, { mentor_id: mentor.id, request_message: 'Career switch' })).statusCode).toBe(201);
    for (const user of [recruiter, faculty, await t.user('admin')]) {
      expect((await request(user, { bogus: true })).statusCode).toBe(403);
    }
    expect((await t.app.inject({ method: 'POST', url: '/api/mentorship/request', payload: {} })).statusCode).toBe(401);
  });

  it('when the same member asks the same mentor ten times at once, then one 201 and 409 already_requested', async () => {
    const member = await t.user('student');
    const results = await Promise.all(Array.from({ length: 10 }, () => request(member, { mentor_id: mentor.id, request_message: 'Hi' })));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.statusCode !== 201)) {
      expect(r.statusCode).toBe(409);
      expect(problemOf(r).code).toBe('already_requested');
    }
  });

  it('when asking oneself, a non-mentor, or with bad input, then 400 / 404 naming the field', async () => {
    const self = await request(mentor, { mentor_id: mentor.id, request_message: 'Me' });
    expect(self.statusCode).toBe(400);
    expect(problemOf(self).errors?.[0].field).toBe('mentor_id');
    expect((await request(student, { mentor_id: recruiter.id, request_message: 'Hi' })).statusCode).toBe(404);
    for (const [payload, field] of [
      [{ mentor_id: mentor.id }, 'request_message'],
      [{ mentor_id: mentor.id, request_message: '   ' }, 'request_message'],
      [{ mentor_id: mentor.id, request_message: 'a\u0000b' }, 'request_message'],
      [{ mentor_id: 'nope', request_message: 'Hi' }, 'mentor_id'],
      [{ mentor_id: mentor.id, request_message: 'Hi', status: 'accepted' }, 'status'],
    ] as const) {
      const res = await request(student, payload);
      expect(res.statusCode).toBe(400);
      expect(problemOf(res).errors?.[0].field).toBe(field);
    }
  });

  it('when the member already has an active mentorship with the mentor, then 409', async () => {
    const member = await t.user('student');
    await pairMentorship(mentor, member);
    expect((await request(member, { mentor_id: mentor.id, request_message: 'Again' })).statusCode).toBe(409);
  });
});

describe('accept and reject', () => {
  it('when the mentor accepts, then an active mentorship both sides list, and the seat is taken', async () => {
    const member = await t.user('student');
    const asked = await requestMentorship(member, mentor.id);
    const res = await mentor.inject({ method: 'POST', url: `/api/mentorship/${asked.id}/accept` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'accepted', mentorship_id: expect.any(String) });
    for (const user of [mentor, member]) {
      const active = await user.inject({ method: 'GET', url: '/api/mentorship/active?limit=100' });
      expect(active.json().results.map((m: any) => m.id)).toContain(res.json().mentorship_id);
    }
    const again = await mentor.inject({ method: 'POST', url: `/api/mentorship/${asked.id}/accept` });
    expect(again.statusCode).toBe(409);
  });

  it('when anyone but the addressed mentor accepts or rejects, then 404 (the member too); a student by role 403', async () => {
    const member = await t.user('student');
    const asked = await requestMentorship(member, mentor.id);
    const other = await t.user('alumni');
    await becomeMentor(other);
    for (const action of ['accept', 'reject']) {
      expect((await other.inject({ method: 'POST', url: `/api/mentorship/${asked.id}/${action}` })).statusCode).toBe(404);
      expect((await member.inject({ method: 'POST', url: `/api/mentorship/${asked.id}/${action}` })).statusCode).toBe(403);
      expect((await t.app.inject({ method: 'POST', url: `/api/mentorship/${asked.id}/${action}` })).statusCode).toBe(401);
    }
  });

  it('when the mentor rejects with a reason, then the member reads it in their sent list and may ask again', async () => {
    const member = await t.user('student');
    const asked = await requestMentorship(member, mentor.id);
    const res = await mentor.inject({
      method: 'POST',
      url: `/api/mentorship/${asked.id}/reject`,
      payload: { rejection_reason: 'No time this term' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const sent = await member.inject({ method: 'GET', url: '/api/mentorship/requests/sent?status=rejected' });
    expect(sent.json().results).toMatchObject([{ id: asked.id, status: 'rejected', rejection_reason: 'No time this term' }]);
    expect((await mentor.inject({ method: 'POST', url: `/api/mentorship/${asked.id}/accept` })).statusCode).toBe(409);
    await requestMentorship(member, mentor.id);
  });

  it('when ten requests to a mentor with three seats are accepted at once, then exactly three succeed and the rest are capacity_full', async () => {
    const busy = await t.user('alumni');
    await becomeMentor(busy, { max_mentees: 3 });
    const members = await Promise.all(Array.from({ length: 10 }, () => t.user('student')));
    const requests = await Promise.all(members.map((m) => requestMentorship(m, busy.id)));
    const results = await Promise.all(requests.map((r) => busy.inject({ method: 'POST', url: `/api/mentorship/${r.id}/accept` })));
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(3);
    for (const r of results.filter((r) => r.statusCode !== 200)) {
      expect(r.statusCode).toBe(409);
      expect(problemOf(r).code).toBe('capacity_full');
    }
    const card = await busy.inject({ method: 'GET', url: `/api/mentors/${busy.id}` });
    expect(card.json()).toMatchObject({ current_mentees_count: 3, has_capacity: false });
    const { rows } = await t.database.db.execute(
      sql`SELECT count(*)::int AS n FROM mentorships WHERE mentor_id = ${busy.id} AND status = 'active'`,
    );
    expect(rows[0].n).toBe(3);
    const pending = await busy.inject({ method: 'GET', url: '/api/mentorship/requests/received?status=pending' });
    expect(pending.json().results).toHaveLength(7);
  });

  it('when a mentorship ends, then the seat frees, sessions ahead are cancelled, and a waiting request can be accepted', async () => {
    const small = await t.user('faculty');
    await becomeMentor(small, { max_mentees: 1 });
    const [first, second] = await Promise.all([t.user('student'), t.user('student')]);
    const mentorshipId = await pairMentorship(small, first);
    const session = await scheduleSession(first, mentorshipId);
    const waiting = await requestMentorship(second, small.id);
    expect(problemOf(await small.inject({ method: 'POST', url: `/api/mentorship/${waiting.id}/accept` })).code).toBe('capacity_full');
    const stranger = await t.user('student');
    expect((await stranger.inject({ method: 'POST', url: `/api/mentorship/${mentorshipId}/end` })).statusCode).toBe(404);
    const ended = await first.inject({ method: 'POST', url: `/api/mentorship/${mentorshipId}/end`, payload: { reason: 'Graduated' } });
    expect(ended.statusCode, ended.body).toBe(200);
    expect(ended.json()).toMatchObject({ status: 'ended', ended_by: first.id, end_reason: 'Graduated' });
    expect((await first.inject({ method: 'POST', url: `/api/mentorship/${mentorshipId}/end` })).statusCode).toBe(409);
    const sessions = await small.inject({ method: 'GET', url: `/api/mentorship/sessions?mentorship_id=${mentorshipId}` });
    expect(sessions.json().results).toMatchObject([{ id: session.id, status: 'cancelled' }]);
    expect((await small.inject({ method: 'POST', url: `/api/mentorship/${waiting.id}/accept` })).statusCode).toBe(200);
  });
});

describe('lists', () => {
  it('when listing received and sent, then each side sees only its own, newest first, paged', async () => {
    const own = await t.user('alumni');
    await becomeMentor(own, { max_mentees: 10 });
    const members = await Promise.all(Array.from({ length: 3 }, () => t.user('student')));
    const asked = [];
    for (const m of members) asked.push(await requestMentorship(m, own.id));
    const page1 = await own.inject({ method: 'GET', url: '/api/mentorship/requests/received?limit=2' });
    const page2 = await own.inject({ method: 'GET', url: `/api/mentorship/requests/received?limit=2&cursor=${page1.json().next_cursor}` });
    expect([...page1.json().results, ...page2.json().results].map((r: any) => r.id)).toEqual(asked.map((r) => r.id).reverse());
    expect(page2.json().next_cursor).toBeNull();
    const sent = await members[0].inject({ method: 'GET', url: '/api/mentorship/requests/sent' });
    expect(sent.json().results.map((r: any) => r.id)).toEqual([asked[0].id]);
    expect((await student.inject({ method: 'GET', url: '/api/mentorship/requests/received' })).statusCode).toBe(403);
    expect((await recruiter.inject({ method: 'GET', url: '/api/mentorship/requests/sent' })).statusCode).toBe(403);
    expect((await own.inject({ method: 'GET', url: '/api/mentorship/requests/received?status=nope' })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/api/mentorship/active' })).statusCode).toBe(401);
  });
});

describe('expiry', () => {
  it('when a request is 14 days old, then the sweep expires it once (with an event), accept is refused, and the member may ask again', async () => {
    const member = await t.user('student');
    const asked = await requestMentorship(member, mentor.id);
    const fresh = await requestMentorship(await t.user('student'), mentor.id);
    await t.database.db.execute(
      sql`UPDATE mentorship_requests SET requested_at = now() - interval '14 days 1 minute', expires_at = now() - interval '1 minute' WHERE id = ${asked.id}`,
    );
    // Before the sweep runs, the lapsed request cannot be accepted and does not block a new one... but we sweep first.
    expect((await mentor.inject({ method: 'POST', url: `/api/mentorship/${asked.id}/accept` })).statusCode).toBe(409);
    const events = recordEvents(t);
    expect(await expireStaleRequests(t.app.ctx)).toBeGreaterThanOrEqual(1);
    expect(await expireStaleRequests(t.app.ctx)).toBe(0);
    expect(events.of('mentorship.request_expired').filter((e) => e.requestId === asked.id)).toEqual([
      { requestId: asked.id, mentorId: mentor.id, studentId: member.id },
    ]);
    events.restore();
    const sent = await member.inject({ method: 'GET', url: '/api/mentorship/requests/sent' });
    expect(sent.json().results[0]).toMatchObject({ id: asked.id, status: 'expired', expires_at: null });
    const stillPending = await mentor.inject({ method: 'GET', url: '/api/mentorship/requests/received?status=pending&limit=100' });
    expect(stillPending.json().results.map((r: any) => r.id)).toContain(fresh.id);
    await requestMentorship(member, mentor.id);
  });

  it('when a lapsed request has not been swept yet, then asking again expires it and succeeds', async () => {
    const member = await t.user('student');
    const asked = await requestMentorship(member, mentor.id);
    await t.database.db.execute(
      sql`UPDATE mentorship_requests SET requested_at = now() - interval '15 days', expires_at = now() - interval '1 day' WHERE id = ${asked.id}`,
    );
    const again = await requestMentorship(member, mentor.id);
    expect(again.id).not.toBe(asked.id);
  });
});
