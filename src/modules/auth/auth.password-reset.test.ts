import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, post, problemOf, TEST_PASSWORD, uniqueEmail, type TestApp } from '../../../test/helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const NEW_PASSWORD = 'A-brand-new-Passphrase-7';
const forgot = (email: string) => post(t.app, '/api/auth/forgot-password', { email });
const reset = (token: string, new_password: string) => post(t.app, '/api/auth/reset-password', { token, new_password });
const login = (email: string, password: string) => post(t.app, '/api/auth/login', { email, password });
const me = (token: string) => t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });

/** Asks for a reset and returns the token from the mail. */
async function resetTokenFor(email: string) {
  const before = t.inbox.messages.length;
  expect((await forgot(email)).statusCode).toBe(202);
  const mail = await t.inbox.waitFor(email, (m) => m.subject.includes('Reset') && t.inbox.messages.indexOf(m) >= before);
  const token = /use this token: (\S+)/.exec(mail.text)?.[1];
  expect(token).toBeTruthy();
  expect(mail.text).toContain(`http://cohort.test/reset-password?token=${encodeURIComponent(token!)}`);
  return token!;
}

describe('POST /api/auth/forgot-password', () => {
  it('when the account exists (e-mail in another case), then it answers 202 and mails a reset token', async () => {
    const u = await t.user('alumni');
    const res = await forgot(u.email.toUpperCase());
    expect(res.statusCode).toBe(202);
    const mail = await t.inbox.waitFor(u.email);
    expect(mail.subject).toMatch(/reset/i);
    expect(res.body).not.toContain(/use this token: (\S+)/.exec(mail.text)![1]);
  });

  it('when the e-mail is unknown, then it answers the same 202 and sends nothing', async () => {
    const u = await t.user('alumni');
    const known = await forgot(u.email);
    const email = uniqueEmail('ghost');
    const unknown = await forgot(email);
    expect(unknown.statusCode).toBe(202);
    expect(unknown.json()).toEqual(known.json());
    const { rows } = await t.database.pool.query('SELECT 1 FROM mail_outbox WHERE "to" = $1', [email.toLowerCase()]);
    expect(rows).toHaveLength(0);
    expect(t.inbox.messages.some((m) => m.to === email.toLowerCase())).toBe(false);
  });

  it('when the e-mail is not an address, then it answers 400 naming email', async () => {
    const res = await forgot('nope');
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('email');
  });
});

describe('POST /api/auth/reset-password', () => {
  it('when the mailed token is used, then it answers 200, the new password works and the old one does not', async () => {
    const u = await t.user('student');
    const token = await resetTokenFor(u.email);
    const res = await reset(token, NEW_PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ id: u.id, email: u.email.toLowerCase() });
    expect(res.json().user.password_hash).toBeUndefined();
    expect((await login(u.email, NEW_PASSWORD)).statusCode).toBe(200);
    expect(problemOf(await login(u.email, TEST_PASSWORD)).code).toBe('invalid_credentials');
  });

  it('when the password is reset, then every session of the user is revoked', async () => {
    const u = await t.user('student');
    const second = (await login(u.email, TEST_PASSWORD)).json();
    expect((await me(u.token)).statusCode).toBe(200);
    expect((await me(second.access_token)).statusCode).toBe(200);
    expect((await reset(await resetTokenFor(u.email), NEW_PASSWORD)).statusCode).toBe(200);
    for (const token of [u.token, second.access_token]) expect((await me(token)).statusCode).toBe(401);
    for (const refresh_token of [u.refreshToken, second.refresh_token]) {
      expect((await post(t.app, '/api/auth/refresh', { refresh_token })).statusCode).toBe(401);
    }
  });

  it('when a token is used a second time, then it answers 400 naming token', async () => {
    const u = await t.user('student');
    const token = await resetTokenFor(u.email);
    expect((await reset(token, NEW_PASSWORD)).statusCode).toBe(200);
    const again = await reset(token, 'Yet-another-Passphrase-8');
    expect(again.statusCode).toBe(400);
    expect(problemOf(again)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'token' }] });
    expect((await login(u.email, NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('when one token is used twice in parallel, then exactly one reset succeeds', async () => {
    const u = await t.user('student');
    const token = await resetTokenFor(u.email);
    const answers = await Promise.all([reset(token, NEW_PASSWORD), reset(token, 'Yet-another-Passphrase-8')]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 400]);
  });

  it('when the token has expired, then it answers 400 and the password is unchanged', async () => {
    const u = await t.user('student');
    const token = await resetTokenFor(u.email);
    await t.database.pool.query(`UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [u.id]);
    const res = await reset(token, NEW_PASSWORD);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('token');
    expect((await login(u.email, TEST_PASSWORD)).statusCode).toBe(200);
  });

  it('when the token is unknown, then it answers 400 naming token', async () => {
    const res = await reset('made-up-token', NEW_PASSWORD);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('token');
  });

  it.each([
    ['too short', 'short-1'],
    ['common', 'password1234'],
  ])('when the new password is %s, then it answers 400 naming new_password and the token still works', async (_label, weak) => {
    const u = await t.user('student');
    const token = await resetTokenFor(u.email);
    const res = await reset(token, weak);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.map((e) => e.field)).toEqual(['new_password']);
    expect((await reset(token, NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('when the new password is the e-mail address, then it answers 400 naming new_password', async () => {
    const u = await t.user('student');
    const res = await reset(await resetTokenFor(u.email), u.email);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('new_password');
  });

  it('when the body has an unknown property, then it answers 400', async () => {
    const res = await post(t.app, '/api/auth/reset-password', { token: 'x', new_password: NEW_PASSWORD, email: 'a@b.co' });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('email');
  });

  it('when an imported, unverified person without a password resets, then the account is verified and can sign in', async () => {
    const email = uniqueEmail('Imported');
    await t.database.pool.query(
      `INSERT INTO users (email, name, role, password_hash, is_verified) VALUES ($1, 'Imported Person', 'alumni', NULL, false)`,
      [email.toLowerCase()],
    );
    expect(problemOf(await login(email, NEW_PASSWORD)).code).toBe('invalid_credentials');
    const res = await reset(await resetTokenFor(email), NEW_PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(res.json().user.is_verified).toBe(true);
    const signedIn = await login(email, NEW_PASSWORD);
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json().user.is_verified).toBe(true);
  });

  it('when the account is suspended, then forgot sends nothing and an earlier token is refused', async () => {
    const u = await t.user('student');
    const token = await resetTokenFor(u.email);
    await t.database.pool.query(`UPDATE users SET status = 'suspended' WHERE id = $1`, [u.id]);
    const count = t.inbox.messages.filter((m) => m.to === u.email.toLowerCase()).length;
    expect((await forgot(u.email)).statusCode).toBe(202);
    expect((await reset(token, NEW_PASSWORD)).statusCode).toBe(400);
    const { rows } = await t.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM mail_outbox WHERE "to" = $1', [
      u.email.toLowerCase(),
    ]);
    expect(rows[0].n).toBe(count);
  });
});
