import { Faker, en } from '@faker-js/faker';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  becomeMentor,
  createEvent,
  createProfile,
  createTestApp,
  fileUpload,
  importCsv,
  member,
  multipart,
  PDF,
  PNG,
  postJob,
  problemOf,
  requestMentorship,
  rsvp,
  type TestApp,
  type TestUser,
} from '../../../test/helpers.js';
import { importAlumni } from '../profiles/profiles.import.js';
import { seedProfiles } from '../profiles/profiles.seed.js';

/**
 * The settings that other modules apply (docs/admin.md "Settings"): each is changed through
 * PUT /api/admin/settings and its effect observed through the API, without a restart.
 */
let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.user('admin');
});
afterAll(() => t?.close());

async function put(payload: object) {
  const res = await admin.inject({ method: 'PUT', url: '/api/admin/settings', payload });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Polls until the condition holds (another instance picks a change up within seconds); no timing is asserted. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

describe('default_profile_visibility', () => {
  it('when it is unlisted, then a new profile is hidden unless its owner says otherwise, on every instance; listed again restores it', async () => {
    await put({ default_profile_visibility: 'unlisted' });
    const quiet = await createProfile(await t.user('alumni'), { headline: 'Quiet' });
    expect(quiet.directory_visible).toBe(false);
    expect((await createProfile(await t.user('alumni'), { directory_visible: true })).directory_visible).toBe(true);
    // A profile an upload creates follows it too.
    const uploader = await t.user('alumni');
    expect(
      (await uploader.inject({ method: 'POST', url: '/api/profiles/upload-photo', ...fileUpload(PNG, { filename: 'me.png' }) })).statusCode,
    ).toBe(200);
    expect((await uploader.inject({ method: 'GET', url: '/api/profiles/me' })).json().directory_visible).toBe(false);
    const viewer = await t.user('alumni');
    const directory = await viewer.inject({ method: 'GET', url: '/api/profiles/directory?limit=100' });
    expect(directory.json().results.map((r: { user_id: string }) => r.user_id)).not.toContain(quiet.user_id);

    // Another instance applies the setting within seconds.
    const sibling = await t.sibling();
    const other = await t.user('alumni');
    let n = 0;
    await eventually(async () => {
      const res = await sibling.inject({
        method: 'POST',
        url: '/api/profiles/create',
        headers: { authorization: `Bearer ${other.token}` },
        payload: { headline: `try ${++n}` },
      });
      if (res.statusCode === 201) return res.json().directory_visible === false;
      await t.database.pool.query('DELETE FROM profiles WHERE user_id = $1', [other.id]);
      return false;
    });

    await put({ default_profile_visibility: 'listed' });
    expect((await createProfile(await t.user('alumni'))).directory_visible).toBe(true);
  });
});

describe('default_profile_visibility for imported and seeded profiles', () => {
  const visibilityOf = async (emails: string[]) => {
    const { rows } = await t.database.pool.query<{ email: string; directory_visible: boolean }>(
      `SELECT u.email, p.directory_visible FROM users u JOIN profiles p ON p.user_id = u.id WHERE u.email = ANY($1)`,
      [emails],
    );
    return Object.fromEntries(rows.map((r) => [r.email, r.directory_visible]));
  };

  it('when it is unlisted, then profiles the alumni import creates (upload and command line) are hidden; updated ones keep their choice', async () => {
    const tag = randomUUID().slice(0, 8);
    const existing = await member(t, { headline: 'Already here' }); // listed, its owner's state
    await put({ default_profile_visibility: 'unlisted' });
    try {
      const fresh = `fresh-${tag}@import.test`;
      const csv = ['email,name,current_company', `${fresh},Fresh ${tag},Acme`, `${existing.email},Already Here,Acme ${tag}`].join('\n');
      const res = await importCsv(admin, csv);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ created: 1, updated: 1 });
      const cli = `cli-${tag}@import.test`;
      expect(await importAlumni(t.app.ctx, Readable.from([`email,name\n${cli},Cli ${tag}\n`]))).toMatchObject({ created: 1 });
      expect(await visibilityOf([fresh, cli, existing.email])).toEqual({ [fresh]: false, [cli]: false, [existing.email]: true });
      // Hidden means hidden: members do not find them.
      const viewer = await t.user('alumni');
      const found = await viewer.inject({ method: 'GET', url: `/api/profiles/search?q=${tag}` });
      expect(found.json().results.map((r: { user_id: string }) => r.user_id)).toEqual([existing.id]);
    } finally {
      await put({ default_profile_visibility: 'listed' });
    }
    const listed = `listed-${tag}@import.test`;
    expect(await importAlumni(t.app.ctx, Readable.from([`email,name\n${listed},Listed ${tag}\n`]))).toMatchObject({ created: 1 });
    expect(await visibilityOf([listed])).toEqual({ [listed]: true });
  });

  it('when it is unlisted, then seeded profiles start hidden (the demo owners who chose otherwise are the same ones as with listed)', async () => {
    const seedWith = async () => {
      const people = [];
      for (let i = 0; i < 40; i++) people.push(await t.user((['alumni', 'student', 'alumni', 'faculty'] as const)[i % 4]));
      const faker = new Faker({ locale: [en] });
      faker.seed(7);
      expect(
        await seedProfiles(
          t.app.ctx,
          faker,
          people.map((p) => ({ id: p.id, email: p.email, name: p.name, role: p.role })),
        ),
      ).toBe(40);
      const visible = await visibilityOf(people.map((p) => p.email));
      return people.map((p) => visible[p.email]);
    };
    const whenListed = await seedWith();
    await put({ default_profile_visibility: 'unlisted' });
    let whenUnlisted: boolean[];
    try {
      whenUnlisted = await seedWith();
    } finally {
      await put({ default_profile_visibility: 'listed' });
    }
    expect(whenListed.filter(Boolean).length).toBeGreaterThan(30);
    expect(whenUnlisted.filter(Boolean).length).toBeLessThan(10);
    expect(whenUnlisted).toEqual(whenListed.map((v) => !v));
  });
});

describe('max_upload_bytes', () => {
  const padded = (file: Buffer, size: number) => Buffer.concat([file, Buffer.alloc(size - file.length, 0x20)]);

  it('when it is lowered, then CV, photo, banner and application uploads above it are 413 and those under it pass', async () => {
    await put({ max_upload_bytes: 2048 });
    const user = await member(t);
    const cv = (size: number) =>
      user.inject({ method: 'POST', url: '/api/profiles/upload-cv', ...fileUpload(padded(PDF, size), { filename: 'cv.pdf' }) });
    const tooBig = await cv(3000);
    expect(tooBig.statusCode).toBe(413);
    expect(problemOf(tooBig)).toMatchObject({ code: 'payload_too_large', detail: 'The file is larger than 2 KB' });
    expect((await cv(2000)).statusCode).toBe(200);
    const photo = await user.inject({
      method: 'POST',
      url: '/api/profiles/upload-photo',
      ...fileUpload(padded(PNG, 3000), { filename: 'me.png' }),
    });
    expect(problemOf(photo).code).toBe('payload_too_large');

    const organizer = await t.user('faculty');
    const event = await createEvent(organizer);
    const banner = await organizer.inject({
      method: 'POST',
      url: `/api/events/${event.id}/banner`,
      ...fileUpload(padded(PNG, 3000), { filename: 'banner.png' }),
    });
    expect(banner.statusCode).toBe(413);

    const job = await postJob(await t.user('recruiter'));
    const applicant = await member(t);
    const application = await applicant.inject({
      method: 'POST',
      url: `/api/jobs/${job.id}/apply`,
      ...multipart({ cover_letter: 'Hello' }, { data: padded(PDF, 3000), filename: 'cv.pdf', type: 'application/pdf' }),
    });
    expect(application.statusCode).toBe(413);

    // Back at the ceiling, the same file passes.
    await put({ max_upload_bytes: 5 * 1024 * 1024 });
    expect((await cv(3000)).statusCode).toBe(200);
  });
});

describe('mentorship_request_expiry_days', () => {
  it('when it changes, then new pending requests expire after that many days and earlier ones keep their expiry', async () => {
    const mentor = await t.user('alumni');
    await becomeMentor(mentor, { max_mentees: 5 });
    const before = await requestMentorship(await t.user('student'), mentor.id);
    await put({ mentorship_request_expiry_days: 3 });
    const after = await requestMentorship(await t.user('student'), mentor.id);
    const days = (r: Record<string, unknown>) => (Date.parse(String(r.expires_at)) - Date.parse(String(r.requested_at))) / 86_400_000;
    expect(days(after)).toBe(3);
    const reread = await mentor.inject({ method: 'GET', url: '/api/mentorship/requests/received' });
    expect(reread.statusCode, reread.body).toBe(200);
    const byId = new Map(reread.json().results.map((r: { id: string }) => [r.id, r]));
    expect(days(byId.get(before.id) as Record<string, unknown>)).toBe(14);
    expect(days(byId.get(after.id) as Record<string, unknown>)).toBe(3);
    await put({ mentorship_request_expiry_days: 14 });
  });
});

describe('directory_verified_alumni_only', () => {
  let company: string;
  let verified: TestUser;
  let unverified: TestUser;
  let student: TestUser;
  beforeAll(async () => {
    company = `Scope ${randomUUID().slice(0, 8)}`;
    verified = await member(t, { current_company: company });
    expect((await verified.inject({ method: 'POST', url: '/api/profiles/me/request-verification' })).statusCode).toBe(202);
    expect((await admin.inject({ method: 'POST', url: `/api/admin/profiles/verify/${verified.id}` })).statusCode).toBe(200);
    unverified = await member(t, { current_company: company });
    student = await member(t, { current_company: company }, 'student');
    expect((await student.inject({ method: 'POST', url: '/api/profiles/me/request-verification' })).statusCode).toBe(202);
    expect((await admin.inject({ method: 'POST', url: `/api/admin/profiles/verify/${student.id}` })).statusCode).toBe(200);
  });

  const found = async (viewer: TestUser, path: 'search' | 'directory') => {
    const res = await viewer.inject({ method: 'GET', url: `/api/profiles/${path}?company=${encodeURIComponent(company)}` });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.count).toBe(body.results.length);
    return body.results.map((r: { user_id: string }) => r.user_id).sort();
  };
  const companyCount = async (viewer: TestUser) => {
    const res = await viewer.inject({ method: 'GET', url: '/api/profiles/filters/options' });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().companies.find((c: { value: string }) => c.value === company)?.count ?? 0;
  };

  it('when it is on, then members find only verified alumni in search, directory and facets; admins everyone; off restores it', async () => {
    const viewer = await t.user('student');
    const everyone = [verified.id, unverified.id, student.id].sort();
    // Read once with the setting off, so a cached count or facet must not survive the change.
    expect(await found(viewer, 'search')).toEqual(everyone);
    expect(await companyCount(viewer)).toBe(3);

    await put({ directory_verified_alumni_only: true });
    for (const path of ['search', 'directory'] as const) {
      expect(await found(viewer, path)).toEqual([verified.id]);
      expect(await found(admin, path)).toEqual(everyone);
    }
    expect(await companyCount(viewer)).toBe(1);
    expect(await companyCount(admin)).toBe(3);
    // A profile write shows in the scoped facets at once (they are cached with the profiles generation).
    await verified.inject({ method: 'PUT', url: `/api/profiles/${verified.id}`, payload: { directory_visible: false } });
    expect(await companyCount(viewer)).toBe(0);
    await verified.inject({ method: 'PUT', url: `/api/profiles/${verified.id}`, payload: { directory_visible: true } });

    await put({ directory_verified_alumni_only: false });
    expect(await found(viewer, 'directory')).toEqual(everyone);
    expect(await companyCount(viewer)).toBe(3);
  });

  it('when it is on, then members see only verified alumni among mentors and match suggestions; admins everyone; by id unchanged', async () => {
    const expertise = `Scope ${randomUUID().slice(0, 8)}`;
    // A faculty mentor with a verified profile is still not an alumnus.
    const faculty = await member(t, { current_company: company }, 'faculty');
    expect((await faculty.inject({ method: 'POST', url: '/api/profiles/me/request-verification' })).statusCode).toBe(202);
    expect((await admin.inject({ method: 'POST', url: `/api/admin/profiles/verify/${faculty.id}` })).statusCode).toBe(200);
    const mentors = [verified, unverified, faculty];
    for (const m of mentors) await becomeMentor(m, { expertise_areas: [expertise], max_mentees: 5 });
    const viewer = await member(t, { skills: [expertise] }, 'student');
    const listed = async (who: TestUser) => {
      const res = await who.inject({ method: 'GET', url: `/api/mentors?expertise=${encodeURIComponent(expertise)}&limit=100` });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.count).toBe(body.results.length);
      return body.results.map((r: { mentor_id: string }) => r.mentor_id).sort();
    };
    const suggested = async (who: TestUser) => {
      const res = await who.inject({ method: 'POST', url: '/api/mentorship/match-suggestions', payload: { limit: 50 } });
      expect(res.statusCode, res.body).toBe(200);
      const ours = new Set(mentors.map((m) => m.id));
      return res
        .json()
        .results.map((r: { mentor: { mentor_id: string } }) => r.mentor.mentor_id)
        .filter((id: string) => ours.has(id))
        .sort();
    };
    const all = mentors.map((m) => m.id).sort();
    // Read with the setting off first, so a cached count must not survive the change.
    expect(await listed(viewer)).toEqual(all);
    expect(await suggested(viewer)).toEqual(all);

    await put({ directory_verified_alumni_only: true });
    expect(await listed(viewer)).toEqual([verified.id]);
    expect(await suggested(viewer)).toEqual([verified.id]);
    expect(await listed(admin)).toEqual(all);
    // The setting is about who can be found: a mentor read by id (a link, a past request) still reads.
    expect((await viewer.inject({ method: 'GET', url: `/api/mentors/${unverified.id}` })).statusCode).toBe(200);

    await put({ directory_verified_alumni_only: false });
    expect(await listed(viewer)).toEqual(all);
    expect(await suggested(viewer)).toEqual(all);
  });

  it('when it is on, then members see only verified alumni among event attendees; the creator and admins everyone', async () => {
    const host = await t.user('alumni');
    const event = await createEvent(host, { max_attendees: null });
    const noProfile = await t.user('alumni');
    const people = [verified, unverified, student, noProfile];
    for (const p of people) expect((await rsvp(p, event.id, 'attending')).statusCode).toBe(200);
    const attendees = async (who: TestUser) => {
      const res = await who.inject({ method: 'GET', url: `/api/events/${event.id}/attendees?limit=100` });
      expect(res.statusCode, res.body).toBe(200);
      return res
        .json()
        .results.map((r: { user_id: string }) => r.user_id)
        .sort();
    };
    const viewer = await t.user('student');
    const all = people.map((p) => p.id).sort();
    expect(await attendees(viewer)).toEqual(all);

    await put({ directory_verified_alumni_only: true });
    expect(await attendees(viewer)).toEqual([verified.id]);
    expect(await attendees(host)).toEqual(all);
    expect(await attendees(admin)).toEqual(all);

    await put({ directory_verified_alumni_only: false });
    expect(await attendees(viewer)).toEqual(all);
  });
});
