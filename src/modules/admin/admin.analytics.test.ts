import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, member, postJob, problemOf, type TestApp, type TestUser } from '../../../test/helpers.js';

let t: TestApp;
let admin: TestUser;
let faculty: TestUser;
const signedIn: TestUser[] = [];
beforeAll(async () => {
  t = await createTestApp();
  [admin, faculty] = await Promise.all([t.user('admin'), t.user('faculty')]);
  signedIn.push(admin, faculty);
  // Six listed alumni of 2020 in Pune with Rust at Acme; two of 2021 (a group under 5).
  const people = [
    ...Array.from({ length: 6 }, (_, i) => ({
      name: `Pune Person ${i}`,
      location: 'Pune, India',
      batch_year: 2020,
      current_company: 'Acme',
      skills: ['Rust', 'SQL'],
    })),
    { name: 'Spring Field', location: 'Springfield', batch_year: 2021, current_company: 'Tiny Co', skills: ['Cobol'] },
    { name: 'Nowhere Man', location: 'Qwxyz Nowhere', batch_year: 2021, current_company: 'Tiny Co', skills: ['Cobol'] },
    { name: 'No Place', batch_year: 2022 },
    { name: 'Lon Don', location: 'London, United Kingdom', current_company: '=cmd|calc', batch_year: 2022 },
  ];
  for (const body of people) signedIn.push(await member(t, body, 'alumni'));
  // Not counted: a hidden profile and a suspended member.
  signedIn.push(
    await member(t, {
      name: 'Hid Den',
      location: 'Pune, India',
      batch_year: 2020,
      current_company: 'Acme',
      skills: ['Rust'],
      directory_visible: false,
    }),
  );
  const suspended = await member(t, {
    name: 'Sus Pend',
    location: 'Pune, India',
    batch_year: 2020,
    current_company: 'Acme',
    skills: ['Rust'],
  });
  signedIn.push(suspended);
  expect((await admin.inject({ method: 'POST', url: `/api/admin/users/${suspended.id}/suspend` })).statusCode).toBe(200);
});
afterAll(() => t?.close());

const get = async (user: TestUser, url: string) => {
  const res = await user.inject({ method: 'GET', url });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

describe('profile analytics (skills, companies, batches)', () => {
  it('when an admin reads them, then only listed profiles of active accounts count, every group shown', async () => {
    expect((await get(admin, '/api/analytics/skills')).results).toEqual([
      { value: 'Rust', count: 6 },
      { value: 'SQL', count: 6 },
      { value: 'Cobol', count: 2 },
    ]);
    expect((await get(admin, '/api/analytics/companies?limit=2')).results).toEqual([
      { value: 'Acme', count: 6 },
      { value: 'Tiny Co', count: 2 },
    ]);
    expect((await get(admin, '/api/analytics/batches')).results).toEqual([
      { batch_year: 2020, count: 6 },
      { batch_year: 2021, count: 2 },
      { batch_year: 2022, count: 2 },
    ]);
  });

  it('when faculty read them, then groups of fewer than 5 people are left out', async () => {
    expect((await get(faculty, '/api/analytics/skills')).results).toEqual([
      { value: 'Rust', count: 6 },
      { value: 'SQL', count: 6 },
    ]);
    expect((await get(faculty, '/api/analytics/companies')).results).toEqual([{ value: 'Acme', count: 6 }]);
    expect((await get(faculty, '/api/analytics/batches')).results).toEqual([{ batch_year: 2020, count: 6 }]);
  });

  it('when a limit is out of range, then 400 naming it', async () => {
    const res = await admin.inject({ method: 'GET', url: '/api/analytics/skills?limit=0' });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(problemOf(res))).toContain('limit');
  });
});

describe('GET /api/analytics/locations', () => {
  it('when locations are free text, then cities get coordinates and ambiguous or unknown places are counted, never placed', async () => {
    const data = await get(admin, '/api/analytics/locations');
    expect(data.results).toEqual([
      { city: 'Pune', country: 'IN', latitude: expect.closeTo(18.52, 1), longitude: expect.closeTo(73.86, 1), count: 6 },
      { city: 'London', country: 'GB', latitude: expect.closeTo(51.5, 1), longitude: expect.closeTo(-0.13, 1), count: 1 },
    ]);
    expect(data).toMatchObject({ unknown: 2, ambiguous: 1, not_given: 1 });
    const faculty_view = await get(faculty, '/api/analytics/locations');
    expect(faculty_view).toMatchObject({ results: [{ city: 'Pune', count: 6 }], unknown: null, ambiguous: null, not_given: null });
  });

  it('when asked as GeoJSON, then a FeatureCollection of points, longitude first', async () => {
    const res = await admin.inject({ method: 'GET', url: '/api/analytics/locations.geojson' });
    expect(res.headers['content-type']).toMatch(/^application\/geo\+json/);
    const geo = res.json();
    expect(geo.type).toBe('FeatureCollection');
    expect(geo.features[0]).toMatchObject({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [expect.closeTo(73.86, 1), expect.closeTo(18.52, 1)] },
      properties: { city: 'Pune', country: 'IN', count: 6 },
    });
  });
});

describe('job trends and engagement', () => {
  it('when jobs of two types are posted, then by_type counts them and this month counts every posting', async () => {
    const poster = signedIn[2];
    await postJob(poster, { job_type: 'internship' });
    const closed = await postJob(poster, { job_type: 'internship' });
    await postJob(poster, { job_type: 'contract' });
    await poster.inject({ method: 'POST', url: `/api/jobs/${closed.id}/close` });
    const data = await get(faculty, '/api/analytics/job-trends?months=3');
    expect(data.by_type).toEqual([
      { job_type: 'internship', total: 2, active: 1 },
      { job_type: 'contract', total: 1, active: 1 },
    ]);
    expect(data.by_month).toHaveLength(3);
    expect(data.by_month.at(-1)).toEqual({ month: new Date().toISOString().slice(0, 7), count: 3 });
  });

  it('when members signed in today, then DAU, WAU and MAU count each of them once', async () => {
    const data = await get(admin, '/api/analytics/engagement?days=7');
    const people = new Set(signedIn.map((u) => u.id)).size;
    expect(data).toMatchObject({ dau: people, wau: people, mau: people, stickiness: 1 });
    expect(data.daily).toHaveLength(7);
    expect(data.daily.at(-1).count).toBe(people);
    expect(data.daily[0].count).toBe(0);
  });
});

describe('GET /api/admin/reports/{name}.csv', () => {
  it('when each report is downloaded, then it parses back with a header row; a formula-like cell is neutralized', async () => {
    for (const name of ['skills', 'companies', 'batches', 'locations', 'job-trends', 'engagement', 'users', 'audit-log']) {
      const res = await admin.inject({ method: 'GET', url: `/api/admin/reports/${name}.csv` });
      expect(res.statusCode, name).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const rows = parse(res.body, { columns: true }) as Record<string, string>[];
      expect(rows.length, name).toBeGreaterThan(0);
    }
    const companies = parse((await admin.inject({ method: 'GET', url: '/api/admin/reports/companies.csv' })).body, {
      columns: true,
    }) as Record<string, string>[];
    expect(companies).toContainEqual({ company: "'=cmd|calc", people: '1' });
    expect(companies).toContainEqual({ company: 'Acme', people: '6' });
    const users = parse((await admin.inject({ method: 'GET', url: '/api/admin/reports/users.csv' })).body, { columns: true }) as Record<
      string,
      string
    >[];
    expect(users.map((u) => u.id)).toEqual(expect.arrayContaining(signedIn.map((u) => u.id)));
    // Timestamps as API.md spells them (ISO 8601 UTC), not PostgreSQL's "2026-11-30 18:31:40.915+00".
    const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
    for (const u of users) {
      expect(u.created_at).toMatch(ISO);
      if (u.last_login_at) expect(u.last_login_at).toMatch(ISO);
    }
    const audit = parse((await admin.inject({ method: 'GET', url: '/api/admin/reports/audit-log.csv' })).body, { columns: true }) as Record<
      string,
      string
    >[];
    for (const a of audit) expect(a.created_at).toMatch(ISO);
  });

  it('when the report does not exist, then 404; when the name is malformed, then 400', async () => {
    expect((await admin.inject({ method: 'GET', url: '/api/admin/reports/secrets.csv' })).statusCode).toBe(404);
    expect((await admin.inject({ method: 'GET', url: '/api/admin/reports/users.xlsx' })).statusCode).toBe(400);
  });
});
