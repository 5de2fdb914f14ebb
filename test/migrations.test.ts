import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { withDatabase } from './helpers.js';

const serverUrl = inject('serverUrl');
const name = `${inject('templateDb')}_cfresh${randomBytes(3).toString('hex')}`;

afterAll(async () => {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

describe('migrations', () => {
  it('when two instances migrate one fresh database at the same moment, then both succeed and every migration is applied once', async () => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const a = connectDatabase(withDatabase(serverUrl, name), 4);
    const b = connectDatabase(withDatabase(serverUrl, name), 4);
    try {
      const results = await Promise.allSettled([runMigrations(a.pool), runMigrations(b.pool), runMigrations(a.pool)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      const { rows } = await a.pool.query('SELECT hash, count(*)::int AS n FROM drizzle.__drizzle_migrations GROUP BY hash');
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.n === 1)).toBe(true);
      const users = await a.pool.query(`SELECT to_regclass('public.users') AS t`);
      expect(users.rows[0].t).toBe('users');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
