import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, problemOf, type TestApp } from '../../../test/helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const me = (token: string) => t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
const sessionOf = async (userId: string) =>
  (await t.database.pool.query<{ id: string }>('SELECT id FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1', [userId]))
    .rows[0].id;

type Claim = 'exp' | 'iat' | 'iss' | 'aud' | 'jti';

/** A token signed with the server's key for a live session, leaving out what the test names. */
async function tokenWithout(userId: string, sessionId: string, omit: Claim[] = [], typ = 'at+jwt', lifetime = 600) {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ role: 'student', sid: sessionId }).setProtectedHeader({ alg: 'HS256', typ }).setSubject(userId);
  if (!omit.includes('iss')) jwt = jwt.setIssuer('cohort');
  if (!omit.includes('aud')) jwt = jwt.setAudience('cohort-api');
  if (!omit.includes('jti')) jwt = jwt.setJti(randomUUID());
  if (!omit.includes('iat')) jwt = jwt.setIssuedAt(now);
  if (!omit.includes('exp')) jwt = jwt.setExpirationTime(now + lifetime);
  return jwt.sign(new TextEncoder().encode(t.config.jwtSecret!));
}

describe('access tokens (RFC 8725)', () => {
  it('when a token has every claim and the access-token kind, then it is accepted', async () => {
    const u = await t.user('student');
    expect((await me(await tokenWithout(u.id, await sessionOf(u.id)))).statusCode).toBe(200);
  });

  it('when the server issues a token, then its header names the access-token kind', async () => {
    const u = await t.user('student');
    const header = JSON.parse(Buffer.from(u.token.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
  });

  for (const claim of ['exp', 'iat', 'iss', 'aud', 'jti'] as const) {
    it(`when a correctly signed token has no ${claim}, then it answers 401`, async () => {
      const u = await t.user('student');
      const res = await me(await tokenWithout(u.id, await sessionOf(u.id), [claim]));
      expect(res.statusCode).toBe(401);
      expect(problemOf(res).code).toBe('unauthenticated');
    });
  }

  it('when a correctly signed token is of another kind (typ JWT or none), then it answers 401', async () => {
    const u = await t.user('student');
    const sid = await sessionOf(u.id);
    for (const typ of ['JWT', 'refresh+jwt']) {
      const res = await me(await tokenWithout(u.id, sid, [], typ));
      expect(res.statusCode).toBe(401);
    }
  });

  it('when a correctly signed token lives longer than an access token may, then it answers 401', async () => {
    const u = await t.user('student');
    const res = await me(await tokenWithout(u.id, await sessionOf(u.id), [], 'at+jwt', 365 * 24 * 3600));
    expect(res.statusCode).toBe(401);
  });
});
