import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type pg from 'pg';

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

// Any constant works; it only has to be the same for every Cohort instance.
const MIGRATION_LOCK_KEY = 7_262_011;

/** Applies pending migrations while holding an advisory lock, so instances starting together never race. */
export async function runMigrations(pool: pg.Pool) {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await migrate(drizzle(client), { migrationsFolder });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

/**
 * Whether the database lacks a migration of drizzle/ (drizzle's own test: a migration is applied when
 * the newest recorded one is at least as recent as its journal time). Two small statements.
 */
export async function migrationsPending(pool: pg.Pool): Promise<boolean> {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: { when: number }[] };
  const newest = Math.max(...journal.entries.map((e) => e.when));
  const { rows: table } = await pool.query(`SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present`);
  if (!table[0].present) return true;
  const { rows } = await pool.query<{ applied: string | null }>(
    'SELECT max(created_at)::text AS applied FROM drizzle.__drizzle_migrations',
  );
  return rows[0].applied === null || Number(rows[0].applied) < newest;
}

/**
 * For the server and the CLI: pending migrations are applied in a worker thread. Running them in the
 * serving process left V8 pretenuring allocation sites that the hot paths share (pg's row parsing):
 * every young-space collection then cost about 5× as much for the rest of the process's life, and a
 * server started on an empty database served the facets at 0.7× the rate of one restarted after
 * (docs/decisions/136). Nothing pending (the usual start) costs two small statements and no worker.
 */
export async function runMigrationsApart(pool: pg.Pool, url: string): Promise<void> {
  if (!(await migrationsPending(pool))) return;
  const ext = extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./migrate.worker${ext}`, import.meta.url);
  // From src/ (the CLI, tests, dev) the worker is TypeScript too: it registers tsx first, as bin/cohort.mjs does.
  const worker =
    ext === '.ts'
      ? new Worker(`import(${JSON.stringify(tsxApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`, {
          eval: true,
          workerData: { url },
        })
      : new Worker(entry, { workerData: { url } });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`migrations: the worker exited with code ${code}`))));
  });
}

/** The URL of tsx's ESM API (`tsx/esm/api`), found through its package's exports: a worker has no loader to resolve it. */
function tsxApi() {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(manifest), exports['./esm/api'].import.default)).href;
}
