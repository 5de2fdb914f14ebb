import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, problemOf, type TestApp, createProfile, member } from '../../../test/helpers.js';
import { COMPLETION_WEIGHTS } from './profiles.rules.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const full = {
  name: 'Ada Lovelace',
  headline: 'Engineer',
  bio: 'Writes programs.',
  current_company: 'Analytical Engines',
  current_role: 'Principal Engineer',
  location: 'London, United Kingdom',
  batch_year: 2010,
  degree: 'B.Tech',
  department: 'Mathematics',
  experience_timeline: [{ company: 'Analytical Engines', role: 'Engineer', start_date: '2011-07', end_date: '2015-06-30' }],
  education_details: [{ institution: 'Cohort Institute', degree: 'B.Tech', field: 'Maths', start_year: 2006, end_year: 2010 }],
  skills: ['Python', 'SQL'],
  achievements: ['First program'],
  social_links: { linkedin: 'https://linkedin.com/in/ada' },
};

describe('POST /api/profiles/create', () => {
  it('when a member creates a profile, then it is 201 with defaults, their e-mail and the completion percentage', async () => {
    const user = await t.user('alumni');
    const res = await user.inject({
      method: 'POST',
      url: '/api/profiles/create',
      payload: { headline: '  Builder  ', skills: [' Go ', 'go', 'Rust', ''] },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      user_id: user.id,
      name: user.name,
      email: user.email,
      role: 'alumni',
      headline: 'Builder',
      skills: ['Go', 'Rust'],
      verification_status: 'unverified',
      is_verified: false,
      directory_visible: true,
      contact_visibility: 'members',
      profile_completion_percentage: COMPLETION_WEIGHTS.name + COMPLETION_WEIGHTS.headline + COMPLETION_WEIGHTS.skills,
    });
    expect(body.cv_key).toBeUndefined();
    expect(body.skills_lower).toBeUndefined();
    expect(body.search_text).toBeUndefined();
  });

  it('when a member creates a second profile, then it is 409', async () => {
    const user = await member(t);
    const res = await user.inject({ method: 'POST', url: '/api/profiles/create', payload: {} });
    expect(res.statusCode).toBe(409);
  });

  it('when the body sets a field the member may not set, then it is 400 naming it', async () => {
    const user = await t.user();
    const res = await user.inject({ method: 'POST', url: '/api/profiles/create', payload: { is_verified: true } });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('is_verified');
  });

  it.each([
    [{ batch_year: 1800 }, 'batch_year'],
    [{ batch_year: 2500 }, 'batch_year'],
    [{ social_links: { github: 'javascript:alert(1)' } }, 'social_links.github'],
    [{ social_links: { website: 'ftp://example.com' } }, 'social_links.website'],
    [{ experience_timeline: [{ company: 'A', role: 'B', start_date: '2020-05', end_date: '2019-01' }] }, 'experience_timeline.0.end_date'],
    [{ experience_timeline: [{ company: 'A', role: 'B', start_date: '2020-13' }] }, 'experience_timeline.0.start_date'],
    [{ education_details: [{ institution: 'X', start_year: 2010, end_year: 2005 }] }, 'education_details.0.end_year'],
    [{ skills: Array.from({ length: 51 }, (_, i) => `skill${i}`) }, 'skills'],
    [{ headline: 'x'.repeat(201) }, 'headline'],
    [{ contact_visibility: 'everyone' }, 'contact_visibility'],
  ])('when the body is invalid (%j), then it is 400 naming %s', async (payload, field) => {
    const user = await t.user();
    const res = await user.inject({ method: 'POST', url: '/api/profiles/create', payload });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.map((e) => e.field)).toContain(field);
  });

  it('when nobody is signed in, then it is 401', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/profiles/create', payload: {} });
    expect(res.statusCode).toBe(401);
  });
});

describe('completion percentage', () => {
  it('when every field is filled, then it is 100, and it is recomputed on every change', async () => {
    const user = await t.user();
    const created = await createProfile(user, full);
    // Everything but photo and CV.
    expect(created.profile_completion_percentage).toBe(100 - COMPLETION_WEIGHTS.photo - COMPLETION_WEIGHTS.cv);
    const res = await user.inject({ method: 'PUT', url: `/api/profiles/${user.id}`, payload: { bio: null, achievements: [] } });
    expect(res.statusCode).toBe(200);
    expect(res.json().profile_completion_percentage).toBe(
      100 - COMPLETION_WEIGHTS.photo - COMPLETION_WEIGHTS.cv - COMPLETION_WEIGHTS.bio - COMPLETION_WEIGHTS.achievements,
    );
  });

  it('when the weights are summed, then they make 100', () => {
    expect(Object.values(COMPLETION_WEIGHTS).reduce((a, b) => a + b, 0)).toBe(100);
  });
});

describe('GET /api/profiles/me and /api/profiles/{user_id}', () => {
  it('when the caller has a profile, then /me returns it, and /api/auth/me carries its summary', async () => {
    const user = await member(t, { headline: 'Hello', batch_year: 2015 });
    const me = await user.inject({ method: 'GET', url: '/api/profiles/me' });
    expect(me.statusCode).toBe(200);
    expect(me.json().user_id).toBe(user.id);
    const auth = await user.inject({ method: 'GET', url: '/api/auth/me' });
    expect(auth.json().profile).toMatchObject({
      headline: 'Hello',
      batch_year: 2015,
      verification_status: 'unverified',
      is_verified: false,
    });
  });

  it('when the caller has no profile, then /me is 404 and /api/auth/me has profile null', async () => {
    const user = await t.user('recruiter');
    expect((await user.inject({ method: 'GET', url: '/api/profiles/me' })).statusCode).toBe(404);
    expect((await user.inject({ method: 'GET', url: '/api/auth/me' })).json().profile).toBeNull();
  });

  it('when another member reads a profile, then they see it with contact details unless the owner hides them', async () => {
    const owner = await member(t, full);
    const other = await t.user('student');
    const res = await other.inject({ method: 'GET', url: `/api/profiles/${owner.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ email: owner.email, social_links: { linkedin: 'https://linkedin.com/in/ada' }, cv_url: null });
    await owner.inject({ method: 'PUT', url: `/api/profiles/${owner.id}`, payload: { contact_visibility: 'nobody' } });
    const hidden = await other.inject({ method: 'GET', url: `/api/profiles/${owner.id}` });
    expect(hidden.json()).toMatchObject({ email: null, social_links: null, name: 'Ada Lovelace' });
    const admin = await t.user('admin');
    const asAdmin = await admin.inject({ method: 'GET', url: `/api/profiles/${owner.id}` });
    expect(asAdmin.json()).toMatchObject({ email: owner.email, social_links: { linkedin: 'https://linkedin.com/in/ada' } });
    const asOwner = await owner.inject({ method: 'GET', url: '/api/profiles/me' });
    expect(asOwner.json().email).toBe(owner.email);
  });

  it('when a profile is hidden from the directory, then other members get 404 and the owner and admins still read it', async () => {
    const owner = await member(t, { directory_visible: false });
    const other = await t.user();
    expect((await other.inject({ method: 'GET', url: `/api/profiles/${owner.id}` })).statusCode).toBe(404);
    expect((await owner.inject({ method: 'GET', url: `/api/profiles/${owner.id}` })).statusCode).toBe(200);
    expect((await (await t.user('admin')).inject({ method: 'GET', url: `/api/profiles/${owner.id}` })).statusCode).toBe(200);
  });

  it('when the id is not a uuid, then it is 400; when nobody has that id, then it is 404; anonymous is 401', async () => {
    const user = await t.user();
    expect((await user.inject({ method: 'GET', url: '/api/profiles/not-a-uuid' })).statusCode).toBe(400);
    expect((await user.inject({ method: 'GET', url: '/api/profiles/00000000-0000-4000-8000-000000000000' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/api/profiles/${user.id}` })).statusCode).toBe(401);
  });
});

describe('PUT /api/profiles/{user_id}', () => {
  it('when the owner sends some fields, then only those change', async () => {
    const owner = await member(t, full);
    const res = await owner.inject({
      method: 'PUT',
      url: `/api/profiles/${owner.id}`,
      payload: { headline: 'New headline', skills: ['Rust'] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ headline: 'New headline', skills: ['Rust'], bio: full.bio, current_company: full.current_company });
  });

  it('when another member or an admin edits a visible profile, then it is 403; a hidden one is 404 for members', async () => {
    const owner = await member(t);
    const other = await t.user();
    const admin = await t.user('admin');
    expect((await other.inject({ method: 'PUT', url: `/api/profiles/${owner.id}`, payload: { headline: 'x' } })).statusCode).toBe(403);
    expect((await admin.inject({ method: 'PUT', url: `/api/profiles/${owner.id}`, payload: { headline: 'x' } })).statusCode).toBe(403);
    const hidden = await member(t, { directory_visible: false });
    expect((await other.inject({ method: 'PUT', url: `/api/profiles/${hidden.id}`, payload: { headline: 'x' } })).statusCode).toBe(404);
  });

  it('when the owner has no profile yet, then it is 404', async () => {
    const user = await t.user();
    expect((await user.inject({ method: 'PUT', url: `/api/profiles/${user.id}`, payload: { headline: 'x' } })).statusCode).toBe(404);
  });
});

describe('DELETE /api/profiles/{user_id}', () => {
  it('when an admin deletes a profile, then it is 204 and the profile reads 404', async () => {
    const owner = await member(t);
    const admin = await t.user('admin');
    expect((await admin.inject({ method: 'DELETE', url: `/api/profiles/${owner.id}` })).statusCode).toBe(204);
    expect((await owner.inject({ method: 'GET', url: '/api/profiles/me' })).statusCode).toBe(404);
    expect((await admin.inject({ method: 'DELETE', url: `/api/profiles/${owner.id}` })).statusCode).toBe(404);
  });

  it('when the owner or another member deletes a profile, then it is 403; anonymous is 401', async () => {
    const owner = await member(t);
    expect((await owner.inject({ method: 'DELETE', url: `/api/profiles/${owner.id}` })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/profiles/${owner.id}` })).statusCode).toBe(401);
  });
});

describe('OpenAPI', () => {
  it('when the document is generated, then every profiles route is in it', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const path of [
      '/api/profiles/search',
      '/api/profiles/{user_id}',
      '/api/profiles/upload-cv',
      '/api/admin/profiles/reject/{user_id}',
      '/api/admin/import/alumni',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });
});
