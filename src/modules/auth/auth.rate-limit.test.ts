import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  post,
  problemOf,
  registerThroughApi,
  TEST_PASSWORD,
  testRedisUrl,
  uniqueEmail,
  type TestApp,
} from '../../../test/helpers.js';

const WRONG = 'Not-the-right-password-1';
const expectRateLimited = (res: Awaited<ReturnType<typeof post>>) => {
  expect(res.statusCode).toBe(429);
  expect(problemOf(res)).toMatchObject({ status: 429, code: 'rate_limited' });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
};

describe('per-IP limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      RATE_LIMIT_LOGIN_IP_PER_MINUTE: '3',
      RATE_LIMIT_REGISTER_IP_PER_HOUR: '2',
      RATE_LIMIT_AUTH_IP_PER_MINUTE: '2',
    });
  });
  afterAll(() => t?.close());

  it('when logging in, then the response carries x-ratelimit-limit, -remaining and -reset', async () => {
    const res = await post(t.app, '/api/auth/login', { email: uniqueEmail(), password: WRONG });
    expect(res.headers['x-ratelimit-limit']).toBe('3');
    expect(res.headers['x-ratelimit-remaining']).toBe('2');
    expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
  });

  it('when one IP exceeds the login limit, then it gets 429 problem+json with Retry-After, even with the right password', async () => {
    const u = await t.user('student');
    const from = { remoteAddress: '10.0.0.7' };
    for (let i = 0; i < 3; i++) {
      const ok = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: u.email, password: TEST_PASSWORD },
        ...from,
      });
      expect(ok.statusCode).toBe(200);
    }
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: u.email, password: TEST_PASSWORD },
      ...from,
    });
    expectRateLimited(res);
    expect(res.headers['x-ratelimit-remaining']).toBe('0');
    // Another address is not affected.
    const other = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: u.email, password: TEST_PASSWORD },
      remoteAddress: '10.0.0.8',
    });
    expect(other.statusCode).toBe(200);
  });

  it('when X-Forwarded-For varies but TRUST_PROXY is unset, then the socket address is what is limited', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) {
      answers.push(
        await t.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: uniqueEmail(), password: WRONG },
          remoteAddress: '10.0.0.9',
          headers: { 'x-forwarded-for': `192.0.2.${i}` },
        }),
      );
    }
    expect(answers.map((a) => a.statusCode)).toEqual([401, 401, 401, 429]);
  });

  it('when one IP registers more than the hourly limit, then it gets 429', async () => {
    const body = () => ({ email: uniqueEmail(), password: TEST_PASSWORD, name: 'Rate Limited', role: 'student' });
    const from = { remoteAddress: '10.0.1.1' };
    for (let i = 0; i < 2; i++)
      expect((await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: body(), ...from })).statusCode).toBe(201);
    expectRateLimited(await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: body(), ...from }));
  });

  it.each(['verify-email', 'resend-verification', 'forgot-password', 'reset-password', 'refresh'])(
    'when one IP calls %s too often, then it gets 429 with the rate-limit headers',
    async (route) => {
      const payloads: Record<string, object> = {
        'verify-email': { email: uniqueEmail(), otp: '000000' },
        'resend-verification': { email: uniqueEmail() },
        'forgot-password': { email: uniqueEmail() },
        'reset-password': { token: 'nope', new_password: TEST_PASSWORD },
        refresh: { refresh_token: 'nope' },
      };
      const from = { remoteAddress: `10.0.2.${route.length}` };
      const first = await t.app.inject({ method: 'POST', url: `/api/auth/${route}`, payload: payloads[route], ...from });
      expect(first.headers['x-ratelimit-limit']).toBe('2');
      await t.app.inject({ method: 'POST', url: `/api/auth/${route}`, payload: payloads[route], ...from });
      expectRateLimited(await t.app.inject({ method: 'POST', url: `/api/auth/${route}`, payload: payloads[route], ...from }));
    },
  );
});

describe('per-account limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_LOGIN_FAILURES_PER_15_MIN: '4' });
  });
  afterAll(() => t?.close());

  it('when an account had too many failed logins, then the next login is 429 even with the right password', async () => {
    const u = await t.user('student');
    for (let i = 0; i < 4; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: u.email, password: WRONG },
        remoteAddress: `10.1.0.${i}`,
      });
      expect(res.statusCode).toBe(401);
    }
    const blocked = await post(t.app, '/api/auth/login', { email: u.email.toUpperCase(), password: TEST_PASSWORD });
    expectRateLimited(blocked);
    // Another account from the same address is unaffected.
    const other = await t.user('student');
    expect((await post(t.app, '/api/auth/login', { email: other.email, password: TEST_PASSWORD })).statusCode).toBe(200);
  });

  it('when an account had fewer failures than the limit, then the right password still works', async () => {
    const u = await t.user('student');
    for (let i = 0; i < 3; i++) await post(t.app, '/api/auth/login', { email: u.email, password: WRONG });
    expect((await post(t.app, '/api/auth/login', { email: u.email, password: TEST_PASSWORD })).statusCode).toBe(200);
  });

  it('when an unknown address had too many failed logins, then it is limited the same way (no enumeration)', async () => {
    const email = uniqueEmail('nobody');
    for (let i = 0; i < 4; i++) expect((await post(t.app, '/api/auth/login', { email, password: WRONG })).statusCode).toBe(401);
    expectRateLimited(await post(t.app, '/api/auth/login', { email, password: WRONG }));
  });

  it('when verification codes are re-sent more than 5 times an hour for one account, then the 6th is 429 and sends nothing', async () => {
    const { email } = await registerThroughApi(t);
    for (let i = 0; i < 5; i++) {
      const res = await post(t.app, '/api/auth/resend-verification', { email: i % 2 ? email.toUpperCase() : email });
      expect(res.statusCode).toBe(202);
    }
    const { rows: before } = await t.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM mail_outbox WHERE "to" = $1', [
      email.toLowerCase(),
    ]);
    expectRateLimited(await post(t.app, '/api/auth/resend-verification', { email }));
    const { rows: after } = await t.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM mail_outbox WHERE "to" = $1', [
      email.toLowerCase(),
    ]);
    expect(after[0].n).toBe(before[0].n);
  });

  it('when password resets are asked more than 5 times an hour for one account, then the 6th is 429', async () => {
    const u = await t.user('alumni');
    for (let i = 0; i < 5; i++) expect((await post(t.app, '/api/auth/forgot-password', { email: u.email })).statusCode).toBe(202);
    expectRateLimited(await post(t.app, '/api/auth/forgot-password', { email: u.email.toUpperCase() }));
    // The limit is per account: another one is unaffected.
    const other = await t.user('alumni');
    expect((await post(t.app, '/api/auth/forgot-password', { email: other.email })).statusCode).toBe(202);
  });

  it('when an unknown address asks for resets too often, then it gets the same 429 as a known one', async () => {
    const email = uniqueEmail('ghost');
    for (let i = 0; i < 5; i++) expect((await post(t.app, '/api/auth/forgot-password', { email })).statusCode).toBe(202);
    expectRateLimited(await post(t.app, '/api/auth/forgot-password', { email }));
  });
});

describe('shared limits across instances (Redis)', () => {
  it.skipIf(!testRedisUrl)('when two instances share Redis, then they share the per-IP login limit', async () => {
    const t = await createTestApp({ RATE_LIMIT_LOGIN_IP_PER_MINUTE: '3' });
    try {
      const other = await t.sibling();
      const from = { remoteAddress: '10.9.0.1' };
      const attempt = (app: typeof t.app) =>
        app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: uniqueEmail(), password: WRONG }, ...from });
      expect((await attempt(t.app)).statusCode).toBe(401);
      expect((await attempt(other)).statusCode).toBe(401);
      expect((await attempt(t.app)).statusCode).toBe(401);
      expectRateLimited(await attempt(other));
    } finally {
      await t.close();
    }
  });

  it.skipIf(!testRedisUrl)('when two instances share Redis, then they share the per-account failure limit', async () => {
    const t = await createTestApp({ RATE_LIMIT_LOGIN_FAILURES_PER_15_MIN: '2' });
    try {
      const other = await t.sibling();
      const u = await t.user('student');
      expect((await post(t.app, '/api/auth/login', { email: u.email, password: WRONG })).statusCode).toBe(401);
      expect((await post(other, '/api/auth/login', { email: u.email, password: WRONG })).statusCode).toBe(401);
      expectRateLimited(await post(t.app, '/api/auth/login', { email: u.email, password: TEST_PASSWORD }));
    } finally {
      await t.close();
    }
  });

  it.skipIf(!testRedisUrl)(
    'when two instances share Redis, then each counts the generous global limit on its own (no Redis trip per request)',
    async () => {
      const t = await createTestApp({ RATE_LIMIT_GLOBAL_PER_MINUTE: '3' });
      try {
        const other = await t.sibling();
        const from = { remoteAddress: '10.9.0.2' };
        const health = (app: typeof t.app) => app.inject({ method: 'GET', url: '/api/health', ...from });
        for (let i = 0; i < 3; i++) expect((await health(t.app)).statusCode).toBe(200);
        expectRateLimited(await health(t.app));
        const fresh = await health(other);
        expect(fresh.statusCode).toBe(200);
        expect(fresh.headers['x-ratelimit-remaining']).toBe('2');
      } finally {
        await t.close();
      }
    },
  );
});
