import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, post, type TestApp, type TestUser } from '../../../test/helpers.js';
import { onSessionRevoked, revocationsOf, type SessionRevoked } from './auth.revocations.js';
import { sessions, users } from './auth.tables.js';

/** Two app instances on one database: a revocation made through one is refused by the other. */
let t: TestApp;
let other: FastifyInstance;
beforeAll(async () => {
  t = await createTestApp();
  other = await t.sibling();
});
afterAll(() => t?.close());

const meOn = (app: FastifyInstance, user: TestUser) =>
  app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${user.token}` } });

/** Resolves when `app` hears of a revocation matching `match` (the notice from the database). */
const heard = (app: FastifyInstance, match: (e: SessionRevoked) => boolean) =>
  new Promise<SessionRevoked>((resolve) => {
    const stop = onSessionRevoked(app.ctx, (event) => {
      if (!match(event)) return;
      stop();
      resolve(event);
    });
  });

const until = async (condition: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 400 && !(await condition()); i++) await new Promise((r) => setTimeout(r, 25));
  expect(await condition()).toBe(true);
};

describe('session revocation across instances', () => {
  it('when a user logs out on one instance, then the other refuses the token as soon as it hears of it', async () => {
    const u = await t.user('alumni');
    expect((await meOn(other, u)).statusCode).toBe(200);
    const notice = heard(other, (e) => e.userId === u.id && !!e.sessionId);
    expect((await u.inject({ method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(204);
    // The instance that revoked refuses at once; the other once the database's notice arrives.
    expect((await meOn(t.app, u)).statusCode).toBe(401);
    await notice;
    expect((await meOn(other, u)).statusCode).toBe(401);
  });

  it('when a refresh token is reused, then the whole session is refused on every instance', async () => {
    const u = await t.user('alumni');
    // Each instance hears of the revocation at commit (within milliseconds, not at once): wait for both.
    const notices = [t.app, other].map((app) => heard(app, (e) => e.userId === u.id && !!e.sessionId));
    expect((await post(t.app, '/api/auth/refresh', { refresh_token: u.refreshToken })).statusCode).toBe(200);
    expect((await post(other, '/api/auth/refresh', { refresh_token: u.refreshToken })).statusCode).toBe(401);
    await Promise.all(notices);
    expect((await meOn(t.app, u)).statusCode).toBe(401);
    expect((await meOn(other, u)).statusCode).toBe(401);
  });

  it('when an account is suspended in the database, then both instances refuse its tokens', async () => {
    const u = await t.user('alumni');
    const notices = [heard(t.app, (e) => e.userId === u.id), heard(other, (e) => e.userId === u.id)];
    await t.database.db.update(users).set({ status: 'suspended' }).where(eq(users.id, u.id));
    await Promise.all(notices);
    expect((await meOn(t.app, u)).statusCode).toBe(401);
    expect((await meOn(other, u)).statusCode).toBe(401);
  });

  it("when an admin's role is taken away, then the token's old role no longer opens admin routes", async () => {
    const admin = await t.user('admin');
    const pending = (app: FastifyInstance) =>
      app.inject({ method: 'GET', url: '/api/admin/profiles/pending', headers: { authorization: `Bearer ${admin.token}` } });
    expect((await pending(other)).statusCode).toBe(200);
    const notice = heard(other, (e) => e.userId === admin.id);
    await t.database.db.update(users).set({ role: 'alumni' }).where(eq(users.id, admin.id));
    await notice;
    expect((await pending(other)).statusCode).toBe(403);
  });

  it('when another session of the user is revoked, then this session keeps working (no statement is added for it)', async () => {
    const u = await t.user('alumni');
    const second = await post(t.app, '/api/auth/login', { email: u.email, password: u.password });
    const secondToken = second.json().access_token as string;
    const notice = heard(other, (e) => e.userId === u.id && !!e.sessionId);
    await post(t.app, '/api/auth/logout', undefined, { authorization: `Bearer ${secondToken}` });
    await notice;
    expect((await meOn(other, u)).statusCode).toBe(200);
  });
});

describe('when the listener is down', () => {
  it('then every request checks the database, and once it is back the revocations made meanwhile are known', async () => {
    const u = await t.user('alumni');
    const v = await t.user('alumni');
    const revocations = revocationsOf(other.ctx)!;
    expect(revocations.live).toBe(true);
    const admin = new pg.Client({ connectionString: t.databaseUrl });
    await admin.connect();
    try {
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cohort-revocations' AND datname = current_database()`,
      );
      await until(() => !revocations.live);
      // Revoked while nobody listens: no notice reaches any instance.
      await admin.query(`UPDATE sessions SET revoked_at = now(), revoked_reason = 'test' WHERE user_id = $1`, [u.id]);
      expect((await meOn(other, u)).statusCode).toBe(401);
      expect((await meOn(other, v)).statusCode).toBe(200);
      await until(() => revocations.live);
      expect((await meOn(other, u)).statusCode).toBe(401);
      expect((await meOn(other, v)).statusCode).toBe(200);
    } finally {
      await admin.end();
    }
  });

  it('when a session row is deleted, then its token is refused', async () => {
    const u = await t.user('alumni');
    const notice = heard(other, (e) => e.userId === u.id && !!e.sessionId);
    await t.database.db.delete(sessions).where(eq(sessions.user_id, u.id));
    await notice;
    expect((await meOn(other, u)).statusCode).toBe(401);
  });
});
