import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  becomeMentor,
  createTestApp,
  giveProfile,
  pairMentorship,
  problemOf,
  requestMentorship,
  type TestApp,
  type TestUser,
} from '../../../test/helpers.js';
import { refreshMatchingCorpus, WEIGHTS } from './matching.service.js';

/**
 * A hand-made corpus whose ranking is known. 8 listed profiles: the member (Python, SQL, Machine
 * Learning), five with Python and SQL, one with Machine Learning, and mentor I (no skills). Mentor H's
 * profile is hidden and does not count. So N = 8, df(python) = df(sql) = 6, df(machine learning) = 2.
 */
let t: TestApp;
let member: TestUser;
const m: Record<string, TestUser> = {};
const idf = (df: number) => Math.log(9 / (df + 1)) + 1;
const PY = idf(6);
const ML = idf(2);
const NORM = Math.sqrt(2 * PY * PY + ML * ML);
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

beforeAll(async () => {
  t = await createTestApp();
  member = await t.user('student');
  await giveProfile(t, member, {
    skills: ['Python', 'SQL', 'Machine Learning'],
    department: 'Computer Science',
    company: 'Acme',
    location: 'Pune, India',
  });
  for (let i = 0; i < 5; i++) await giveProfile(t, await t.user('alumni'), { skills: ['python', 'SQL'] });
  await giveProfile(t, await t.user('alumni'), { skills: ['Machine Learning'] });
  for (const key of ['A', 'B', 'B5', 'C', 'D', 'E', 'F', 'G', 'H', 'I']) m[key] = await t.user(key === 'I' ? 'faculty' : 'alumni');
  const all = ['Python', 'SQL', 'Machine Learning'];
  await becomeMentor(m.A, { expertise_areas: ['machine learning'], max_mentees: 2 });
  await becomeMentor(m.B, { expertise_areas: ['Python'], max_mentees: 2 });
  await becomeMentor(m.B5, { expertise_areas: ['Python'], max_mentees: 2 });
  await becomeMentor(m.C, { expertise_areas: all, max_mentees: 2 });
  await becomeMentor(m.D, { expertise_areas: ['Cooking'], max_mentees: 2 });
  await becomeMentor(m.E, { expertise_areas: all, max_mentees: 2, is_available: false });
  await becomeMentor(m.F, { expertise_areas: all, max_mentees: 2 });
  await becomeMentor(m.G, { expertise_areas: all, max_mentees: 1 });
  // Hidden profile with the member's skills, department, company and city: none of it may count.
  await giveProfile(t, m.H, { skills: all, department: 'Computer Science', company: 'Acme', location: 'Pune, India', visible: false });
  await becomeMentor(m.H, { expertise_areas: ['Cooking'], max_mentees: 2 });
  await giveProfile(t, m.I, { department: 'computer science' });
  await becomeMentor(m.I, { expertise_areas: ['Cooking'], max_mentees: 2 });
  await t.database.db.execute(sql`UPDATE mentor_profiles SET rating_sum = 5, rating_count = 1 WHERE user_id = ${m.B5.id}`);
  await requestMentorship(member, m.F.id);
  await pairMentorship(m.G, await t.user('student'));
  await refreshMatchingCorpus(t.app.ctx);
});
afterAll(() => t?.close());

const suggest = async (user: TestUser, payload: object = {}) => {
  const res = await user.inject({ method: 'POST', url: '/api/mentorship/match-suggestions', payload });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().results as {
    mentor: any;
    score: number;
    similarity: number;
    shared_skills: string[];
    reasons: { type: string; message: string }[];
  }[];
};

describe('POST /api/mentorship/match-suggestions', () => {
  it('when the member asks, then the known order with the known scores; unavailable, full and already-asked mentors are left out', async () => {
    const results = await suggest(member, { limit: 50 });
    const dh = [m.D.id, m.H.id].sort();
    expect(results.map((r) => r.mentor.mentor_id)).toEqual([m.C.id, m.A.id, m.B5.id, m.B.id, m.I.id, ...dh]);
    const score = (key: string) => results.find((r) => r.mentor.mentor_id === m[key].id)!;
    expect(score('C')).toMatchObject({ similarity: 1, score: round6(WEIGHTS.similarity + WEIGHTS.capacity) });
    expect(score('A').similarity).toBe(round6(ML / NORM));
    expect(score('A').score).toBe(round6(WEIGHTS.similarity * (ML / NORM) + WEIGHTS.capacity));
    expect(score('B').score).toBe(round6(WEIGHTS.similarity * (PY / NORM) + WEIGHTS.capacity));
    expect(score('B5').score).toBe(round6(WEIGHTS.similarity * (PY / NORM) + WEIGHTS.rating + WEIGHTS.capacity));
    expect(score('I').score).toBe(round6(WEIGHTS.department + WEIGHTS.capacity));
    for (const r of results) expect(r.score >= 0 && r.score <= 1).toBe(true);
  });

  it('when explaining, then shared skills in the mentor’s spelling, department and capacity; nothing from a hidden profile', async () => {
    const results = await suggest(member, { limit: 50 });
    const of = (key: string) => results.find((r) => r.mentor.mentor_id === m[key].id)!;
    expect(of('C').shared_skills).toEqual(['Machine Learning', 'Python', 'SQL']);
    expect(of('C').reasons.map((r) => r.type)).toEqual(['shared_skills', 'capacity']);
    expect(of('A').shared_skills).toEqual(['machine learning']);
    expect(of('I').reasons.map((r) => r.type)).toEqual(['same_department', 'capacity']);
    expect(of('B5').reasons.map((r) => r.type)).toContain('rating');
    const hidden = of('H');
    expect(hidden.shared_skills).toEqual([]);
    expect(hidden.reasons.map((r) => r.type)).toEqual(['capacity']);
    expect(hidden.mentor).toMatchObject({ department: null, current_company: null, location: null, skills: [] });
    expect(hidden.score).toBe(of('D').score);
  });

  it('when asked twice, then the same answer; limit cuts the list', async () => {
    expect(await suggest(member, { limit: 50 })).toEqual(await suggest(member, { limit: 50 }));
    expect((await suggest(member, { limit: 2 })).map((r) => r.mentor.mentor_id)).toEqual([m.C.id, m.A.id]);
    expect((await suggest(member)).length).toBe(7);
  });

  it('when a mentorship with a mentor starts, then that mentor leaves the suggestions; a mentor never sees themselves', async () => {
    const asker = await t.user('alumni');
    await becomeMentor(asker, { expertise_areas: ['Python'] });
    const ids = (await suggest(asker, { limit: 50 })).map((r) => r.mentor.mentor_id);
    expect(ids).not.toContain(asker.id);
    await pairMentorship(m.D, asker);
    expect((await suggest(asker, { limit: 50 })).map((r) => r.mentor.mentor_id)).not.toContain(m.D.id);
  });

  it('when a member has no profile, then mentors rank by rating and capacity only', async () => {
    const bare = await t.user('student');
    const results = await suggest(bare, { limit: 50 });
    expect(results[0].mentor.mentor_id).toBe(m.B5.id);
    expect(results.every((r) => r.similarity === 0)).toBe(true);
  });

  it('when a recruiter or faculty member asks, then 403; anonymous 401; a bad limit 400', async () => {
    for (const role of ['recruiter', 'faculty', 'admin'] as const) {
      const res = await (await t.user(role)).inject({ method: 'POST', url: '/api/mentorship/match-suggestions', payload: {} });
      expect(res.statusCode).toBe(403);
    }
    expect((await t.app.inject({ method: 'POST', url: '/api/mentorship/match-suggestions' })).statusCode).toBe(401);
    const bad = await member.inject({ method: 'POST', url: '/api/mentorship/match-suggestions', payload: { limit: 51 } });
    expect(problemOf(bad).errors?.[0].field).toBe('limit');
  });
});
