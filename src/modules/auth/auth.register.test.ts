import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, post, problemOf, registerThroughApi, TEST_PASSWORD, uniqueEmail, type TestApp } from '../../../test/helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const register = (body: object | string) => post(t.app, '/api/auth/register', body);
const valid = (overrides: Record<string, unknown> = {}) => ({
  email: uniqueEmail('Reg'),
  password: TEST_PASSWORD,
  name: 'Ada Lovelace',
  role: 'alumni',
  ...overrides,
});
const usersWithEmail = async (email: string) =>
  (await t.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE lower(email) = lower($1)', [email])).rows[0].n;
const SECRET_KEYS = ['password', 'password_hash', 'otp', 'code', 'code_hash', 'token', 'token_hash'];

describe('POST /api/auth/register', () => {
  it('when the body is valid, then it answers 201 with the unverified user and no secret', async () => {
    const body = valid({ email: uniqueEmail('MixedCase') });
    const res = await register(body);
    expect(res.statusCode).toBe(201);
    const { user } = res.json();
    expect(user).toMatchObject({
      email: body.email.toLowerCase(),
      name: 'Ada Lovelace',
      role: 'alumni',
      is_verified: false,
      status: 'active',
    });
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(user.created_at).toISOString()).toBe(user.created_at);
    for (const key of SECRET_KEYS) expect(user).not.toHaveProperty(key);
    expect(res.body).not.toContain(TEST_PASSWORD);
    expect(res.body).not.toContain('argon2');
    const otp = await t.inbox.otpFor(body.email);
    expect(otp).toMatch(/^\d{6}$/);
    expect(res.body).not.toContain(otp);
  });

  it('when the e-mail is already registered in another case, then it answers 409 email_taken', async () => {
    const email = uniqueEmail('dup');
    expect((await register(valid({ email }))).statusCode).toBe(201);
    const res = await register(valid({ email: email.toUpperCase() }));
    expect(res.statusCode).toBe(409);
    expect(problemOf(res)).toMatchObject({ status: 409, code: 'email_taken' });
    expect(await usersWithEmail(email)).toBe(1);
  });

  it('when five registrations of one e-mail in different cases race, then exactly one account exists and the others get 409', async () => {
    const email = uniqueEmail('race').toLowerCase();
    const variants = [email, email.toUpperCase(), `R${email.slice(1)}`, email.replace('example.com', 'EXAMPLE.com'), email];
    const answers = await Promise.all(variants.map((e) => register(valid({ email: e }))));
    const statuses = answers.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409]);
    for (const r of answers.filter((a) => a.statusCode === 409)) expect(problemOf(r).code).toBe('email_taken');
    expect(await usersWithEmail(email)).toBe(1);
  });

  it.each([
    ['too short', 'Short-9'],
    ['a common password', 'password123'],
    ['a common password in another case', 'QwertyUiop'],
    ['one repeated character', 'zzzzzzzzzzzz'],
  ])('when the password is %s, then it answers 400 naming password and creates nothing', async (_label, password) => {
    const body = valid({ password });
    const res = await register(body);
    expect(res.statusCode).toBe(400);
    const problem = problemOf(res);
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors?.map((e) => e.field)).toEqual(['password']);
    expect(await usersWithEmail(body.email)).toBe(0);
  });

  it('when the password equals the e-mail address (any case), then it answers 400 naming password', async () => {
    const email = `longlocalpart-${Date.now()}@example.com`;
    for (const password of [email, email.toUpperCase(), email.split('@')[0]]) {
      const res = await register(valid({ email, password }));
      expect(res.statusCode).toBe(400);
      expect(problemOf(res).errors?.[0].field).toBe('password');
    }
    expect(await usersWithEmail(email)).toBe(0);
  });

  it('when the role is admin, then it answers 400 naming role and creates nothing', async () => {
    const body = valid({ role: 'admin' });
    const res = await register(body);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('role');
    expect(await usersWithEmail(body.email)).toBe(0);
  });

  it.each(['is_verified', 'status', 'id'])('when the body carries the unknown property %s, then it answers 400 naming it', async (key) => {
    const body = valid({ [key]: key === 'is_verified' ? true : 'x' });
    const res = await register(body);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res)).toMatchObject({ code: 'validation_failed', errors: [{ field: key }] });
    expect(await usersWithEmail(body.email)).toBe(0);
  });

  it.each(['email', 'password', 'name', 'role'])('when %s is missing, then it answers 400 naming it', async (field) => {
    const body: Record<string, unknown> = valid();
    delete body[field];
    const res = await register(body);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res)).toMatchObject({ status: 400, code: 'validation_failed', errors: [{ field }] });
  });

  it('when the e-mail is not an address, then it answers 400 naming email', async () => {
    const res = await register(valid({ email: 'not-an-email' }));
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('email');
  });

  it('when the body is malformed JSON, then it answers 400 problem+json, not 500', async () => {
    const res = await register('{"email": "a@b.c", ');
    expect(res.statusCode).toBe(400);
    expect(problemOf(res)).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('when mail delivery is failing, then the registration still succeeds and the code is delivered later from the outbox', async () => {
    t.inbox.failing = true;
    const body = valid();
    try {
      const res = await register(body);
      expect(res.statusCode).toBe(201);
      const { rows } = await t.database.pool.query('SELECT status FROM mail_outbox WHERE "to" = $1', [body.email.toLowerCase()]);
      expect(rows).toEqual([{ status: 'pending' }]);
    } finally {
      t.inbox.failing = false;
    }
    const { rows } = await t.database.pool.query<{ id: string }>('SELECT id FROM mail_outbox WHERE "to" = $1', [body.email.toLowerCase()]);
    const { deliverMail } = await import('../mail/mail.service.js');
    await deliverMail(t.app.ctx, rows[0].id);
    expect(await t.inbox.otpFor(body.email)).toMatch(/^\d{6}$/);
  });
});

describe('POST /api/auth/verify-email', () => {
  const verify = (email: string, otp: string) => post(t.app, '/api/auth/verify-email', { email, otp });
  const wrong = (otp: string) => String((Number(otp) + 1) % 1_000_000).padStart(6, '0');

  it('when the right code is sent (e-mail in another case), then it answers 200 with the verified user', async () => {
    const { email, otp } = await registerThroughApi(t);
    const res = await verify(email.toUpperCase(), otp);
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ email: email.toLowerCase(), is_verified: true });
    expect(res.json().user.password_hash).toBeUndefined();
  });

  it('when a wrong code is sent, then it answers 400 naming otp and the account stays unverified', async () => {
    const { email, otp } = await registerThroughApi(t);
    const res = await verify(email, wrong(otp));
    expect(res.statusCode).toBe(400);
    expect(problemOf(res)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'otp' }] });
    const login = await post(t.app, '/api/auth/login', { email, password: TEST_PASSWORD });
    expect(problemOf(login).code).toBe('email_not_verified');
  });

  it('when the code is not six digits, then it answers 400 naming otp', async () => {
    const { email } = await registerThroughApi(t);
    const res = await verify(email, '12ab');
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('otp');
  });

  it('when the code has expired, then the right code is refused with 400', async () => {
    const { email, otp, user } = await registerThroughApi(t);
    await t.database.pool.query(`UPDATE email_verifications SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [user.id]);
    const res = await verify(email, otp);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('otp');
  });

  it('when a code is used twice, then the second use answers 400', async () => {
    const { email, otp } = await registerThroughApi(t);
    expect((await verify(email, otp)).statusCode).toBe(200);
    const again = await verify(email, otp);
    expect(again.statusCode).toBe(400);
  });

  it('when five wrong codes were tried, then the code is burnt and even the right one fails', async () => {
    const { email, otp } = await registerThroughApi(t);
    for (let i = 0; i < 5; i++) expect((await verify(email, wrong(otp))).statusCode).toBe(400);
    const res = await verify(email, otp);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('otp');
  });

  it('when four wrong codes were tried, then the right one still works', async () => {
    const { email, otp } = await registerThroughApi(t);
    for (let i = 0; i < 4; i++) expect((await verify(email, wrong(otp))).statusCode).toBe(400);
    expect((await verify(email, otp)).statusCode).toBe(200);
  });

  it('when many wrong codes race, then no more than five are counted and the code ends burnt', async () => {
    const { email, otp, user } = await registerThroughApi(t);
    const answers = await Promise.all(Array.from({ length: 12 }, () => verify(email, wrong(otp))));
    expect(answers.every((a) => a.statusCode === 400)).toBe(true);
    const { rows } = await t.database.pool.query('SELECT attempts FROM email_verifications WHERE user_id = $1', [user.id]);
    expect(rows).toEqual([{ attempts: 5 }]);
    expect((await verify(email, otp)).statusCode).toBe(400);
  });

  it('when the e-mail is unknown, then it answers exactly like a wrong code', async () => {
    const { email, otp } = await registerThroughApi(t);
    const wrongCode = await verify(email, wrong(otp));
    const unknown = await verify(uniqueEmail('nobody'), '123456');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toEqual(wrongCode.json());
  });
});

describe('POST /api/auth/resend-verification', () => {
  const resend = (email: string) => post(t.app, '/api/auth/resend-verification', { email });

  it('when an unverified account asks again, then it answers 202, the new code works and the old one no longer does', async () => {
    const { email, otp: oldOtp } = await registerThroughApi(t);
    const first = await t.inbox.waitFor(email);
    const res = await resend(email.toUpperCase());
    expect(res.statusCode).toBe(202);
    expect(res.body).not.toMatch(/\d{6}/);
    await t.inbox.waitFor(email, (m) => m !== first);
    const newOtp = await t.inbox.otpFor(email);
    if (newOtp !== oldOtp) {
      expect((await post(t.app, '/api/auth/verify-email', { email, otp: oldOtp })).statusCode).toBe(400);
    }
    expect((await post(t.app, '/api/auth/verify-email', { email, otp: newOtp })).statusCode).toBe(200);
  });

  it('when the e-mail is unknown, then it answers 202 and sends nothing', async () => {
    const email = uniqueEmail('ghost');
    const res = await resend(email);
    expect(res.statusCode).toBe(202);
    const { rows } = await t.database.pool.query('SELECT 1 FROM mail_outbox WHERE "to" = $1', [email.toLowerCase()]);
    expect(rows).toHaveLength(0);
    expect(t.inbox.messages.some((m) => m.to === email.toLowerCase())).toBe(false);
  });

  it('when the account is already verified, then it answers 202 and sends no new code', async () => {
    const u = await t.user('student');
    const res = await resend(u.email);
    expect(res.statusCode).toBe(202);
    const { rows } = await t.database.pool.query('SELECT 1 FROM mail_outbox WHERE "to" = $1', [u.email.toLowerCase()]);
    expect(rows).toHaveLength(0);
  });

  it('when the e-mail is missing, then it answers 400 naming email', async () => {
    const res = await post(t.app, '/api/auth/resend-verification', {});
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('email');
  });
});
