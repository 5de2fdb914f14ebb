import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { jobs } from '../src/modules/jobs/jobs.tables.js';
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
