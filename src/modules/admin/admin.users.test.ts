import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProfile,
  createTestApp,
  fileUpload,
  member,
  PNG,
  post,
  postJob,
  problemOf,
  TEST_PASSWORD,
  type TestApp,
  type TestUser,
} from '../../../test/helpers.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.user('admin');
});
afterAll(() => t?.close());

const stored = async (key: string) => {
  const file = await t.app.ctx.storage.get(key);
  file?.body.destroy();
  return file !== null;
};

const auditOf = async (targetId: string) =>
  (await t.database.pool.query(`SELECT * FROM audit_log WHERE target_id = $1 ORDER BY created_at, id`, [targetId])).rows;

describe('GET /api/admin/users', () => {
  it('when filtered by role, status, verified, q and joined range, then only matches come, with count and a cursor', async () => {
    const tag = randomUUID().slice(0, 8);
    const created = await Promise.all([1, 2, 3].map((i) => t.user('recruiter', { name: `Recruiter ${tag} ${i}` })));
    await t.user('recruiter', { name: `Unverified ${tag}`, is_verified: false, email: `unv-${tag}@example.com` }).catch(() => null);
    const base = `/api/admin/users?role=recruiter&status=active&verified=true&q=${tag}&joined_from=2000-01-01T00:00:00Z`;
    const first = await admin.inject({ method: 'GET', url: `${base}&limit=2` });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().count).toBe(3);
    expect(first.json().results).toHaveLength(2);
    const second = await admin.inject({ method: 'GET', url: `${base}&limit=2&cursor=${first.json().next_cursor}` });
    expect(second.json().next_cursor).toBeNull();
    const ids = [...first.json().results, ...second.json().results].map((u: { id: string }) => u.id).sort();
    expect(ids).toEqual(created.map((u) => u.id).sort());
    expect(first.json().results[0]).not.toHaveProperty('password_hash');
    const none = await admin.inject({ method: 'GET', url: `${base}&joined_to=2000-01-02T00:00:00Z` });
    expect(none.json().count).toBe(0);
  });

  it('when a filter is malformed, then 400 naming it', async () => {
    for (const [query, field] of [
      ['role=wizard', 'role'],
      ['joined_from=yesterday', 'joined_from'],
      ['joined_from=2025-02-01&joined_to=2025-01-01', 'joined_from'],
      ['limit=0', 'limit'],
      ['cursor=forged', 'cursor'],
    ]) {
      const res = await admin.inject({ method: 'GET', url: `/api/admin/users?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(JSON.stringify(problemOf(res))).toContain(field);
    }
  });
});

describe('PUT /api/admin/users/{user_id}', () => {
  it('when an admin changes role and name, then both change and each change is audited with the ip', async () => {
    const user = await t.user('student');
    const res = await admin.inject({ method: 'PUT', url: `/api/admin/users/${user.id}`, payload: { role: 'alumni', name: 'New Name' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: user.id, role: 'alumni', name: 'New Name', status: 'active' });
    const entries = await auditOf(user.id);
    expect(entries.map((e) => e.action_type).sort()).toEqual(['user.rename', 'user.role_change']);
    expect(entries[0]).toMatchObject({ admin_id: admin.id, target_type: 'user', ip: '127.0.0.1' });
  });

  it('when the body has an unknown field or a bad role, then 400 naming it and nothing is audited', async () => {
    const user = await t.user('student');
    for (const [payload, field] of [
      [{ is_verified: true }, 'is_verified'],
      [{ role: 'superuser' }, 'role'],
      [{ status: 'deleted' }, 'status'],
    ] as const) {
      const res = await admin.inject({ method: 'PUT', url: `/api/admin/users/${user.id}`, payload });
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(problemOf(res))).toContain(field);
    }
    expect(await auditOf(user.id)).toHaveLength(0);
  });

  it('when an admin demotes or suspends themself, then 409 self_change', async () => {
    const other = await t.user('admin');
    for (const payload of [{ role: 'alumni' }, { status: 'suspended' }]) {
      const res = await other.inject({ method: 'PUT', url: `/api/admin/users/${other.id}`, payload });
      expect(res.statusCode).toBe(409);
      expect(problemOf(res).code).toBe('self_change');
    }
    expect((await other.inject({ method: 'DELETE', url: `/api/admin/users/${other.id}` })).statusCode).toBe(409);
  });

  it('when the only two admins demote each other at the same time, then exactly one succeeds and one active admin remains', async () => {
    const app = await createTestApp();
    try {
      const [a, b] = await Promise.all([app.user('admin'), app.user('admin')]);
      const results = await Promise.all([
        a.inject({ method: 'PUT', url: `/api/admin/users/${b.id}`, payload: { role: 'alumni' } }),
        b.inject({ method: 'PUT', url: `/api/admin/users/${a.id}`, payload: { role: 'alumni' } }),
      ]);
      const codes = results.map((r) => r.statusCode).sort();
      // The loser is either refused as the last admin (409) or, having been demoted first, no longer an admin (403).
      expect(codes[0]).toBe(200);
      expect([401, 403, 409]).toContain(codes[1]);
      const { rows } = await app.database.pool.query(`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND status = 'active'`);
      expect(rows[0].n).toBe(1);
    } finally {
      await app.close();
    }
  });
});

describe('suspend and activate', () => {
  it('when a user is suspended, then their live tokens stop at once, sign-in is 403 and the profile leaves search, directory and facets; activate restores', async () => {
    const company = `Suspendco ${randomUUID().slice(0, 6)}`;
    const user = await member(t, { name: `Sus Pended ${company}`, current_company: company }, 'alumni');
    const viewer = await t.user('alumni');
    const listed = async () => {
      const search = await viewer.inject({ method: 'GET', url: `/api/profiles/search?company=${encodeURIComponent(company)}` });
      const facets = await viewer.inject({ method: 'GET', url: '/api/profiles/filters/options' });
      return { count: search.json().count, facet: facets.json().companies.some((c: { value: string }) => c.value === company) };
    };
    expect(await listed()).toEqual({ count: 1, facet: true });
    expect((await user.inject({ method: 'GET', url: '/api/auth/me' })).statusCode).toBe(200);

    const res = await admin.inject({ method: 'POST', url: `/api/admin/users/${user.id}/suspend` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'suspended', active_sessions: 0 });
    expect((await user.inject({ method: 'GET', url: '/api/auth/me' })).statusCode).toBe(401);
    expect((await post(t.app, '/api/auth/refresh', { refresh_token: user.refreshToken })).statusCode).toBe(401);
    const login = await post(t.app, '/api/auth/login', { email: user.email, password: TEST_PASSWORD });
    expect(login.statusCode).toBe(403);
    expect(await listed()).toEqual({ count: 0, facet: false });

    const back = await admin.inject({ method: 'POST', url: `/api/admin/users/${user.id}/activate` });
    expect(back.json().status).toBe('active');
    expect(await listed()).toEqual({ count: 1, facet: true });
    expect((await post(t.app, '/api/auth/login', { email: user.email, password: TEST_PASSWORD })).statusCode).toBe(200);
    expect((await auditOf(user.id)).map((e) => e.action_type)).toEqual(['user.suspend', 'user.activate']);
  });

  it('when a member is suspended, then others read their profile by id as 404 (as if deleted), admins still read it; activate restores', async () => {
    const user = await member(t, { name: 'Hid Den' }, 'alumni');
    const viewer = await t.user('student');
    const read = (who: TestUser) => who.inject({ method: 'GET', url: `/api/profiles/${user.id}` });
    expect((await read(viewer)).statusCode).toBe(200);

    expect((await admin.inject({ method: 'POST', url: `/api/admin/users/${user.id}/suspend` })).statusCode).toBe(200);
    const hidden = await read(viewer);
    expect(hidden.statusCode).toBe(404);
    expect(problemOf(hidden).code).toBe('not_found');
    expect((await read(admin)).statusCode).toBe(200);

    expect((await admin.inject({ method: 'POST', url: `/api/admin/users/${user.id}/activate` })).statusCode).toBe(200);
    expect((await read(viewer)).statusCode).toBe(200);
  });

  it('when a deleted account is activated, then 409', async () => {
    const user = await t.user('student');
    expect((await admin.inject({ method: 'DELETE', url: `/api/admin/users/${user.id}` })).statusCode).toBe(204);
    const res = await admin.inject({ method: 'POST', url: `/api/admin/users/${user.id}/activate` });
    expect(res.statusCode).toBe(409);
  });
});

describe('DELETE /api/admin/users/{user_id}', () => {
  it('when a member is deleted, then personal data is anonymized, files and mail are scrubbed, content stays and sign-in is impossible', async () => {
    const user = await member(t, { name: 'Dee Leted', headline: 'Secret headline', location: 'Pune, India', skills: ['Rust'] }, 'alumni');
    const photo = await user.inject({
      method: 'POST',
      url: '/api/profiles/upload-photo',
      ...fileUpload(PNG, { filename: 'me.png', type: 'image/png' }),
    });
    expect(photo.statusCode, photo.body).toBe(200);
    const [{ photo_key }] = (await t.database.pool.query(`SELECT photo_key FROM profiles WHERE user_id = $1`, [user.id])).rows;
    expect(await stored(photo_key)).toBe(true);
    const job = await postJob(user);
    await post(t.app, '/api/auth/forgot-password', { email: user.email });
    await t.inbox.waitFor(user.email);

    const res = await admin.inject({ method: 'DELETE', url: `/api/admin/users/${user.id}` });
    expect(res.statusCode, res.body).toBe(204);

    const [account] = (await t.database.pool.query(`SELECT * FROM users WHERE id = $1`, [user.id])).rows;
    expect(account).toMatchObject({ status: 'deleted', name: 'Deleted user', password_hash: null });
    expect(account.email).not.toContain(user.email.split('@')[0]);
    const [profile] = (await t.database.pool.query(`SELECT * FROM profiles WHERE user_id = $1`, [user.id])).rows;
    expect(profile).toMatchObject({
      name: 'Deleted user',
      headline: null,
      location: null,
      skills: [],
      photo_key: null,
      directory_visible: false,
    });
    expect(await stored(photo_key)).toBe(false);
    const mails = (await t.database.pool.query(`SELECT * FROM mail_outbox WHERE lower("to") = lower($1)`, [user.email])).rows;
    expect(mails).toHaveLength(0);
    // Content is kept and points at the (now anonymous) account.
    const jobRead = await admin.inject({ method: 'GET', url: `/api/jobs/${job.id}` });
    expect(jobRead.statusCode).toBe(200);
    expect((await post(t.app, '/api/auth/login', { email: user.email, password: TEST_PASSWORD })).statusCode).toBe(401);
    expect((await user.inject({ method: 'GET', url: '/api/auth/me' })).statusCode).toBe(401);
    const entries = await auditOf(user.id);
    expect(entries.map((e) => e.action_type)).toEqual(['user.delete']);
    expect(JSON.stringify(entries)).not.toContain(user.email);
    expect((await admin.inject({ method: 'DELETE', url: `/api/admin/users/${user.id}` })).statusCode).toBe(404);
  });
});

describe('ADMIN_EMAIL at start-up', () => {
  it('when the configured admin is missing, then it is created; a later suspension or demotion is not undone by a restart', async () => {
    const email = `boot-${randomUUID().slice(0, 8)}@example.com`;
    const env = { ADMIN_EMAIL: email, ADMIN_PASSWORD: 'Start-up-admin-42-pass' };
    await t.sibling(env);
    const [created] = (await t.database.pool.query(`SELECT * FROM users WHERE email = $1`, [email])).rows;
    expect(created).toMatchObject({ role: 'admin', status: 'active', is_verified: true });
    expect((await admin.inject({ method: 'POST', url: `/api/admin/users/${created.id}/suspend` })).statusCode).toBe(200);
    await t.sibling(env);
    const [after] = (await t.database.pool.query(`SELECT * FROM users WHERE email = $1`, [email])).rows;
    expect(after.status).toBe('suspended');
    await t.database.db.execute(sql`SELECT 1`);
  });
});

describe('GET /api/admin/users/{user_id}', () => {
  it('when an admin reads a member, then the account, profile state and live sessions come back', async () => {
    const user = await t.user('alumni');
    await createProfile(user, { name: 'Detail Person' });
    const res = await admin.inject({ method: 'GET', url: `/api/admin/users/${user.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: user.id, role: 'alumni', profile_verification_status: 'unverified', active_sessions: 1 });
  });
});
