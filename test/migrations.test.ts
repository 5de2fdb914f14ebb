import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectDatabase } from '../src/db/client.js';
import { migrationsPending, runMigrations, runMigrationsApart } from '../src/db/migrate.js';
import { withDatabase } from './helpers.js';

const serverUrl = inject('serverUrl');
const name = `${inject('templateDb')}_cfresh${randomBytes(3).toString('hex')}`;
const apart = `${inject('templateDb')}_capart${randomBytes(3).toString('hex')}`;

async function onServer(statement: string) {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(statement);
  await admin.end();
}

afterAll(async () => {
  await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await onServer(`DROP DATABASE IF EXISTS ${apart} WITH (FORCE)`);
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

  it('when the server starts on a fresh database, then a worker thread applies every migration and a second start finds none pending', async () => {
    await onServer(`CREATE DATABASE ${apart}`);
    const db = connectDatabase(withDatabase(serverUrl, apart), 2);
    try {
      expect(await migrationsPending(db.pool)).toBe(true);
      await runMigrationsApart(db.pool, withDatabase(serverUrl, apart));
      expect(await migrationsPending(db.pool)).toBe(false);
      const { rows } = await db.pool.query(
        `SELECT to_regclass('public.users') AS t, (SELECT count(*)::int FROM drizzle.__drizzle_migrations) AS n`,
      );
      expect(rows[0].t).toBe('users');
      expect(rows[0].n).toBeGreaterThan(20);
      // The newest migration missing again: pending again (drizzle's own test, by journal time).
      await db.pool.query(
        'DELETE FROM drizzle.__drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM drizzle.__drizzle_migrations)',
      );
      expect(await migrationsPending(db.pool)).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('when the worker cannot migrate, then the start fails with the reason rather than serving an unmigrated database', async () => {
    const db = connectDatabase(withDatabase(serverUrl, apart), 2);
    try {
      await expect(runMigrationsApart(db.pool, withDatabase(serverUrl, `${apart}_missing`))).rejects.toThrow(/does not exist/);
    } finally {
      await db.close();
    }
  });
});
