import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestUser, member } from '../../../test/helpers.js';
import { users } from '../auth/auth.tables.js';
import { computeFacets } from './profiles.facets.js';

let t: TestApp;
let viewer: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  viewer = await t.user('alumni');
  await member(t, {
    name: 'Facet One',
    current_company: 'Google',
    location: 'Pune, India',
    department: 'CS',
    batch_year: 2015,
    skills: ['Python', 'SQL'],
  });
  await member(t, {
    name: 'Facet Two',
    current_company: 'google',
    location: 'Pune, India',
    department: 'cs',
    batch_year: 2015,
    skills: ['python'],
  });
  await member(
    t,
    { name: 'Facet Three', current_company: 'Google', location: 'Mumbai, India', batch_year: 2016, skills: ['Go'] },
    'student',
  );
  await member(
    t,
    { name: 'Facet Four', current_company: 'Infosys', location: 'Mumbai, India', batch_year: 2015, skills: ['SQL', 'Go', 'Python'] },
    'recruiter',
  );
});
afterAll(() => t?.close());

const facets = async () => {
  const res = await viewer.inject({ method: 'GET', url: '/api/profiles/filters/options' });
  expect(res.statusCode).toBe(200);
  return res.json();
};
const searchCount = async (query: string) => (await viewer.inject({ method: 'GET', url: `/api/profiles/search?${query}` })).json().count;

describe('GET /api/profiles/filters/options', () => {
  it('when profiles exist, then each facet lists values with counts, grouped case-insensitively, most common first', async () => {
    const body = await facets();
    expect(body.companies).toEqual([
      { value: 'Google', count: 3 },
      { value: 'Infosys', count: 1 },
    ]);
    expect(body.skills).toEqual([
      { value: 'Python', count: 3 },
      { value: 'Go', count: 2 },
      { value: 'SQL', count: 2 },
    ]);
    expect(body.locations).toEqual([
      { value: 'Mumbai, India', count: 2 },
      { value: 'Pune, India', count: 2 },
    ]);
    expect(body.batch_years).toEqual([
      { value: 2015, count: 3 },
      { value: 2016, count: 1 },
    ]);
    expect(body.departments).toHaveLength(1);
    expect(body.departments[0].count).toBe(2);
  });

  it('when a facet count is used as a search filter, then search counts the same profiles', async () => {
    const body = await facets();
    for (const { value, count } of body.companies) expect(await searchCount(`company=${encodeURIComponent(value)}`)).toBe(count);
    for (const { value, count } of body.skills) expect(await searchCount(`skills=${encodeURIComponent(value)}`)).toBe(count);
    for (const { value, count } of body.batch_years) expect(await searchCount(`batch_year=${value}`)).toBe(count);
  });

  it('when limit is given, then each facet has at most that many values', async () => {
    const res = await viewer.inject({ method: 'GET', url: '/api/profiles/filters/options?limit=1' });
    expect(res.json().skills).toEqual([{ value: 'Python', count: 3 }]);
    expect((await viewer.inject({ method: 'GET', url: '/api/profiles/filters/options?limit=0' })).statusCode).toBe(400);
  });

  it('when a profile is written, then the cached facets are refreshed at once', async () => {
    await facets(); // warm the cache
    await member(t, { name: 'Facet Five', current_company: 'Zoho', skills: ['Elixir'] });
    const body = await facets();
    expect(body.companies).toContainEqual({ value: 'Zoho', count: 1 });
    expect(body.skills).toContainEqual({ value: 'Elixir', count: 1 });
  });
});

describe('privacy across every read path', () => {
  it('when a member hides their profile, then it leaves search, directory and facets, and comes back when shown', async () => {
    const hidden = await member(t, { name: 'Hidden Hannah', current_company: 'Secret Corp', skills: ['Stealth'] });
    expect(await searchCount('name=hannah')).toBe(1);
    await hidden.inject({ method: 'PUT', url: `/api/profiles/${hidden.id}`, payload: { directory_visible: false } });
    expect(await searchCount('name=hannah')).toBe(0);
    expect(await searchCount('company=secret%20corp')).toBe(0);
    const directory = (await viewer.inject({ method: 'GET', url: '/api/profiles/directory?limit=100' })).json();
    expect(directory.results.map((r: { user_id: string }) => r.user_id)).not.toContain(hidden.id);
    const body = await facets();
    expect(body.companies.map((c: { value: string }) => c.value)).not.toContain('Secret Corp');
    expect(body.skills.map((c: { value: string }) => c.value)).not.toContain('Stealth');
    // The owner still reads it; search never shows it, not even to its owner.
    expect((await hidden.inject({ method: 'GET', url: '/api/profiles/me' })).json().directory_visible).toBe(false);
    await hidden.inject({ method: 'PUT', url: `/api/profiles/${hidden.id}`, payload: { directory_visible: true } });
    expect(await searchCount('name=hannah')).toBe(1);
  });

  it('when an account is deleted, then its profile leaves search, directory, facets and reads 404 to members', async () => {
    const gone = await member(t, { name: 'Deleted Dora', current_company: 'Gone Inc' });
    await t.database.db.update(users).set({ status: 'deleted' }).where(eq(users.id, gone.id));
    expect(await searchCount('name=dora')).toBe(0);
    expect((await computeFacets(t.app.ctx)).companies.map((c) => c.value)).not.toContain('Gone Inc');
    expect((await viewer.inject({ method: 'GET', url: `/api/profiles/${gone.id}` })).statusCode).toBe(404);
  });

  it('when search results are returned, then they carry no e-mail, social links or CV', async () => {
    await member(t, { name: 'Contact Carla', social_links: { github: 'https://github.com/carla' } });
    const body = (await viewer.inject({ method: 'GET', url: '/api/profiles/search?name=carla' })).json();
    expect(body.results).toHaveLength(1);
    expect(body.results[0].email).toBeUndefined();
    expect(body.results[0].social_links).toBeUndefined();
    expect(body.results[0].cv_url).toBeUndefined();
  });
});
