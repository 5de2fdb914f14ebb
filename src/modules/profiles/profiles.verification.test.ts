import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, problemOf, type TestApp, type TestUser, member } from '../../../test/helpers.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.user('admin');
});
afterAll(() => t?.close());

const ask = (user: TestUser) => user.inject({ method: 'POST', url: '/api/profiles/me/request-verification' });
const verify = (id: string, as: TestUser = admin) => as.inject({ method: 'POST', url: `/api/admin/profiles/verify/${id}` });
const reject = (id: string, payload?: object, as: TestUser = admin) =>
  as.inject({ method: 'POST', url: `/api/admin/profiles/reject/${id}`, payload });
const pending = async () => {
  const res = await admin.inject({ method: 'GET', url: '/api/admin/profiles/pending?limit=100' });
  expect(res.statusCode).toBe(200);
  return res.json() as { results: { user_id: string; source: string; email: string }[]; count: number; next_cursor: string | null };
};

describe('verification workflow', () => {
  it('when a member asks, then it is 202 pending and listed; asking again is 409 already_requested', async () => {
    const user = await member(t, { current_company: 'Acme', batch_year: 2012 });
    const res = await ask(user);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ verification_status: 'pending', is_verified: false });
    expect((await pending()).results).toContainEqual(expect.objectContaining({ user_id: user.id, source: 'member', email: user.email }));
    const again = await ask(user);
    expect(again.statusCode).toBe(409);
    expect(problemOf(again).code).toBe('already_requested');
  });

  it('when a member asks twice at once, then exactly one request is recorded', async () => {
    const user = await member(t);
    const codes = (await Promise.all([ask(user), ask(user), ask(user)])).map((r) => r.statusCode).sort();
    expect(codes).toEqual([202, 409, 409]);
    expect((await pending()).results.filter((r) => r.user_id === user.id)).toHaveLength(1);
  });

  it('when an admin verifies, then the profile is verified with who and when, the member is e-mailed, and it leaves the queue', async () => {
    const user = await member(t);
    await ask(user);
    const res = await verify(user.id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ verification_status: 'verified', is_verified: true, verified_by: admin.id });
    expect(Date.parse(res.json().verified_at)).toBeGreaterThan(Date.now() - 60_000);
    const mail = await t.inbox.waitFor(user.email, (m) => /verified/i.test(m.subject));
    expect(mail.text).toContain('verified your profile');
    expect((await pending()).results.map((r) => r.user_id)).not.toContain(user.id);
    expect((await ask(user)).statusCode).toBe(409);
    const search = await user.inject({
      method: 'GET',
      url: `/api/profiles/search?verified_only=true&name=${encodeURIComponent(user.profile.name)}`,
    });
    expect(search.json().count).toBe(1);
  });

  it('when an admin rejects with a reason, then the member is e-mailed the reason, sees it, and may edit and ask again', async () => {
    const user = await member(t);
    await ask(user);
    const res = await reject(user.id, { reason: 'The batch year does not match our records' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ verification_status: 'rejected', is_verified: false, verified_by: null });
    const mail = await t.inbox.waitFor(user.email, (m) => /declined/i.test(m.subject));
    expect(mail.text).toContain('The batch year does not match our records');
    const me = (await user.inject({ method: 'GET', url: '/api/profiles/me' })).json();
    expect(me.rejection_reason).toBe('The batch year does not match our records');
    const other = await t.user();
    expect((await other.inject({ method: 'GET', url: `/api/profiles/${user.id}` })).json().rejection_reason).toBeNull();
    await user.inject({ method: 'PUT', url: `/api/profiles/${user.id}`, payload: { batch_year: 2011 } });
    expect((await ask(user)).statusCode).toBe(202);
  });

  it('when a rejection has no reason, then it is 400 and the request stays pending', async () => {
    const user = await member(t);
    await ask(user);
    const res = await reject(user.id, {});
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('reason');
    expect((await reject(user.id, { reason: '   ' })).statusCode).toBe(400);
    expect((await pending()).results.map((r) => r.user_id)).toContain(user.id);
  });

  it('when there is no pending request, then verify and reject are 409; an unknown profile is 404', async () => {
    const user = await member(t);
    expect((await verify(user.id)).statusCode).toBe(409);
    expect((await reject(user.id, { reason: 'no' })).statusCode).toBe(409);
    expect((await verify('00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });

  it('when a verified profile edits company, batch year or degree, then it goes back to pending by itself', async () => {
    const user = await member(t, { current_company: 'Acme', batch_year: 2012, degree: 'B.Tech' });
    await ask(user);
    await verify(user.id);
    const harmless = await user.inject({
      method: 'PUT',
      url: `/api/profiles/${user.id}`,
      payload: { headline: 'New', current_company: 'Acme' },
    });
    expect(harmless.json()).toMatchObject({ verification_status: 'verified', is_verified: true });
    const fact = await user.inject({ method: 'PUT', url: `/api/profiles/${user.id}`, payload: { current_company: 'Globex' } });
    expect(fact.json()).toMatchObject({ verification_status: 'pending', is_verified: false, verified_by: null });
    expect((await pending()).results).toContainEqual(expect.objectContaining({ user_id: user.id, source: 'facts_changed' }));
  });

  it('when the caller has no profile, then asking is 404', async () => {
    expect((await ask(await t.user())).statusCode).toBe(404);
  });
});

describe('admin permissions', () => {
  it('when a non-admin calls /api/admin/*, then it is 403 whatever the body; anonymous is 401', async () => {
    const user = await member(t);
    for (const role of ['student', 'alumni', 'faculty', 'recruiter'] as const) {
      const caller = await t.user(role);
      expect((await caller.inject({ method: 'GET', url: '/api/admin/profiles/pending' })).statusCode).toBe(403);
      expect((await verify(user.id, caller)).statusCode).toBe(403);
      expect((await reject(user.id, { nonsense: true }, caller)).statusCode).toBe(403);
      expect((await caller.inject({ method: 'POST', url: '/api/admin/import/alumni' })).statusCode).toBe(403);
    }
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/profiles/pending' })).statusCode).toBe(401);
  });

  it('when the pending queue is paged, then each request appears once, oldest first, with the same count', async () => {
    for (let i = 0; i < 3; i++) await ask(await member(t));
    const all = await pending();
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const res = await admin.inject({ method: 'GET', url: `/api/admin/profiles/pending?limit=2&cursor=${encodeURIComponent(cursor)}` });
      const body = res.json();
      expect(body.count).toBe(all.count);
      seen.push(...body.results.map((r: { user_id: string }) => r.user_id));
      cursor = body.next_cursor;
    }
    expect(seen).toEqual(all.results.map((r) => r.user_id));
    expect((await admin.inject({ method: 'GET', url: '/api/admin/profiles/pending?cursor=bogus' })).statusCode).toBe(400);
  });
});
