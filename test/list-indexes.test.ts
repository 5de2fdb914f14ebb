import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase } from './helpers.js';

/**
 * Keyset lists say `ORDER BY … DESC`, which PostgreSQL reads as DESC NULLS FIRST. An index declared
 * DESC NULLS LAST (drizzle's `.desc()` alone) cannot give that order in either scan direction, so a
 * list over it sorts every matching row on each request (decision 127).
 */
let drop: () => Promise<void>;
let client: pg.Client;
beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await drop?.();
});

describe('indexes of the lists', () => {
  it('when an index orders a column descending, then nulls come first, the order ORDER BY … DESC asks for', async () => {
    const { rows } = await client.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexdef LIKE '% DESC NULLS LAST%' ORDER BY indexname`,
    );
    expect(rows.map((r) => `${r.indexname}: ${r.indexdef}`)).toEqual([]);
  });

  it('when a descending index exists, then at least the lists the issue measures have one (the check above is not vacuous)', async () => {
    const { rows } = await client.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexdef LIKE '% DESC%'`);
    expect(rows.map((r) => r.indexname)).toEqual(expect.arrayContaining(['jobs_board_order_idx', 'forum_posts_list_idx']));
  });
});
