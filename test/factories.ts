import { eq, sql } from 'drizzle-orm';
import { expect, vi } from 'vitest';
import { bumpGeneration } from '../src/lib/cache.js';
import type { EventMap, EventName } from '../src/lib/events.js';
import { EVENTS_CACHE } from '../src/modules/events/events.service.js';
import { jobs } from '../src/modules/jobs/jobs.tables.js';
import { profiles } from '../src/modules/profiles/profiles.tables.js';
import { PDF } from './fixtures.js';
import type { TestApp, TestUser } from './helpers.js';
import { fileUpload, multipart } from './multipart.js';

/** Factories: data with unique values, created through the API unless a test needs a state the API refuses. */

// ---- profiles ------------------------------------------------------------------------------------

/** Creates the user's profile through the API and returns it. */
export async function createProfile(user: TestUser, body: Record<string, unknown> = {}) {
  const res = await user.inject({ method: 'POST', url: '/api/profiles/create', payload: body });
  if (res.statusCode !== 201) throw new Error(`create profile failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** A signed-in user who already has a profile. */
export async function member(t: TestApp, body: Record<string, unknown> = {}, role: Parameters<TestApp['user']>[0] = 'alumni') {
  const user = await t.user(role);
  const profile = await createProfile(user, body);
  return Object.assign(user, { profile });
}

/** One CSV line, quoted where needed. */
export const csvLine = (fields: (string | number | undefined)[]) =>
  fields.map((f) => (f === undefined ? '' : /[",\n\r]/.test(String(f)) ? `"${String(f).replace(/"/g, '""')}"` : String(f))).join(',');

/** Uploads a CSV through the admin import endpoint. */
export const importCsv = (admin: TestUser, csv: string | Buffer, filename = 'alumni.csv') =>
  admin.inject({ method: 'POST', url: '/api/admin/import/alumni', ...fileUpload(Buffer.from(csv), { filename, type: 'text/csv' }) });

// ---- events --------------------------------------------------------------------------------------

const DAY = 86_400_000;
let eventNumber = 0;
/** A valid event create body with unique values: an in-person meetup in 10 days, two hours long; overrides win. */
export const eventBody = (overrides: Record<string, unknown> = {}) => {
  const start = Date.now() + 10 * DAY;
  return {
    title: `Alumni meetup ${++eventNumber}`,
    description: 'Drinks and talks on the rooftop.',
    event_type: 'meetup',
    location: 'Pune, India',
    start_date: new Date(start).toISOString(),
    end_date: new Date(start + 2 * 3600_000).toISOString(),
    timezone: 'Asia/Kolkata',
    ...overrides,
  };
};

export type EventView = { id: string; title: string; status: string; attending_count: number; waitlist_count: number; [key: string]: any };

export async function createEvent(user: TestUser, overrides: Record<string, unknown> = {}) {
  const res = await user.inject({ method: 'POST', url: '/api/events/create', payload: eventBody(overrides) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as EventView;
}

/** Answers an event (attending, maybe, not_attending); returns the response. */
export const rsvp = (user: TestUser, eventId: string, status: string) =>
  user.inject({ method: 'POST', url: `/api/events/${eventId}/rsvp`, payload: { status } });

/** Moves an event's times relative to now directly (creation refuses past dates; tests need them). */
export async function setEventTimes(
  t: TestApp,
  eventId: string,
  times: { startInMs?: number; endInMs?: number; deadlineInMs?: number | null },
) {
  const at = (ms: number) => new Date(Date.now() + ms).toISOString();
  if (times.startInMs !== undefined)
    await t.database.db.execute(sql`UPDATE events SET start_date = ${at(times.startInMs)}::timestamptz WHERE id = ${eventId}`);
  if (times.endInMs !== undefined)
    await t.database.db.execute(sql`UPDATE events SET end_date = ${at(times.endInMs)}::timestamptz WHERE id = ${eventId}`);
  if (times.deadlineInMs !== undefined)
    await t.database.db.execute(
      sql`UPDATE events SET registration_deadline = ${times.deadlineInMs === null ? null : at(times.deadlineInMs)}::timestamptz WHERE id = ${eventId}`,
    );
  // Moving an event in time is what time passing does, which the discovery counts only see after
  // their few seconds' TTL; a test reads them at once.
  await bumpGeneration(t.app.ctx, EVENTS_CACHE);
}

/** An event's answers, waitlist first in arrival order, then by answer time. */
export async function eventRsvpRows(t: TestApp, eventId: string) {
  const res = await t.database.db.execute<{ user_id: string; status: string; waitlist_seq: string | null }>(
    sql`SELECT user_id, status, waitlist_seq FROM event_rsvps WHERE event_id = ${eventId} ORDER BY waitlist_seq NULLS FIRST, rsvp_date`,
  );
  return res.rows;
}

/** An event's counters beside the counts of its rows: the two must always agree. */
export async function eventCounters(t: TestApp, eventId: string) {
  const res = await t.database.db.execute<{ attending_count: number; waitlist_count: number; attending: number; waitlisted: number }>(sql`
    SELECT e.attending_count, e.waitlist_count,
           (SELECT count(*)::int FROM event_rsvps r WHERE r.event_id = e.id AND r.status = 'attending') AS attending,
           (SELECT count(*)::int FROM event_rsvps r WHERE r.event_id = e.id AND r.status = 'waitlisted') AS waitlisted
      FROM events e WHERE e.id = ${eventId}`);
  return res.rows[0];
}

// ---- domain events -------------------------------------------------------------------------------

/** Records every domain event the app publishes (after the real publish), to assert on payloads. */
export function recordDomainEvents(t: TestApp) {
  const seen: { type: EventName; payload: any }[] = [];
  const bus = t.app.ctx.events;
  const publish = bus.publish.bind(bus);
  bus.publish = async (tx, type, payload) => {
    await publish(tx, type, payload);
    seen.push({ type, payload });
  };
  return {
    of: <K extends EventName>(type: K, match: (p: EventMap[K]) => boolean = () => true) =>
      seen.filter((e) => e.type === type && match(e.payload)).map((e) => e.payload as EventMap[K]),
  };
}

// ---- jobs ----------------------------------------------------------------------------------------

let jobNumber = 0;
/** A valid job create body with unique values; overrides win. */
export const jobBody = (overrides: Record<string, unknown> = {}) => ({
  title: `Data Engineer ${++jobNumber}`,
  description: 'Build pipelines and keep them green.',
  company: 'Google',
  location: 'Bangalore',
  job_type: 'full_time',
  experience_required: 3,
  skills_required: ['Python', 'SQL'],
  salary_range: { min: 12_000_000, max: 18_000_000, currency: 'INR', period: 'year' },
  apply_link: 'https://careers.example.com/google/17',
  application_deadline: new Date(Date.now() + 30 * 86_400_000).toISOString(),
  ...overrides,
});

export async function postJob(user: TestUser, overrides: Record<string, unknown> = {}) {
  const res = await user.inject({ method: 'POST', url: '/api/jobs/create', payload: jobBody(overrides) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; title: string; status: string; [key: string]: unknown };
}

/** Applies with a fresh PDF upload; returns the response. */
export const applyWithFile = (user: TestUser, jobId: string, coverLetter = 'I would love to join.') =>
  user.inject({
    method: 'POST',
    url: `/api/jobs/${jobId}/apply`,
    ...multipart({ cover_letter: coverLetter }, { data: PDF, filename: 'cv.pdf', type: 'application/pdf' }),
  });

export async function apply(user: TestUser, jobId: string) {
  const res = await applyWithFile(user, jobId);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; status: string; [key: string]: unknown };
}

/** Moves a job's deadline into the past directly (the API refuses past deadlines). */
export const expireJob = (t: TestApp, jobId: string) =>
  t.database.db
    .update(jobs)
    .set({ application_deadline: new Date(Date.now() - 60_000) })
    .where(eq(jobs.id, jobId));

// ---- forum ---------------------------------------------------------------------------------------

let forumNumber = 0;
/** Creates a forum post through the API and returns its body. */
export async function createForumPost(user: TestUser, overrides: Record<string, unknown> = {}) {
  const res = await user.inject({
    method: 'POST',
    url: '/api/forum/posts',
    payload: { title: `Post ${++forumNumber}`, content: `Some **markdown** ${forumNumber}`, tags: ['career'], ...overrides },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as {
    id: string;
    title: string;
    tags: string[];
    likes_count: number;
    comments_count: number;
    is_pinned: boolean;
    author_id: string;
  };
}

/** Comments on a post (or replies to `parent`) through the API and returns the comment. */
export async function forumComment(user: TestUser, postId: string, content = 'A comment', parent?: string) {
  const res = await user.inject({
    method: 'POST',
    url: `/api/forum/posts/${postId}/comments`,
    payload: { content, ...(parent ? { parent_comment_id: parent } : {}) },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; post_id: string; parent_comment_id: string | null; depth: number; content: string };
}

export const getForumPost = (user: TestUser, postId: string) => user.inject({ method: 'GET', url: `/api/forum/posts/${postId}` });
/** Likes (or unlikes) the item at `url` (a post or comment URL). */
export const like = (user: TestUser, url: string) => user.inject({ method: 'POST', url: `${url}/like` });
/** Reports the item at `url` (a post or comment URL). */
export const report = (user: TestUser, url: string, reason = 'spam', text = 'looks like spam') =>
  user.inject({ method: 'POST', url: `${url}/report`, payload: { reason, text } });

// ---- mentorship ----------------------------------------------------------------------------------

/** Registers the user as a mentor through the API and returns the mentor card. */
export async function becomeMentor(user: TestUser, body: Record<string, unknown> = {}) {
  const res = await user.inject({
    method: 'POST',
    url: '/api/mentors/register',
    payload: { expertise_areas: ['Python', 'SQL'], max_mentees: 3, bio: 'Happy to help', availability: 'Weekends', ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** Asks a mentor through the API and returns the pending request. */
export async function requestMentorship(member: TestUser, mentorId: string, body: Record<string, unknown> = {}) {
  const res = await member.inject({
    method: 'POST',
    url: '/api/mentorship/request',
    payload: { mentor_id: mentorId, request_message: 'Would you mentor me?', goals: 'Land a data job', ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; status: string; [k: string]: unknown };
}

/** A mentor and a mentee with an active mentorship; returns its id. */
export async function pairMentorship(mentor: TestUser, mentee: TestUser) {
  const request = await requestMentorship(mentee, mentor.id);
  const res = await mentor.inject({ method: 'POST', url: `/api/mentorship/${request.id}/accept` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().mentorship_id as string;
}

/** An ISO date-time `days` from now (negative: in the past). */
export const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** Schedules a session of an active mentorship through the API (3 days ahead by default). */
export async function scheduleSession(user: TestUser, mentorshipId: string, body: Record<string, unknown> = {}) {
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

/** Records every domain event the app publishes (to assert on events without a subscriber). */
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

// ---- notifications ------------------------------------------------------------------------------

export interface NotificationView {
  id: string;
  type: string;
  title: string;
  message: string;
  link: string | null;
  priority: string;
  metadata: Record<string, unknown>;
  is_read: boolean;
  read_at: string | null;
  created_at: string;
}

export async function listOf(user: TestUser, query = 'limit=100') {
  const res = await user.inject({ method: 'GET', url: `/api/notifications?${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { results: NotificationView[]; next_cursor: string | null };
}

/** Notifications are made by a job after commit: poll until `count` of `type` exist (then return them). */
export async function waitForNotifications(user: TestUser, type: string, count = 1, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await listOf(user)).results.filter((n) => n.type === type);
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`${user.email} has ${found.length} of ${count} ${type} notifications after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Lets queued jobs run (polling is 0.5 s in tests), for "nothing happened" assertions. */
export const settle = (ms = 2000) => new Promise((r) => setTimeout(r, ms));

export const setPreferences = async (user: TestUser, payload: object) => {
  const res = await user.inject({ method: 'PUT', url: '/api/notifications/preferences', payload });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};
