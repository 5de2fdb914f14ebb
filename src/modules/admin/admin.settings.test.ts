import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createTestApp, post, problemOf, TEST_PASSWORD, uniqueEmail, type TestApp, type TestUser } from '../../../test/helpers.js';
import { getSetting } from './settings.service.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.user('admin');
});
afterAll(() => t?.close());

const put = (payload: unknown) => admin.inject({ method: 'PUT', url: '/api/admin/settings', payload: payload as object });
const register = (app: FastifyInstance, email: string, role = 'student') =>
  post(app, '/api/auth/register', { email, password: TEST_PASSWORD, name: 'New Person', role });

/** Polls until the condition holds (another instance picks a change up within seconds); no timing is asserted. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

describe('GET/PUT /api/admin/settings', () => {
  it('when nothing was changed, then every setting has its default', async () => {
    const res = await admin.inject({ method: 'GET', url: '/api/admin/settings' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      platform_name: 'Cohort',
      registration_open: true,
      allowed_student_email_domains: [],
      directory_verified_alumni_only: false,
      default_profile_visibility: 'listed',
      max_upload_bytes: 5 * 1024 * 1024,
      mentorship_request_expiry_days: 14,
    });
  });

  it('when an admin changes some settings, then only those change, the change is audited and getSetting sees it', async () => {
    const res = await put({ platform_name: '  Alumni Hub ', mentorship_request_expiry_days: 30 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ platform_name: 'Alumni Hub', mentorship_request_expiry_days: 30, registration_open: true });
    expect(await getSetting(t.app.ctx, 'mentorship_request_expiry_days')).toBe(30);
    // A PUT leaves every setting it does not name as it was.
    expect((await put({ platform_name: 'Alumni Hub' })).json().mentorship_request_expiry_days).toBe(30);
    const { rows } = await t.database.pool.query(`SELECT * FROM audit_log WHERE action_type = 'settings.update' ORDER BY created_at, id`);
    expect(rows[0]).toMatchObject({ admin_id: admin.id, target_type: 'settings' });
    expect(rows[0].metadata.changes.platform_name).toEqual({ from: 'Cohort', to: 'Alumni Hub' });
    expect(rows[0].metadata.changes.mentorship_request_expiry_days).toEqual({ from: 14, to: 30 });
  });

  it('when the body names an unknown setting, has a wrong type or is out of range, then 400 naming it and nothing changes', async () => {
    for (const [payload, field] of [
      [{ colour: 'blue' }, 'colour'],
      [{ registration_open: 'maybe' }, 'registration_open'],
      [{ max_upload_bytes: 1024 * 1024 * 1024 }, 'max_upload_bytes'],
      [{ allowed_student_email_domains: ['not a domain'] }, 'allowed_student_email_domains'],
      [{ default_profile_visibility: 'public' }, 'default_profile_visibility'],
      [{}, 'body'],
    ] as const) {
      const res = await put(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(JSON.stringify(problemOf(res))).toContain(field);
    }
    expect((await admin.inject({ method: 'GET', url: '/api/admin/settings' })).json().registration_open).toBe(true);
  });
});

describe('settings in force', () => {
  it('when registration is closed, then register is 403 on this and on another instance; reopened, it works again', async () => {
    const sibling = await t.sibling();
    expect((await put({ registration_open: false })).statusCode).toBe(200);
    const closed = await register(t.app, uniqueEmail('closed'));
    expect(closed.statusCode).toBe(403);
    expect(problemOf(closed).code).toBe('registration_closed');
    await eventually(async () => (await register(sibling, uniqueEmail('closed2'))).statusCode === 403);
    expect((await put({ registration_open: true })).statusCode).toBe(200);
    expect((await register(t.app, uniqueEmail('open'))).statusCode).toBe(201);
    await eventually(async () => (await register(sibling, uniqueEmail('open2'))).statusCode === 201);
  });

  it('when student domains are set, then a student needs such an address (subdomains too); other roles do not', async () => {
    expect((await put({ allowed_student_email_domains: ['Uni.EDU'] })).json().allowed_student_email_domains).toEqual(['uni.edu']);
    const outside = await register(t.app, uniqueEmail('stud'));
    expect(outside.statusCode).toBe(400);
    expect(problemOf(outside).errors?.[0].field).toBe('email');
    expect((await register(t.app, `s-${Date.now()}@uni.edu`)).statusCode).toBe(201);
    expect((await register(t.app, `s-${Date.now()}@cs.uni.edu`)).statusCode).toBe(201);
    expect((await register(t.app, uniqueEmail('alum'), 'alumni')).statusCode).toBe(201);
    await put({ allowed_student_email_domains: [] });
  });
});
