import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, uniqueEmail, type TestApp } from '../../../test/helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

describe('register → verify → login → me', () => {
  it('when a person registers and verifies with the mailed code, then they can sign in and read /me', async () => {
    const email = uniqueEmail('Flow');
    const reg = await t.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email, password: 'a-Long-enough-pass', name: 'Flo', role: 'student' },
    });
    expect(reg.statusCode).toBe(201);
    expect(reg.json().user).toMatchObject({ email: email.toLowerCase(), is_verified: false, role: 'student' });
    expect(reg.json().user.password_hash).toBeUndefined();
    const otp = await t.inbox.otpFor(email);
    const ver = await t.app.inject({ method: 'POST', url: '/api/auth/verify-email', payload: { email, otp } });
    expect(ver.statusCode).toBe(200);
    expect(ver.json().user.is_verified).toBe(true);
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: 'a-Long-enough-pass' } });
    expect(login.statusCode).toBe(200);
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: `Bearer ${login.json().access_token}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json().user.email).toBe(email.toLowerCase());
  });
});
