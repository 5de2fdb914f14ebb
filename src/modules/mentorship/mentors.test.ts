import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  becomeMentor,
  createTestApp,
  giveProfile,
  pairMentorship,
  problemOf,
  type ProfileFacts,
  requestMentorship,
  scheduleSession,
  startSessionInPast,
  type TestApp,
  type TestUser,
} from '../../../test/helpers.js';

let t: TestApp;
let faculty: TestUser;
let student: TestUser;
let recruiter: TestUser;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  [faculty, student, recruiter, admin] = await Promise.all((['faculty', 'student', 'recruiter', 'admin'] as const).map((r) => t.user(r)));
});
afterAll(() => t?.close());

const profile = (user: TestUser, facts: ProfileFacts) => giveProfile(t, user, facts);

describe('POST /api/mentors/register', () => {
  it('when an alumnus registers, then 201 with the name from the account, the profile facts and derived fields at zero', async () => {
    const user = await t.user('alumni');
    await profile(user, { department: 'Computer Science', company: 'Google', skills: ['Go'] });
    const mentor = await becomeMentor(user, { expertise_areas: [' Python ', 'python', 'Machine Learning'], max_mentees: 2 });
    expect(mentor).toMatchObject({
      mentor_id: user.id,
      name: user.name,
      expertise_areas: ['Python', 'Machine Learning'],
      max_mentees: 2,
      current_mentees_count: 0,
      rating: null,
      total_sessions: 0,
      is_available: true,
      department: 'Computer Science',
      current_company: 'Google',
      skills: ['Go'],
    });
  });

  it('when faculty register, then 201 (faculty mentor too); students, recruiters and admins get 403; anonymous 401', async () => {
    expect(
      (await faculty.inject({ method: 'POST', url: '/api/mentors/register', payload: { expertise_areas: ['Physics'] } })).statusCode,
    ).toBe(201);
    for (const user of [student, recruiter, admin]) {
      const res = await user.inject({ method: 'POST', url: '/api/mentors/register', payload: { bogus: 1 } });
      expect(res.statusCode).toBe(403);
    }
    expect((await t.app.inject({ method: 'POST', url: '/api/mentors/register', payload: {} })).statusCode).toBe(401);
  });

  it('when someone registers twice, even at once, then one mentor and 409s', async () => {
    const user = await t.user('alumni');
    const results = await Promise.all(
      Array.from({ length: 4 }, () => user.inject({ method: 'POST', url: '/api/mentors/register', payload: { expertise_areas: ['SQL'] } })),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    const { rows } = await t.database.db.execute(sql`SELECT count(*)::int AS n FROM mentor_profiles WHERE user_id = ${user.id}`);
    expect(rows[0].n).toBe(1);
  });

  it('when a derived field or a bad value is sent, then 400 naming the field', async () => {
    const user = await t.user('alumni');
    for (const [payload, field] of [
      [{ expertise_areas: [], current_mentees_count: 0 }, 'current_mentees_count'],
      [{ expertise_areas: [], rating: 5 }, 'rating'],
      [{ expertise_areas: [], total_sessions: 9 }, 'total_sessions'],
      [{ expertise_areas: [], max_mentees: 21 }, 'max_mentees'],
      [{ expertise_areas: [], max_mentees: 0 }, 'max_mentees'],
      [{}, 'expertise_areas'],
    ] as const) {
      const res = await user.inject({ method: 'POST', url: '/api/mentors/register', payload });
      expect(res.statusCode).toBe(400);
      expect(problemOf(res).errors?.[0].field).toBe(field);
    }
  });
});

describe('PUT /api/mentors/availability and /api/mentors/profile', () => {
  it('when a mentor closes themselves, then they leave the default list and requests get 409', async () => {
    const user = await t.user('alumni');
    await becomeMentor(user);
    const res = await user.inject({
      method: 'PUT',
      url: '/api/mentors/availability',
      payload: { is_available: false, availability: 'Back in May' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ is_available: false, availability: 'Back in May' });
    const list = await student.inject({ method: 'GET', url: `/api/mentors?q=${encodeURIComponent(user.name)}` });
    expect(list.json().results).toHaveLength(0);
    const all = await student.inject({ method: 'GET', url: `/api/mentors?available_only=false&q=${encodeURIComponent(user.name)}` });
    expect(all.json().results.map((m: any) => m.mentor_id)).toEqual([user.id]);
    const asked = await student.inject({
      method: 'POST',
      url: '/api/mentorship/request',
      payload: { mentor_id: user.id, request_message: 'Hi' },
    });
    expect(asked.statusCode).toBe(409);
  });

  it('when a mentor edits their profile, then only the fields sent change; derived fields are 400', async () => {
    const user = await t.user('faculty');
    await becomeMentor(user, { bio: 'Old bio' });
    const res = await user.inject({ method: 'PUT', url: '/api/mentors/profile', payload: { expertise_areas: ['Rust'], max_mentees: 5 } });
    expect(res.json()).toMatchObject({ expertise_areas: ['Rust'], max_mentees: 5, bio: 'Old bio' });
    const bad = await user.inject({ method: 'PUT', url: '/api/mentors/profile', payload: { rating: 5 } });
    expect(problemOf(bad).errors?.[0].field).toBe('rating');
  });

  it('when max_mentees would drop below the mentees one has, then 409', async () => {
    const mentor = await t.user('alumni');
    await becomeMentor(mentor, { max_mentees: 3 });
    await pairMentorship(mentor, await t.user('student'));
    await pairMentorship(mentor, await t.user('student'));
    const res = await mentor.inject({ method: 'PUT', url: '/api/mentors/profile', payload: { max_mentees: 1 } });
    expect(res.statusCode).toBe(409);
    expect((await mentor.inject({ method: 'PUT', url: '/api/mentors/profile', payload: { max_mentees: 2 } })).statusCode).toBe(200);
  });

  it('when someone who is not a mentor updates, then 404; a student 403', async () => {
    const user = await t.user('alumni');
    expect((await user.inject({ method: 'PUT', url: '/api/mentors/availability', payload: { is_available: true } })).statusCode).toBe(404);
    expect((await student.inject({ method: 'PUT', url: '/api/mentors/profile', payload: {} })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'PUT', url: '/api/mentors/profile', payload: {} })).statusCode).toBe(401);
  });
});

describe('GET /api/mentors', () => {
  it('when filtering by expertise (any of, any case), min_rating, name and department, then exactly the matches, by rating then id', async () => {
    const tag = `Tag${Date.now()}`;
    const [a, b, c] = await Promise.all([t.user('alumni'), t.user('alumni'), t.user('faculty')]);
    await profile(a, { department: 'Physics' });
    await profile(b, { department: 'Chemistry' });
    await profile(c, { department: 'physics', visible: false });
    await becomeMentor(a, { expertise_areas: [tag, 'Go'] });
    await becomeMentor(b, { expertise_areas: [`${tag}-b`] });
    await becomeMentor(c, { expertise_areas: [tag] });
    await t.database.db.execute(sql`UPDATE mentor_profiles SET rating_sum = 9, rating_count = 2 WHERE user_id = ${b.id}`);
    const get = async (qs: string) => {
      const res = await student.inject({ method: 'GET', url: `/api/mentors?${qs}` });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { results: any[]; count: number; next_cursor: string | null };
    };
    const any = await get(`expertise=${tag.toLowerCase()},${tag}-B`);
    expect(any.results.map((m) => m.mentor_id)).toEqual([b.id, ...[a.id, c.id].sort()]);
    expect(any.count).toBe(3);
    expect(any.results[0].rating).toBe(4.5);
    expect((await get(`expertise=${tag},${tag}-b&min_rating=4`)).results.map((m) => m.mentor_id)).toEqual([b.id]);
    // The hidden profile's department neither shows nor matches.
    const physics = await get(`expertise=${tag}&department=PHYSICS`);
    expect(physics.results.map((m) => m.mentor_id)).toEqual([a.id]);
    const hidden = any.results.find((m) => m.mentor_id === c.id);
    expect(hidden.department).toBeNull();
    // An admin sees every profile, hidden ones included.
    const asAdmin = await admin.inject({ method: 'GET', url: `/api/mentors?expertise=${tag}&department=physics` });
    expect(
      asAdmin
        .json()
        .results.map((m: any) => m.mentor_id)
        .sort(),
    ).toEqual([a.id, c.id].sort());
    expect((await get(`q=${encodeURIComponent(a.name.slice(0, 10))}&expertise=${tag}`)).results.map((m) => m.mentor_id)).toContain(a.id);
    // The count is cached per filter set, and a mentor write makes it fresh at once.
    await becomeMentor(await t.user('alumni'), { expertise_areas: [tag] });
    expect((await get(`expertise=${tag.toLowerCase()},${tag}-B`)).count).toBe(4);
  });

  it('when paging, then every mentor once, by rating (descending) then id (ascending), and a foreign cursor is 400', async () => {
    const tag = `Page${Date.now()}`;
    const users = await Promise.all(Array.from({ length: 5 }, () => t.user('alumni')));
    for (const u of users) await becomeMentor(u, { expertise_areas: [tag] });
    // Ties on the rating, so a page boundary falls inside one: [rating_sum, rating_count] per mentor, unrated as 0.
    const ratings: [number, number][] = [
      [9, 2],
      [0, 0],
      [9, 2],
      [10, 3],
      [0, 0],
    ];
    for (const [i, [sum, count]] of ratings.entries()) {
      await t.database.db.execute(
        sql`UPDATE mentor_profiles SET rating_sum = ${sum}, rating_count = ${count} WHERE user_id = ${users[i].id}`,
      );
    }
    const ratingOf = (i: number) => (ratings[i][1] ? ratings[i][0] / ratings[i][1] : 0);
    const expected = users
      .map((u, i) => ({ id: u.id, rating: ratingOf(i) }))
      .sort((x, y) => y.rating - x.rating || (x.id < y.id ? -1 : 1))
      .map((m) => m.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await student.inject({ method: 'GET', url: `/api/mentors?expertise=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ''}` });
      seen.push(...res.json().results.map((m: any) => m.mentor_id));
      cursor = res.json().next_cursor;
    } while (cursor);
    expect(seen).toEqual(expected);
    expect((await student.inject({ method: 'GET', url: '/api/mentors?cursor=forged.cursor' })).statusCode).toBe(400);
    expect((await student.inject({ method: 'GET', url: '/api/mentors?limit=0' })).statusCode).toBe(400);
    for (const qs of [
      'q=a%00b',
      'min_rating=6',
      'min_rating=abc',
      'min_rating=Infinity',
      'min_rating=1e400',
      'min_rating=0x1',
      'available_only=maybe',
    ]) {
      const res = await student.inject({ method: 'GET', url: `/api/mentors?${qs}` });
      expect(res.statusCode, qs).toBe(400);
      expect(problemOf(res).errors?.[0]?.field, qs).toBe(qs.split('=')[0]);
    }
    expect((await student.inject({ method: 'GET', url: '/api/mentors?min_rating=%20' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/mentors' })).statusCode).toBe(401);
  });
});

describe('GET /api/mentors/{mentor_id}', () => {
  it('when read, then stats: mentees now, sessions completed, rating and answer rate', async () => {
    const mentor = await t.user('alumni');
    await becomeMentor(mentor, { max_mentees: 5 });
    const [s1, s2, s3] = await Promise.all([t.user('student'), t.user('student'), t.user('student')]);
    const mentorshipId = await pairMentorship(mentor, s1);
    const rejected = await requestMentorship(s2, mentor.id);
    await mentor.inject({ method: 'POST', url: `/api/mentorship/${rejected.id}/reject`, payload: { rejection_reason: 'Full term' } });
    const lapsed = await requestMentorship(s3, mentor.id);
    await t.database.db.execute(sql`UPDATE mentorship_requests SET status = 'expired', expired_at = now() WHERE id = ${lapsed.id}`);
    const session = await scheduleSession(s1, mentorshipId);
    await startSessionInPast(t, session.id);
    await mentor.inject({ method: 'POST', url: `/api/mentorship/sessions/${session.id}/complete` });
    await s1.inject({ method: 'POST', url: `/api/mentorship/sessions/${session.id}/feedback`, payload: { rating: 4, feedback: 'Useful' } });
    const res = await student.inject({ method: 'GET', url: `/api/mentors/${mentor.id}` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().stats).toEqual({
      current_mentees: 1,
      sessions_completed: 1,
      rating: 4,
      ratings_count: 1,
      requests_received: 3,
      answer_rate: 0.6667,
    });
  });

  it('when the id is no mentor, or a suspended one, then 404', async () => {
    expect((await student.inject({ method: 'GET', url: `/api/mentors/${student.id}` })).statusCode).toBe(404);
    const suspended = await t.user('alumni');
    await becomeMentor(suspended);
    await t.database.db.execute(sql`UPDATE users SET status = 'suspended' WHERE id = ${suspended.id}`);
    expect((await student.inject({ method: 'GET', url: `/api/mentors/${suspended.id}` })).statusCode).toBe(404);
    expect((await student.inject({ method: 'GET', url: '/api/mentors/not-a-uuid' })).statusCode).toBe(400);
  });
});
