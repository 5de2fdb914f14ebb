import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, createForumPost, createTestApp, postJob, problemOf, type TestApp, type TestUser } from './helpers.js';

/**
 * Clients that send `content-type: application/json` on every POST, body or not (decision 112): an
 * empty JSON body is no body. Routes without a body take it; a body whose fields are all optional may
 * be left out; a body with required fields is a 400 naming the missing field.
 */
let t: TestApp;
let alumni: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  alumni = await t.user('alumni');
});
afterAll(() => t?.close());

const JSON_HEADER = { 'content-type': 'application/json' };
const emptyPost = (user: TestUser, url: string, headers: Record<string, string> = JSON_HEADER) =>
  user.inject({ method: 'POST', url, headers, payload: '' });

describe('an empty body with content-type application/json', () => {
  it('when a route takes no body (like, close), then it answers as if no body was sent', async () => {
    const post = await createForumPost(alumni);
    const liked = await emptyPost(alumni, `/api/forum/posts/${post.id}/like`);
    expect(liked.statusCode, liked.body).toBe(200);
    expect(liked.json()).toMatchObject({ liked: true });
    const recruiter = await t.user('recruiter');
    const job = await postJob(recruiter);
    const closed = await emptyPost(recruiter, `/api/jobs/${job.id}/close`);
    expect(closed.statusCode, closed.body).toBe(200);
    // With a charset parameter too.
    const unliked = await emptyPost(alumni, `/api/forum/posts/${post.id}/like`, { 'content-type': 'application/json; charset=utf-8' });
    expect(unliked.json()).toMatchObject({ liked: false });
  });

  it('when every field of the route’s body is optional (cancel an event), then it is accepted, with the header or without a body at all', async () => {
    const first = await createEvent(alumni);
    const withHeader = await emptyPost(alumni, `/api/events/${first.id}/cancel`);
    expect(withHeader.statusCode, withHeader.body).toBe(200);
    expect(withHeader.json().status).toBe('cancelled');
    const second = await createEvent(alumni);
    const bare = await alumni.inject({ method: 'POST', url: `/api/events/${second.id}/cancel` });
    expect(bare.statusCode, bare.body).toBe(200);
    // A route with a schema per content type (apply: JSON or multipart) reads it the same way: the
    // application goes on to its own rules (here: no CV on the profile), it is not refused as a body.
    const job = await postJob(await t.user('recruiter'));
    const student = await t.user('student');
    const apply = await emptyPost(student, `/api/jobs/${job.id}/apply`);
    expect(apply.statusCode, apply.body).toBe(400);
    expect(problemOf(apply).errors).toEqual([expect.objectContaining({ field: 'cv' })]);
  });

  it('when the route’s body has required fields, then 400 validation_failed naming the first missing field', async () => {
    for (const headers of [JSON_HEADER, {}]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers, payload: '' });
      expect(res.statusCode).toBe(400);
      expect(problemOf(res)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'email' }] });
    }
    const post = await createForumPost(alumni);
    const comment = await emptyPost(alumni, `/api/forum/posts/${post.id}/comments`);
    expect(comment.statusCode).toBe(400);
    expect(problemOf(comment).errors?.[0].field).toBe('content');
  });

  it('when the body is not empty but not JSON (blank, malformed, prototype pollution), then 400 naming body as before', async () => {
    for (const payload of [' ', '{"email":', '{"__proto__": {"role": "admin"}}', '{"constructor": {"prototype": {"role": "admin"}}}']) {
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: JSON_HEADER, payload });
      expect(res.statusCode, payload).toBe(400);
      expect(problemOf(res)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'body' }] });
    }
    // A JSON null is no object: the route's required fields are missing.
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: JSON_HEADER, payload: 'null' });
    expect(problemOf(res)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'email' }] });
  });
});
