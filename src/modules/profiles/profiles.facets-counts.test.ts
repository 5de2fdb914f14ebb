import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers.js';
import { computeFacets, FACET_MAX_VALUES, foldFacetJournal, getFacets } from './profiles.facets.js';

/** The trigger-kept counts (migration performance_sql) always equal a count from scratch. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const COMPANIES = ['Acme', 'ACME', 'acme', 'Globex', 'Initech', null];
const SKILLS = ['Python', 'python', 'SQL', 'Go', 'Rust'];
const q = (text: string, values: unknown[] = []) => t.database.pool.query(text, values);
const sameAsFromScratch = async () => {
  expect(await getFacets(t.app.ctx, FACET_MAX_VALUES)).toEqual(await computeFacets(t.app.ctx));
};

async function newMember(i: number) {
  const { rows } = await q(`INSERT INTO users (email, name, role) VALUES ($1, 'F', 'alumni') RETURNING id`, [
    `facet-${i}-${Date.now()}@example.com`,
  ]);
  return rows[0].id as string;
}

describe('facet counts kept by triggers', () => {
  it('when profiles are created, edited, hidden, deleted and their accounts deleted in any order, then the counts equal a count from scratch', async () => {
    let n = 0;
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('insert' as const),
        company: fc.constantFrom(...COMPANIES),
        skills: fc.subarray(SKILLS),
        year: fc.option(fc.integer({ min: 2000, max: 2003 })),
      }),
      fc.record({ kind: fc.constant('company' as const), company: fc.constantFrom(...COMPANIES) }),
      fc.record({ kind: fc.constant('skills' as const), skills: fc.subarray(SKILLS) }),
      fc.record({ kind: fc.constant('visible' as const), visible: fc.boolean() }),
      fc.record({ kind: fc.constant('account' as const), status: fc.constantFrom('active', 'deleted', 'suspended') }),
      fc.record({ kind: fc.constant('delete' as const) }),
      fc.record({ kind: fc.constant('noop' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        for (const o of ops) {
          const { rows } = await q(`SELECT user_id FROM profiles ORDER BY random() LIMIT 1`);
          const some = rows[0]?.user_id as string | undefined;
          if (o.kind === 'insert') {
            const id = await newMember(++n);
            await q(`INSERT INTO profiles (user_id, name, current_company, skills, batch_year) VALUES ($1, 'F', $2, $3, $4)`, [
              id,
              o.company,
              o.skills,
              o.year,
            ]);
          } else if (!some) continue;
          else if (o.kind === 'company') await q(`UPDATE profiles SET current_company = $2 WHERE user_id = $1`, [some, o.company]);
          else if (o.kind === 'skills') await q(`UPDATE profiles SET skills = $2 WHERE user_id = $1`, [some, o.skills]);
          else if (o.kind === 'visible') await q(`UPDATE profiles SET directory_visible = $2 WHERE user_id = $1`, [some, o.visible]);
          else if (o.kind === 'account') await q(`UPDATE users SET status = $2 WHERE id = $1`, [some, o.status]);
          else if (o.kind === 'delete') await q(`DELETE FROM profiles WHERE user_id = $1`, [some]);
          else await q(`UPDATE profiles SET headline = 'x' WHERE user_id = $1`, [some]);
        }
        await sameAsFromScratch();
      }),
      { numRuns: 15 },
    );
  });

  it('when many profiles are written in one statement (an import), then the counts equal a count from scratch', async () => {
    const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => newMember(1000 + i)));
    await q(
      `INSERT INTO profiles (user_id, name, current_company, location, department, skills)
       SELECT id, 'Bulk', (ARRAY['Acme','ACME','Umbrella'])[1 + (row_number() OVER () % 3)], 'Pune', 'CS', ARRAY['Python','Go']
       FROM unnest($1::uuid[]) AS id`,
      [ids],
    );
    await sameAsFromScratch();
    await q(`UPDATE profiles SET location = 'Mumbai' WHERE user_id = ANY($1)`, [ids.slice(0, 10)]);
    await q(`DELETE FROM profiles WHERE user_id = ANY($1)`, [ids.slice(20)]);
    await sameAsFromScratch();
  });

  it('when members with the same company are created in parallel, then none is lost', async () => {
    const before =
      (await getFacets(t.app.ctx, FACET_MAX_VALUES)).companies.find((c) => c.value.toLowerCase() === 'parallel co')?.count ?? 0;
    const users = await Promise.all(Array.from({ length: 12 }, () => t.user('alumni')));
    const results = await Promise.all(
      users.map((u, i) =>
        u.inject({
          method: 'POST',
          url: '/api/profiles/create',
          payload: { current_company: i % 2 ? 'Parallel Co' : 'PARALLEL CO', skills: ['Python'] },
        }),
      ),
    );
    expect(results.map((r) => r.statusCode)).toEqual(users.map(() => 201));
    const after = (await getFacets(t.app.ctx, FACET_MAX_VALUES)).companies.find((c) => c.value.toLowerCase() === 'parallel co');
    expect(after?.count).toBe(before + 12);
    await sameAsFromScratch();
  });

  it('when transactions journal their changes (an import), then the counts wait for a fold, which applies each committed change once and never waits', async () => {
    const journalling = async () => {
      const client = await t.database.pool.connect();
      await client.query('BEGIN');
      await client.query(`SELECT set_config('cohort.facets', 'journal', true)`);
      return client;
    };
    const ids = await Promise.all(Array.from({ length: 4 }, (_, i) => newMember(2000 + i)));
    const insert = (client: pg.PoolClient | pg.Pool, id: string, company: string) =>
      client.query(`INSERT INTO profiles (user_id, name, current_company, skills) VALUES ($1, 'J', $2, ARRAY['Journal'])`, [id, company]);
    const journalCo = async () =>
      (await getFacets(t.app.ctx, FACET_MAX_VALUES)).companies.find((c) => c.value.toLowerCase() === 'journal co')?.count;
    const entries = async () => (await q('SELECT count(*)::int AS n FROM profile_facet_journal')).rows[0].n;

    const first = await journalling();
    await insert(first, ids[0], 'Journal Co');
    await first.query(`UPDATE profiles SET skills = ARRAY['Journal', 'Kept'] WHERE user_id = $1`, [ids[0]]);
    await first.query('COMMIT');
    first.release();
    // Committed and journalled: not counted yet.
    expect(await journalCo()).toBeUndefined();
    expect(await entries()).toBeGreaterThan(0);

    // A journalling transaction still open: the fold does not wait for it and leaves its entries.
    const second = await journalling();
    await insert(second, ids[1], 'JOURNAL CO');
    // An ordinary write is applied at once.
    await insert(t.database.pool, ids[2], 'Journal Co');
    expect(await foldFacetJournal(t.app.ctx)).toBeGreaterThan(0);
    expect(await journalCo()).toBe(2);
    await second.query('COMMIT');
    second.release();
    expect(await journalCo()).toBe(2);

    // Two folds at once apply each entry once.
    const third = await journalling();
    await insert(third, ids[3], 'journal co');
    await third.query('COMMIT');
    third.release();
    const pending = await entries();
    const folded = await Promise.all([foldFacetJournal(t.app.ctx), foldFacetJournal(t.app.ctx)]);
    expect(folded[0] + folded[1]).toBe(pending);
    expect(await journalCo()).toBe(4);
    expect(await entries()).toBe(0);
    expect(await foldFacetJournal(t.app.ctx)).toBe(0);
    await sameAsFromScratch();
  });
});
