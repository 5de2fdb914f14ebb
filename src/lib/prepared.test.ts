import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers.js';
import { connectDatabase, type Database } from '../db/client.js';
import { users } from '../modules/auth/auth.tables.js';
import type { AppContext } from './context.js';
import { MAX_SHAPES_PER_FAMILY, readShaped } from './prepared.js';

let db: { url: string; drop(): Promise<void> };
let database: Database;
let ctx: AppContext;
let userId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  database = connectDatabase(db.url, 2);
  // readShaped needs only the handles (and the context as the key of its statements).
  ctx = { db: database.db, pool: database.pool } as unknown as AppContext;
  const [row] = await database.db
    .insert(users)
    .values({ email: 'rows@example.com', name: 'Rows', role: 'alumni', is_verified: true })
    .returning({ id: users.id });
  userId = row!.id;
});
afterAll(async () => {
  await database?.close();
  await db?.drop();
});

const selection = () => ({
  id: users.id,
  name: users.name,
  verified: users.is_verified,
  created_at: users.created_at,
  n: sql<number>`42`.mapWith(Number),
  tags: sql<string[]>`ARRAY['a', 'b']::text[]`,
  nothing: sql<string | null>`NULL::text`,
});
const build = (shape: string) => (d: Database['db']) =>
  d
    .select(selection())
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .limit(shape === 'one' ? 1 : 2);

describe('readShaped', () => {
  it('when a flat selection is read, then the rows equal what drizzle itself maps, keyed by the selection', async () => {
    const rows = await readShaped(ctx, 'rows-test', 'one', build('one'), { id: userId });
    const drizzle = await build('one')(database.db).execute({ id: userId });
    expect(rows).toEqual(drizzle);
    expect(rows[0]!.created_at).toBeInstanceOf(Date);
    expect(Object.keys(rows[0]!)).toEqual(Object.keys(selection()));
    // A second run reuses the statement (its name is taken on the connection already: no error).
    expect(await readShaped(ctx, 'rows-test', 'one', build('one'), { id: userId })).toEqual(drizzle);
  });

  it('when a selection nests an object, then it is refused when built', async () => {
    const nested = (d: Database['db']) => d.select({ id: users.id, author: { name: users.name } }).from(users);
    await expect(readShaped(ctx, 'rows-nested', 'x', nested, {})).rejects.toThrow(/nested selection/);
  });

  it('when a family has more shapes than the cap, then the others run unnamed with the same answer', async () => {
    for (let i = 0; i <= MAX_SHAPES_PER_FAMILY + 1; i++) {
      const rows = await readShaped(ctx, 'rows-many', `shape-${i}`, build('one'), { id: userId });
      expect(rows.map((r) => r.id)).toEqual([userId]);
    }
  });
});
