import { sql } from 'drizzle-orm';
import { expect, vi } from 'vitest';
import type { TestApp, TestUser } from '../../../test/helpers.js';
import { profiles } from '../profiles/profiles.tables.js';

export async function becomeMentor(user: TestUser, body: Record<string, unknown> = {}) {
  const res = await user.inject({
    method: 'POST',
    url: '/api/mentors/register',
    payload: { expertise_areas: ['Python', 'SQL'], max_mentees: 3, bio: 'Happy to help', availability: 'Weekends', ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

export async function ask(member: TestUser, mentorId: string, body: Record<string, unknown> = {}) {
  const res = await member.inject({
    method: 'POST',
    url: '/api/mentorship/request',
    payload: { mentor_id: mentorId, request_message: 'Would you mentor me?', goals: 'Land a data job', ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; status: string; [k: string]: unknown };
}

/** A mentor and a mentee with an active mentorship; returns its id. */
export async function pair(mentor: TestUser, mentee: TestUser) {
  const request = await ask(mentee, mentor.id);
  const res = await mentor.inject({ method: 'POST', url: `/api/mentorship/${request.id}/accept` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().mentorship_id as string;
}

export const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

export async function schedule(user: TestUser, mentorshipId: string, body: Record<string, unknown> = {}) {
  const res = await user.inject({
    method: 'POST',
    url: `/api/mentorship/${mentorshipId}/schedule`,
    payload: { scheduled_date: inDays(3), duration: 45, meeting_link: 'https://meet.example.com/abc', ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; [k: string]: any };
}

/** Moves a session's start into the past directly (the API only schedules future sessions). */
export const startSessionInPast = (t: TestApp, sessionId: string) =>
  t.database.db.execute(sql`UPDATE mentorship_sessions SET scheduled_date = now() - interval '2 hours' WHERE id = ${sessionId}`);

/** Records every domain event the app publishes (nothing subscribes yet on this branch). */
export function recordEvents(t: TestApp) {
  const spy = vi.spyOn(t.app.ctx.events, 'publish');
  return {
    of: (type: string) => spy.mock.calls.filter((c) => c[1] === type).map((c) => c[2] as Record<string, any>),
    restore: () => spy.mockRestore(),
  };
}

export interface ProfileFacts {
  department?: string;
  company?: string;
  location?: string;
  skills?: string[];
  visible?: boolean;
}

/** A minimal profile row for matching and card tests (the profiles API is another module's). */
export const giveProfile = (t: TestApp, user: { id: string; name: string }, facts: ProfileFacts) =>
  t.database.db.insert(profiles).values({
    user_id: user.id,
    name: user.name,
    department: facts.department ?? null,
    current_company: facts.company ?? null,
    location: facts.location ?? null,
    skills: facts.skills ?? [],
    skills_lower: (facts.skills ?? []).map((s) => s.toLowerCase()),
    directory_visible: facts.visible ?? true,
  });
