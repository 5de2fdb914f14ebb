import { eq, inArray, sql } from 'drizzle-orm';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, problemOf, type TestApp, type TestUser, csvLine, importCsv, member } from '../../../test/helpers.js';
import { users } from '../auth/auth.tables.js';
import { computeFacets } from './profiles.facets.js';
import { importAlumni } from './profiles.import.js';
import { profilesJobs } from './profiles.jobs.js';
import { profiles } from './profiles.tables.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.user('admin');
});
afterAll(() => t?.close());

const HEADER = 'email,name,role,batch_year,degree,department,current_company,current_role,location,skills,headline,bio,linkedin_url';

describe('POST /api/admin/import/alumni', () => {
  it('when a file has good and bad rows, then good rows go in and bad ones are reported on the line where they start', async () => {
    const csv = [
      HEADER + ',favourite_colour', // line 1
      csvLine([
        '  Ann@Import.TEST ',
        ' Ann Example ',
        '',
        '2015',
        'B.Tech',
        'CS',
        'Google',
        'Data Scientist',
        'Pune, India',
        ' Python ; sql;python;; ',
        'Hi',
        '',
        'https://linkedin.com/in/ann',
        'blue',
      ]), // 2
      csvLine(['not-an-email', 'Bad Email']), // 3
      csvLine(['multi@import.test', 'Multi Line', 'student', '', '', '', '', '', '', '', '', 'first line\nsecond line\nthird line']), // 4-6
      csvLine(['year@import.test', 'Bad Year', '', '1850']), // 7
      '', // 8: empty line
      csvLine(['boss@import.test', 'Would Be Admin', 'admin']), // 9
      csvLine(['noname@import.test', '']), // 10
      csvLine(['url@import.test', 'Bad Url', '', '', '', '', '', '', '', '', '', '', 'javascript:alert(1)']), // 11
      csvLine(['role@import.test', 'Bad Role', 'wizard']), // 12
      csvLine(['last@import.test', 'Last Row']), // 13
    ].join('\r\n');
    const res = await importCsv(admin, csv);
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ created: 3, updated: 0, unchanged: 0, skipped: 6, ignored_columns: ['favourite_colour'] });
    expect(report.errors.map((e: { line: number }) => e.line)).toEqual([3, 7, 9, 10, 11, 12]);
    expect(report.errors[2].message).toMatch(/admin/);

    const [ann] = await t.database.db
      .select()
      .from(profiles)
      .innerJoin(users, eq(users.id, profiles.user_id))
      .where(eq(users.email, 'ann@import.test'));
    expect(ann.users).toMatchObject({ name: 'Ann Example', role: 'alumni', password_hash: null });
    expect(ann.profiles).toMatchObject({
      skills: ['Python', 'sql'],
      skills_lower: ['python', 'sql'],
      batch_year: 2015,
      location: 'Pune, India',
      social_links: { linkedin: 'https://linkedin.com/in/ann' },
      bio: null,
    });
    const [multi] = await t.database.db
      .select()
      .from(profiles)
      .innerJoin(users, eq(users.id, profiles.user_id))
      .where(eq(users.email, 'multi@import.test'));
    expect(multi.users.role).toBe('student');
    expect(multi.profiles.bio).toBe('first line\nsecond line\nthird line');
  });

  it('when the same file is imported twice, then the second import changes nothing; a changed value updates just that row', async () => {
    const rows = Array.from({ length: 250 }, (_, i) =>
      csvLine([
        `again${i}@import.test`,
        `Again ${i}`,
        '',
        String(2000 + (i % 20)),
        '',
        '',
        'Initech',
        'Engineer',
        'Delhi, India',
        'Go;Rust',
      ]),
    );
    const csv = [HEADER, ...rows].join('\n');
    expect((await importCsv(admin, csv)).json()).toMatchObject({ created: 250, updated: 0, unchanged: 0, skipped: 0 });
    const before = await t.database.db.execute(sql`SELECT max(updated_at) AS at FROM profiles`);
    expect((await importCsv(admin, csv)).json()).toMatchObject({ created: 0, updated: 0, unchanged: 250, skipped: 0, errors: [] });
    const after = await t.database.db.execute(sql`SELECT max(updated_at) AS at FROM profiles`);
    expect(after.rows[0].at).toEqual(before.rows[0].at);
    rows[17] = csvLine(['AGAIN17@import.test', 'Again 17', '', '2017', '', '', 'Initrode', 'Engineer', 'Delhi, India', 'Go;Rust']);
    expect((await importCsv(admin, [HEADER, ...rows].join('\n'))).json()).toMatchObject({ created: 0, updated: 1, unchanged: 249 });
    const res = await admin.inject({ method: 'GET', url: '/api/profiles/search?company=initrode' });
    expect(res.json().count).toBe(1);
  });

  it('when a row updates a member who registered, then their role, name and password stay and missing columns keep their values', async () => {
    const existing = await t.user('student', { email: 'stu@import.test', name: 'Real Name' });
    await existing.inject({ method: 'POST', url: '/api/profiles/create', payload: { bio: 'My own bio', current_company: 'Old Co' } });
    const res = await importCsv(admin, ['email,name,role,current_company', 'STU@import.test,Imported Name,alumni,New Co'].join('\n'));
    expect(res.json()).toMatchObject({ created: 0, updated: 1 });
    const [row] = await t.database.db.select().from(users).where(eq(users.id, existing.id));
    expect(row).toMatchObject({ role: 'student', name: 'Real Name' });
    expect(row.password_hash).not.toBeNull();
    const me = (await existing.inject({ method: 'GET', url: '/api/profiles/me' })).json();
    expect(me).toMatchObject({ name: 'Imported Name', current_company: 'New Co', bio: 'My own bio' });
  });

  it('when a row names an admin, faculty or recruiter account, then it is skipped with its reason and that account gets no profile', async () => {
    const staff = await Promise.all((['admin', 'faculty', 'recruiter'] as const).map((role) => t.user(role)));
    const csv = [
      'email,name,current_company',
      ...staff.map((u) => csvLine([u.email.toUpperCase(), 'Imported Staff', 'Evil Corp'])),
      csvLine(['fine@import.test', 'Fine Alumnus', 'Good Co']),
    ];
    const report = (await importCsv(admin, csv.join('\n'))).json();
    expect(report).toMatchObject({ created: 1, updated: 0, unchanged: 0, skipped: 3 });
    expect(report.errors).toEqual(
      staff.map((u, i) => ({ line: i + 2, message: expect.stringContaining(`belongs to a ${u.role} account`) })),
    );
    const staffProfiles = await t.database.db
      .select()
      .from(profiles)
      .where(
        inArray(
          profiles.user_id,
          staff.map((u) => u.id),
        ),
      );
    expect(staffProfiles).toEqual([]);
  });

  it('when the role column names a role other than alumni or student, then the row is skipped', async () => {
    const csv = [
      'email,name,role',
      csvLine(['prof@import.test', 'A Professor', 'faculty']),
      csvLine(['rec2@import.test', 'A Recruiter', 'recruiter']),
    ];
    const report = (await importCsv(admin, csv.join('\n'))).json();
    expect(report).toMatchObject({ created: 0, skipped: 2 });
    expect(report.errors.map((e: { message: string }) => e.message)).toEqual([
      expect.stringMatching(/faculty/),
      expect.stringMatching(/recruiter/),
    ]);
    expect(
      await t.database.db
        .select()
        .from(users)
        .where(sql`lower(${users.email}) IN ('prof@import.test', 'rec2@import.test')`),
    ).toEqual([]);
  });

  it('when a cell holds a NUL byte, then that row is reported and the good rows still go in', async () => {
    const csv = Buffer.from(
      ['email,name,bio', 'nul1@import.test,Good One,fine', 'nul2@import.test,Bad\u0000Name,x', 'nul3@import.test,Good Three,y'].join('\n'),
    );
    const res = await importCsv(admin, csv);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      created: 2,
      skipped: 1,
      errors: [{ line: 3, message: expect.stringMatching(/name contains a NUL/) }],
    });
  });

  it('when PostgreSQL refuses a value the checks let through, then only that row is reported and the good rows of its batch still go in', async () => {
    // A rule only the database knows (a CHECK constraint, as a later migration might add) stands in for any refused value.
    await t.database.db.execute(sql`ALTER TABLE profiles ADD CONSTRAINT test_refused_name CHECK (name <> 'Refused Name')`);
    try {
      const csv = ['email,name', 'chk1@import.test,Good One', 'chk2@import.test,Refused Name', 'chk3@import.test,Good Three'].join('\n');
      const report = await importAlumni(t.app.ctx, Readable.from([Buffer.from(csv)]));
      expect(report).toMatchObject({
        created: 2,
        skipped: 1,
        errors: [{ line: 3, message: expect.stringMatching(/refused by the database/) }],
      });
    } finally {
      await t.database.db.execute(sql`ALTER TABLE profiles DROP CONSTRAINT test_refused_name`);
    }
  });

  it('when an e-mail repeats in the file, then the later row wins', async () => {
    const rows = [HEADER, csvLine(['twice@import.test', 'First']), csvLine(['Twice@Import.test', 'Second'])];
    expect((await importCsv(admin, rows.join('\n'))).json()).toMatchObject({ created: 1, updated: 1 });
    const [p] = await t.database.db
      .select()
      .from(profiles)
      .innerJoin(users, eq(users.id, profiles.user_id))
      .where(eq(users.email, 'twice@import.test'));
    expect(p.profiles.name).toBe('Second');
  });

  it('when the header lacks email or name, or the file is empty, then it is 400', async () => {
    const res = await importCsv(admin, 'name,batch_year\nNo Email,2010\n');
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).detail).toMatch(/email/);
    expect((await importCsv(admin, '')).statusCode).toBe(400);
  });

  it('when a quote is never closed, then the rows before it go in and the error names the line', async () => {
    const res = await importCsv(admin, ['email,name', 'ok1@import.test,Ok One', 'bad@import.test,"Never closed', 'more'].join('\n'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ created: 1, skipped: 1 });
    expect(res.json().errors).toEqual([{ line: 3, message: expect.stringMatching(/not valid CSV/) }]);
  });

  it('when a quote is misplaced mid-file, then that row is reported with its line and the rows after it go in', async () => {
    const csv = [
      'email,name',
      'a1@import.test,A One',
      'a2@import.test,A "Two" Bad',
      '',
      'a3@import.test,A Three',
      'a4@import.test,"A\nFour"',
      'a5@import.test,A Five',
    ];
    const res = await importCsv(admin, csv.join('\n'));
    expect(res.json()).toMatchObject({ created: 4, skipped: 1 });
    expect(res.json().errors.map((e: { line: number }) => e.line)).toEqual([3]);
    const extra = await importCsv(
      admin,
      ['email,name', 'b1@import.test,B,extra', 'b2@import.test,"B\n2",x', 'b3@import.test,"B3'].join('\n'),
    );
    expect(extra.json().errors.map((e: { line: number }) => e.line)).toEqual([2, 3, 5]);
  });

  it('when the request is not multipart, then it is 415', async () => {
    const res = await admin.inject({ method: 'POST', url: '/api/admin/import/alumni', payload: { file: 'x' } });
    expect(res.statusCode).toBe(415);
  });
});

describe('importAlumni (the CLI path)', () => {
  it('when given a stream with a BOM, then it imports it like the endpoint does', async () => {
    const csv = '\uFEFFemail,name,skills\ncli@import.test,Cli Person,C++;Java\n';
    const report = await importAlumni(t.app.ctx, Readable.from([Buffer.from(csv)]));
    expect(report).toMatchObject({ created: 1, skipped: 0, errors: [] });
    const res = await admin.inject({ method: 'GET', url: '/api/profiles/search?skills=c%2B%2B,java' });
    expect(res.json().results.map((r: { name: string }) => r.name)).toEqual(['Cli Person']);
  });
});

describe('facet counts and the import (decision 100)', () => {
  const COMPANIES = ['Acme', 'ACME', 'acme', 'Globex', 'Initech', ''];
  const SKILLS = ['Python', 'python', 'SQL', 'Go', 'Rust'];
  /** Rows `from`..`to` (exclusive) of a file whose e-mails start with `tag`; `shift` moves every value along. */
  const rows = (tag: string, from: number, to: number, shift = 0) =>
    Array.from({ length: to - from }, (_, k) => {
      const i = from + k + shift;
      return csvLine([
        `${tag}${from + k}@facets.test`,
        `Facet ${tag} ${from + k}`,
        i % 7 ? 'alumni' : 'student',
        String(2000 + (i % 5)),
        '',
        ['CS', 'cs', 'EE'][i % 3],
        COMPANIES[i % COMPANIES.length],
        '',
        ['Pune', 'PUNE', 'Delhi', ''][i % 4],
        SKILLS.filter((_, j) => (i >> j) & 1).join(';'),
      ]);
    });
  const journalEntries = async () => Number((await t.database.pool.query('SELECT count(*) AS n FROM profile_facet_journal')).rows[0].n);
  const profilesOf = async (tag: string) =>
    (
      await t.database.pool.query<{ user_id: string }>(
        `SELECT p.user_id FROM profiles p JOIN users u ON u.id = p.user_id WHERE u.email LIKE $1 ORDER BY u.email`,
        [`${tag}%@facets.test`],
      )
    ).rows.map((r) => r.user_id);
  const waitFor = async (check: () => Promise<boolean>) => {
    for (const started = Date.now(); !(await check()); await new Promise((r) => setTimeout(r, 25)))
      if (Date.now() - started > 20_000) throw new Error('timed out');
  };
  /** The endpoint's counts (the trigger-kept table) equal a count from scratch, and nothing is left in the journal. */
  const expectExact = async () => {
    const res = await admin.inject({ method: 'GET', url: '/api/profiles/filters/options?limit=1000' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(await computeFacets(t.app.ctx));
    expect(await journalEntries()).toBe(0);
  };

  it('when a file of several batches is imported, then GET /api/profiles/filters/options equals a count from scratch, and so after a re-import that changes values', async () => {
    const report = (await importCsv(admin, [HEADER, ...rows('many', 0, 2300)].join('\n'))).json();
    expect(report).toMatchObject({ created: 2300, skipped: 0 });
    await expectExact();
    const again = await importAlumni(t.app.ctx, Readable.from([Buffer.from([HEADER, ...rows('many', 0, 2300, 1)].join('\n'))]));
    expect(again).toMatchObject({ created: 0, updated: 2300 });
    await expectExact();
  });

  it('when profiles are written while an import runs, then the counts are exact once it ends', async () => {
    const input = new PassThrough();
    const importing = importAlumni(t.app.ctx, input);
    input.write([HEADER, ...rows('conc', 0, 1500)].join('\n') + '\n');
    // The first batch (1,000 rows) commits with its facet changes journalled, not yet counted.
    await waitFor(async () => (await profilesOf('conc')).length >= 1000);
    expect(await journalEntries()).toBeGreaterThan(0);

    // Writes that commit meanwhile, some to profiles the counts do not include yet: edited, hidden,
    // deleted, an account suspended; and new members with the same values through the API.
    const [edited, hidden, deleted, suspended] = await profilesOf('conc');
    const q = (text: string, values: unknown[]) => t.database.pool.query(text, values);
    const writes = () =>
      Promise.all([
        q(`UPDATE profiles SET current_company = 'Globex', skills = ARRAY['Rust', 'COBOL'], location = NULL WHERE user_id = $1`, [edited]),
        q(`UPDATE profiles SET directory_visible = false WHERE user_id = $1`, [hidden]),
        q(`DELETE FROM profiles WHERE user_id = $1`, [deleted]),
        q(`UPDATE users SET status = 'suspended' WHERE id = $1`, [suspended]),
        ...['Acme', 'ACME', 'Umbrella'].map((company) =>
          member(t, { current_company: company, skills: ['Python', 'Go'], location: 'Pune' }),
        ),
      ]);
    await writes();
    expect(await journalEntries()).toBeGreaterThan(0);
    // More of the file (new rows and later rows for e-mails of the first batch), with writes still going on.
    input.end([...rows('conc', 1500, 2600), ...rows('conc', 0, 400, 2)].join('\n'));
    await Promise.all([writes(), member(t, { current_company: 'acme', skills: ['SQL'] })]);
    const report = await importing;
    // The deleted profile's later row creates it again.
    expect(report).toMatchObject({ created: 2601, updated: 399, skipped: 0 });
    await expectExact();
  });

  it('when an import fails half-way, then the batches it committed are counted', async () => {
    const input = new PassThrough();
    const importing = importAlumni(t.app.ctx, input);
    input.write([HEADER, ...rows('half', 0, 1200)].join('\n') + '\n');
    await waitFor(async () => (await profilesOf('half')).length >= 1000);
    input.destroy(new Error('the upload was cut'));
    await expect(importing).rejects.toThrow(/upload was cut/);
    await expectExact();
  });

  it('when an import died before folding its journal, then the scheduled job, or the next import, counts its rows', async () => {
    const journalled = async (company: string) => {
      const { id } = await t.user('alumni');
      const client = await t.database.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`SELECT set_config('cohort.facets', 'journal', true)`);
        await client.query(`INSERT INTO profiles (user_id, name, current_company, skills) VALUES ($1, 'Died', $2, ARRAY['Fortran'])`, [
          id,
          company,
        ]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    };
    const companies = async () => (await admin.inject({ method: 'GET', url: '/api/profiles/filters/options' })).json().companies;
    await journalled('Crashed Co');
    expect(await companies()).not.toContainEqual({ value: 'Crashed Co', count: 1 });
    const fold = profilesJobs.find((j) => j.name === 'profiles.fold-facet-journal')!;
    await fold.handle(t.app.ctx, {}, { lastAttempt: false });
    expect(await companies()).toContainEqual({ value: 'Crashed Co', count: 1 });
    await expectExact();

    await journalled('Crashed Again Co');
    await importCsv(admin, 'email,name\nnext@facets.test,Next Import');
    expect(await companies()).toContainEqual({ value: 'Crashed Again Co', count: 1 });
    await expectExact();
  });
});
