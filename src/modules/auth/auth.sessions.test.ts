import { SignJWT, UnsecuredJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { revocationsOf } from './auth.revocations.js';
import { createTestApp, post, problemOf, registerThroughApi, TEST_PASSWORD, uniqueEmail, type TestApp } from '../../../test/helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const login = (email: string, password: string) => post(t.app, '/api/auth/login', { email, password });
const me = (token: string) => t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
const refresh = (refresh_token: string) => post(t.app, '/api/auth/refresh', { refresh_token });
const logout = (token: string) => t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${token}` } });
const withoutRequestIds = (body: Record<string, unknown>) => {
  const { instance: _instance, request_id: _requestId, ...rest } = body;
  return rest;
};

/** A JWT shaped like ours, for a real session, with the claims the test chooses. */
async function forgedToken(options: {
  key?: Uint8Array;
  audience?: string;
  issuer?: string;
  exp?: number;
  sessionId: string;
  userId: string;
}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'student', sid: options.sessionId })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setIssuer(options.issuer ?? 'cohort')
    .setAudience(options.audience ?? 'cohort-api')
    .setSubject(options.userId)
    .setJti(randomUUID())
    .setIssuedAt((options.exp ?? now + 600) - 600)
    .setExpirationTime(options.exp ?? now + 600)
    .sign(options.key ?? new TextEncoder().encode(t.config.jwtSecret!));
}

const sessionOf = async (userId: string) =>
  (await t.database.pool.query<{ id: string }>('SELECT id FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1', [userId]))
    .rows[0].id;

describe('POST /api/auth/login', () => {
  it('when the password is right (e-mail in another case), then it answers 200 with a Bearer pair and the user', async () => {
    const u = await t.user('alumni');
    const res = await login(u.email.toUpperCase(), TEST_PASSWORD);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      user: { id: u.id, email: u.email.toLowerCase(), role: 'alumni', is_verified: true },
    });
    expect(typeof body.access_token).toBe('string');
    expect(typeof body.refresh_token).toBe('string');
    expect(body.access_token).not.toBe(body.refresh_token);
    expect(body.user.password_hash).toBeUndefined();
    expect(body.user.last_login_at).not.toBeNull();
    expect((await me(body.access_token)).statusCode).toBe(200);
  });

  it('when the password is wrong or the e-mail unknown, then both answer 401 invalid_credentials with the same body', async () => {
    const u = await t.user('student');
    const wrong = await login(u.email, 'Not-the-right-password-1');
    const unknown = await login(uniqueEmail('nobody'), 'Not-the-right-password-1');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(problemOf(wrong).code).toBe('invalid_credentials');
    expect(withoutRequestIds(wrong.json())).toEqual(withoutRequestIds(unknown.json()));
    expect(wrong.headers['content-type']).toBe(unknown.headers['content-type']);
  });

  it('when an imported account without a password tries to sign in, then it answers 401 invalid_credentials', async () => {
    const u = await t.user('alumni');
    await t.database.pool.query('UPDATE users SET password_hash = NULL WHERE id = $1', [u.id]);
    const res = await login(u.email, TEST_PASSWORD);
    expect(res.statusCode).toBe(401);
    expect(problemOf(res).code).toBe('invalid_credentials');
  });

  it('when the account is not verified, then the right password answers 403 email_not_verified', async () => {
    const { email, password } = await registerThroughApi(t);
    const res = await login(email, password);
    expect(res.statusCode).toBe(403);
    expect(problemOf(res).code).toBe('email_not_verified');
  });

  it('when the account is suspended, then the right password answers 403 and its sessions stop working', async () => {
    const u = await t.user('alumni');
    await t.database.pool.query(`UPDATE users SET status = 'suspended' WHERE id = $1`, [u.id]);
    const res = await login(u.email, TEST_PASSWORD);
    expect(res.statusCode).toBe(403);
    expect(problemOf(res).code).toBe('forbidden');
    expect((await me(u.token)).statusCode).toBe(401);
    expect((await refresh(u.refreshToken)).statusCode).toBe(401);
  });

  it('when the account is suspended, then a wrong password still answers 401 invalid_credentials', async () => {
    const u = await t.user('alumni');
    await t.database.pool.query(`UPDATE users SET status = 'suspended' WHERE id = $1`, [u.id]);
    const res = await login(u.email, 'Not-the-right-password-1');
    expect(res.statusCode).toBe(401);
    expect(problemOf(res).code).toBe('invalid_credentials');
  });

  it('when a field is missing, then it answers 400 naming it', async () => {
    const res = await post(t.app, '/api/auth/login', { email: uniqueEmail() });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('password');
  });
});

describe('GET /api/auth/me', () => {
  it('when no token is sent, then it answers 401 unauthenticated', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/auth/me' });
    expect(res.statusCode).toBe(401);
    expect(problemOf(res).code).toBe('unauthenticated');
  });

  it.each(['garbage', 'Bearer', 'Basic dXNlcjpwYXNz'])('when the Authorization header is "%s…", then it answers 401', async (header) => {
    const res = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: header } });
    expect(res.statusCode).toBe(401);
    expect(problemOf(res).code).toBe('unauthenticated');
  });

  it('when the bearer token is garbage, then it answers 401 unauthenticated', async () => {
    const res = await me('not.a.jwt');
    expect(res.statusCode).toBe(401);
    expect(problemOf(res).code).toBe('unauthenticated');
  });

  it('when a refresh token is sent as the bearer token, then it answers 401', async () => {
    const u = await t.user('student');
    const res = await me(u.refreshToken);
    expect(res.statusCode).toBe(401);
    expect(problemOf(res).code).toBe('unauthenticated');
  });

  it('when the token is valid, then it answers the user with role and no secrets', async () => {
    const u = await t.user('faculty');
    const res = await me(u.token);
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ id: u.id, role: 'faculty' });
    expect(res.json()).toHaveProperty('profile');
    expect(res.body).not.toContain('argon2');
  });
});

describe('POST /api/auth/refresh', () => {
  it('when a refresh token is used, then a new working pair is issued and the old access token stays valid until expiry', async () => {
    const u = await t.user('alumni');
    const res = await refresh(u.refreshToken);
    expect(res.statusCode).toBe(200);
    const pair = res.json();
    expect(pair).toMatchObject({ token_type: 'Bearer', expires_in: 900, user: { id: u.id } });
    expect(pair.refresh_token).not.toBe(u.refreshToken);
    expect((await me(pair.access_token)).statusCode).toBe(200);
    expect((await refresh(pair.refresh_token)).statusCode).toBe(200);
  });

  it('when a rotated refresh token is reused, then it answers 401 and the whole session is revoked at once', async () => {
    const u = await t.user('alumni');
    const first = (await refresh(u.refreshToken)).json();
    const second = (await refresh(first.refresh_token)).json();
    expect((await me(second.access_token)).statusCode).toBe(200);

    const reuse = await refresh(u.refreshToken);
    expect(reuse.statusCode).toBe(401);
    expect(problemOf(reuse).code).toBe('unauthenticated');

    expect((await refresh(second.refresh_token)).statusCode).toBe(401);
    for (const token of [u.token, first.access_token, second.access_token]) expect((await me(token)).statusCode).toBe(401);
  });

  it('when a reuse hits one session, then the same user’s other sessions keep working', async () => {
    const u = await t.user('alumni');
    const other = (await login(u.email, TEST_PASSWORD)).json();
    await refresh(u.refreshToken);
    expect((await refresh(u.refreshToken)).statusCode).toBe(401);
    expect((await me(other.access_token)).statusCode).toBe(200);
    expect((await refresh(other.refresh_token)).statusCode).toBe(200);
  });

  it('when one refresh token is presented twice in parallel, then at most one new pair is issued', async () => {
    const u = await t.user('alumni');
    const answers = await Promise.all([refresh(u.refreshToken), refresh(u.refreshToken)]);
    expect(answers.map((a) => a.statusCode).filter((s) => s === 200).length).toBeLessThanOrEqual(1);
  });

  it('when the refresh token is unknown, then it answers 401 unauthenticated', async () => {
    const res = await refresh('definitely-not-a-token');
    expect(res.statusCode).toBe(401);
    expect(problemOf(res).code).toBe('unauthenticated');
  });

  it('when an access token is sent as the refresh token, then it answers 401', async () => {
    const u = await t.user('alumni');
    expect((await refresh(u.token)).statusCode).toBe(401);
  });

  it('when the body has no refresh_token, then it answers 400 naming it', async () => {
    const res = await post(t.app, '/api/auth/refresh', {});
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('refresh_token');
  });
});

describe('POST /api/auth/logout', () => {
  it('when a user logs out, then it answers 204 and the access and refresh tokens stop working at once', async () => {
    const u = await t.user('student');
    const res = await logout(u.token);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    const after = await me(u.token);
    expect(after.statusCode).toBe(401);
    expect(problemOf(after).code).toBe('unauthenticated');
    expect((await refresh(u.refreshToken)).statusCode).toBe(401);
    expect((await logout(u.token)).statusCode).toBe(401);
  });

  it('when one session logs out, then another session of the same user keeps working', async () => {
    const u = await t.user('student');
    const other = (await login(u.email, TEST_PASSWORD)).json();
    await logout(u.token);
    expect((await me(other.access_token)).statusCode).toBe(200);
  });

  it('when no token is sent, then it answers 401', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/logout' });
    expect(res.statusCode).toBe(401);
    expect(problemOf(res).code).toBe('unauthenticated');
  });
});

describe('access token checks', () => {
  it('when the access token has expired, then it answers 401 token_expired', async () => {
    const u = await t.user('student');
    const token = await forgedToken({ userId: u.id, sessionId: await sessionOf(u.id), exp: Math.floor(Date.now() / 1000) - 60 });
    const res = await me(token);
    expect(res.statusCode).toBe(401);
    expect(problemOf(res).code).toBe('token_expired');
  });

  it('when a token accepted before (and remembered as verified) expires, then the next request is 401 token_expired', async () => {
    const u = await t.user('student');
    const token = await forgedToken({ userId: u.id, sessionId: await sessionOf(u.id), exp: Math.floor(Date.now() / 1000) + 60 });
    expect((await me(token)).statusCode).toBe(200);
    expect((await me(token)).statusCode).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 66_000); // past exp and the 5 s tolerance
      const res = await me(token);
      expect(res.statusCode).toBe(401);
      expect(problemOf(res).code).toBe('token_expired');
    } finally {
      vi.useRealTimers();
    }
  });

  it('when a remembered token is revoked by logout, then it is refused at once', async () => {
    const u = await t.user('student');
    expect((await me(u.token)).statusCode).toBe(200);
    await logout(u.token);
    const res = await me(u.token);
    expect(res.statusCode).toBe(401);
  });

  it('when a correctly signed token names a live session, then it is accepted (the forging helper is sound)', async () => {
    const u = await t.user('student');
    const token = await forgedToken({ userId: u.id, sessionId: await sessionOf(u.id) });
    expect((await me(token)).statusCode).toBe(200);
  });

  it('when the token uses alg none, then it answers 401', async () => {
    const u = await t.user('student');
    const token = new UnsecuredJWT({ role: 'admin', sid: await sessionOf(u.id) })
      .setIssuer('cohort')
      .setAudience('cohort-api')
      .setSubject(u.id)
      .setExpirationTime('10m')
      .encode();
    const res = await me(token);
    expect(res.statusCode).toBe(401);
    expect(problemOf(res).code).toBe('unauthenticated');
  });

  it('when the token is for another audience or issuer, then it answers 401', async () => {
    const u = await t.user('student');
    const sessionId = await sessionOf(u.id);
    for (const token of [
      await forgedToken({ userId: u.id, sessionId, audience: 'someone-else' }),
      await forgedToken({ userId: u.id, sessionId, issuer: 'someone-else' }),
    ]) {
      const res = await me(token);
      expect(res.statusCode).toBe(401);
      expect(problemOf(res).code).toBe('unauthenticated');
    }
  });

  it('when the token is signed with another key, then it answers 401', async () => {
    const u = await t.user('student');
    const token = await forgedToken({
      userId: u.id,
      sessionId: await sessionOf(u.id),
      key: new TextEncoder().encode('another-secret-that-is-long-enough-000000'),
    });
    const res = await me(token);
    expect(res.statusCode).toBe(401);
    expect(problemOf(res).code).toBe('unauthenticated');
  });

  // Only our key signs a token, so a live listener trusts the pair it names (decision 040); the
  // database check, used while the listener is down, still refuses a pair that does not match.
  it('when the token names a session of another user and sessions are checked in the database, then it answers 401', async () => {
    const sibling = await t.sibling();
    await revocationsOf(sibling.ctx)!.stop();
    const a = await t.user('student');
    const b = await t.user('student');
    const token = await forgedToken({ userId: a.id, sessionId: await sessionOf(b.id) });
    const res = await sibling.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(401);
  });
});
