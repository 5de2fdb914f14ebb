import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, problemOf, type TestApp, type TestUser } from '../../../test/helpers.js';

let t: TestApp;
let admin: TestUser;
let faculty: TestUser;
let student: TestUser;
let alumni: TestUser;
let recruiter: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  [admin, faculty, student, alumni, recruiter] = await Promise.all(
    (['admin', 'faculty', 'student', 'alumni', 'recruiter'] as const).map((r) => t.user(r)),
  );
});
afterAll(() => t?.close());

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';
const someone = randomUUID();
// Every endpoint of this branch's admin console, with a request that succeeds for an admin.
const adminOnly: [Method, string, object?][] = [
  ['GET', '/api/admin/dashboard/metrics'],
  ['GET', '/api/admin/dashboard/charts'],
  ['GET', '/api/admin/audit-log'],
  ['GET', '/api/admin/users'],
  ['GET', `/api/admin/users/${someone}`],
  ['PUT', `/api/admin/users/${someone}`, { name: 'X' }],
  ['DELETE', `/api/admin/users/${someone}`],
  ['POST', `/api/admin/users/${someone}/suspend`],
  ['POST', `/api/admin/users/${someone}/activate`],
  ['GET', '/api/admin/settings'],
  ['PUT', '/api/admin/settings', { platform_name: 'Cohort' }],
  ['GET', '/api/admin/reports/users.csv'],
];
const adminAndFaculty: [Method, string][] = [
  ['GET', '/api/analytics/skills'],
  ['GET', '/api/analytics/companies'],
  ['GET', '/api/analytics/batches'],
  ['GET', '/api/analytics/job-trends'],
  ['GET', '/api/analytics/engagement'],
  ['GET', '/api/analytics/locations'],
  ['GET', '/api/analytics/locations.geojson'],
];

describe('who may call the admin console', () => {
  it('when no token is sent, then every endpoint answers 401', async () => {
    for (const [method, url, payload] of [...adminOnly, ...adminAndFaculty]) {
      const res = await t.app.inject({ method, url, payload });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(problemOf(res).code).toBe('unauthenticated');
    }
  });

  it('when a student, alumnus, recruiter or faculty member calls an admin endpoint, then 403', async () => {
    for (const user of [student, alumni, recruiter, faculty]) {
      for (const [method, url, payload] of adminOnly) {
        const res = await user.inject({ method, url, payload });
        expect(res.statusCode, `${user.role} ${method} ${url}`).toBe(403);
      }
    }
  });

  it('when a student, alumnus or recruiter reads analytics, then 403; admins and faculty get 200', async () => {
    for (const [method, url] of adminAndFaculty) {
      for (const user of [student, alumni, recruiter])
        expect((await user.inject({ method, url })).statusCode, `${user.role} ${url}`).toBe(403);
      for (const user of [admin, faculty]) expect((await user.inject({ method, url })).statusCode, `${user.role} ${url}`).toBe(200);
    }
  });

  it('when an admin calls the read endpoints, then 200 (and 404 for a user that does not exist)', async () => {
    for (const [method, url] of adminOnly.filter(([m]) => m === 'GET')) {
      const res = await admin.inject({ method, url });
      expect(res.statusCode, url).toBe(url.includes(someone) ? 404 : 200);
    }
    for (const [method, url, payload] of adminOnly.filter(([m, u]) => m !== 'GET' && u.includes(someone))) {
      expect((await admin.inject({ method, url, payload })).statusCode, `${method} ${url}`).toBe(404);
    }
  });
});
