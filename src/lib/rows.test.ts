import { randomUUID } from 'node:crypto';
import { eq, getTableColumns, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers.js';
import { connectDatabase, type Database } from '../db/client.js';
import { users } from '../modules/auth/auth.tables.js';
import { jobColumns } from '../modules/jobs/jobs.service.js';
import { jobs } from '../modules/jobs/jobs.tables.js';
import { profiles } from '../modules/profiles/profiles.tables.js';
import type { AppContext } from './context.js';
import { cursorTimestamp } from './pagination.js';
import { MAX_SHAPES_PER_FAMILY, readShaped } from './prepared.js';
import { rowMapper } from './rows.js';

/**
 * readShaped reads a page with pg directly and maps its array rows with a generated function
 * (decision 126): its rows must be drizzle's own, value for value (Dates, jsonb, arrays, nulls).
 */
let dropDb: () => Promise<void>;
let url: string;
let database: Database;
let ctx: AppContext;
const owner = randomUUID();

beforeAll(async () => {
  const db = await createTestDatabase();
  dropDb = db.drop;
  url = db.url;
  database = connectDatabase(db.url, 2);
  ctx = { db: database.db, pool: database.pool } as unknown as AppContext;
  await database.db.insert(users).values({ id: owner, email: `${owner}@rows.test`, name: 'Owner', role: 'alumni', password_hash: 'x' });
  await database.db.insert(profiles).values([
    {
      user_id: owner,
      name: 'Full Card',
      headline: 'Héllo "quoted" \\ back',
      photo_key: 'photos/a.png',
      batch_year: 2015,
      skills: ['C++', 'Go'],
      social_links: { github: 'https://g.h/x' },
      verified_at: new Date('2026-01-02T03:04:05.678Z'),
    },
  ]);
  const poster = owner;
  await database.db.insert(jobs).values([
    {
      title: 'All set',
      description: 'd',
      company: 'Acme',
      location: 'Pune',
      job_type: 'full_time',
      posted_by: poster,
      skills_required: ['Python', 'SQL'],
      skills_required_lower: ['python', 'sql'],
      salary_range: { min: 1, max: 2, currency: 'INR', period: 'year' },
      apply_link: 'https://a.b/c',
      application_deadline: new Date('2030-05-06T07:08:09.123Z'),
    },
    { title: 'Nulls', description: 'd', company: 'Acme', location: 'Pune', job_type: 'remote', posted_by: poster, status: 'closed' },
  ]);
});
afterAll(async () => {
  await database?.close();
  await dropDb?.();
});

describe('readShaped', () => {
  it('when every column type of the hot lists is read, then the rows equal drizzle’s, value for value', async () => {
    const selection = {
      ...getTableColumns(profiles),
      role: users.role,
      computed: sql<string>`upper(${profiles.name})`,
      counted: sql<number>`count(*) OVER ()`, // bigint: a number, by the pool's parser
      mapped: sql`${profiles.batch_year}::text`.mapWith(Number),
      at_text: sql`now()`, // a timestamptz without a decoder: text, as drizzle returns it
      aliased: sql<string>`lower(${profiles.name})`.as('aliased'),
    };
    const build = (db: Database['db']) => db.select(selection).from(profiles).innerJoin(users, eq(users.id, profiles.user_id));
    const expected = await build(database.db);
    const rows = await readShaped(ctx, 'rows-test-profiles', 'all', build, {});
    expect(rows).toHaveLength(1);
    // now() differs between two statements; everything else must be identical, types included.
    expect({ ...rows[0], at_text: 'now' }).toStrictEqual({ ...expected[0], at_text: 'now' });
    expect(typeof rows[0].at_text).toBe('string');
    expect(rows[0].verified_at).toBeInstanceOf(Date);
    expect(rows[0].mapped).toBe(2015);
  });

  it('when the jobs board columns are read with placeholders, then the rows equal drizzle’s prepared execute', async () => {
    const build = (db: Database['db']) =>
      db
        .select({ ...jobColumns, cursor_ts: cursorTimestamp(jobs.created_at) })
        .from(jobs)
        .where(eq(jobs.company, sql.placeholder('company')))
        .orderBy(jobs.title);
    const expected = await build(database.db).prepare('rows-test-drizzle').execute({ company: 'Acme' });
    const rows = await readShaped(ctx, 'rows-test-jobs', 'by-company', build, { company: 'Acme' });
    expect(rows).toStrictEqual(expected);
    expect(rows.map((r) => r.status)).toEqual(['active', 'closed']);
    expect(rows[0].application_deadline).toEqual(new Date('2030-05-06T07:08:09.123Z'));
    expect(rows[1]).toMatchObject({ salary_range: null, application_deadline: null, skills_required: [] });
    // The same shape again: the statement is reused, the values are this request's.
    expect(await readShaped(ctx, 'rows-test-jobs', 'by-company', build, { company: 'Nobody' })).toEqual([]);
  });

  it('when a shape is read, then it runs as a named prepared statement of its family, prepared once per connection', async () => {
    // One connection, so the statements it holds are the ones readShaped prepared.
    const single = connectDatabase(url, 1);
    try {
      const one = { db: single.db, pool: single.pool } as unknown as AppContext;
      const build = (db: Database['db']) =>
        db
          .select({ id: jobs.id })
          .from(jobs)
          .where(eq(jobs.title, sql.placeholder('title')));
      for (const title of ['Nulls', 'All set', 'Nulls'])
        expect(await readShaped(one, 'rows-test-named', 'by-title', build, { title })).toHaveLength(1);
      await readShaped(one, 'rows-test-named', 'other-shape', build, { title: 'x' });
      const { rows } = await single.pool.query(`SELECT name, statement FROM pg_prepared_statements ORDER BY name`);
      expect(rows.map((r) => r.name)).toEqual(['rows-test-named-0', 'rows-test-named-1']);
      expect(rows[0].statement).toBe(build(single.db).toSQL().sql);
    } finally {
      await single.close();
    }
  });

  it('when a shape is read with planPerRequest, then it is sent unnamed (no prepared statement) and returns the same rows', async () => {
    const single = connectDatabase(url, 1);
    try {
      const one = { db: single.db, pool: single.pool } as unknown as AppContext;
      const build = (db: Database['db']) =>
        db
          .select({ id: jobs.id, title: jobs.title })
          .from(jobs)
          .where(eq(jobs.title, sql.placeholder('title')));
      for (let i = 0; i < 7; i++) {
        const rows = await readShaped(one, 'rows-test-unnamed', 'by-title', build, { title: 'Nulls' }, { planPerRequest: true });
        expect(rows).toEqual(await build(single.db).execute({ title: 'Nulls' }));
      }
      const { rows } = await single.pool.query(`SELECT name FROM pg_prepared_statements`);
      expect(rows).toEqual([]);
    } finally {
      await single.close();
    }
  });

  it('when a family has more shapes than it may prepare, then the extra shapes still return drizzle’s rows', async () => {
    const build = (db: Database['db']) =>
      db
        .select({ id: jobs.id, title: jobs.title })
        .from(jobs)
        .where(eq(jobs.title, sql.placeholder('t')));
    for (let i = 0; i < MAX_SHAPES_PER_FAMILY; i++) await readShaped(ctx, 'rows-test-cap', `shape-${i}`, build, { t: 'x' });
    const over = await readShaped(ctx, 'rows-test-cap', 'one-too-many', build, { t: 'Nulls' });
    expect(over).toEqual(await build(database.db).execute({ t: 'Nulls' }));
    expect(over).toHaveLength(1);
  });
});

describe('rowMapper', () => {
  it('when a selection is nested, then it is refused naming the key', () => {
    expect(() => rowMapper({ id: jobs.id, owner: { id: users.id } })).toThrow(/"owner" is a nested selection/);
  });

  it('when a key would set the prototype, then it is refused', () => {
    expect(() => rowMapper({ ['__proto__']: jobs.id } as Record<string, unknown>)).toThrow(/__proto__/);
  });

  it('when keys need quoting, then the object has exactly those keys', () => {
    const map = rowMapper<Record<string, unknown>>({ 'a"b': jobs.id, 'c\\d': jobs.title, "e'f\nx": jobs.company });
    expect(map(['1', '2', '3'])).toStrictEqual({ 'a"b': '1', 'c\\d': '2', "e'f\nx": '3' });
  });
});
