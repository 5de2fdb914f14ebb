import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import PgBoss from 'pg-boss';
import type { TestProject } from 'vitest/node';
import { withDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
    templateDb: string;
  }
}

/**
 * One PostgreSQL for the whole run (embedded in a temp dir, or TEST_DATABASE_URL), with a template
 * database migrated once; every test file clones it (CREATE DATABASE … TEMPLATE), so files run in parallel.
 */
export default async function setup(project: TestProject) {
  let serverUrl = process.env.TEST_DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let dir: string | undefined;
  if (!serverUrl) {
    const { startEmbeddedPostgres, UnreachableDirectoryError } = await import('../src/db/embedded.js');
    dir = await mkdtemp(join(tmpdir(), 'cohort-test-'));
    const embedded = await startEmbeddedPostgres(dir).catch((err: Error) => {
      // One line naming the directory and the fix (a clone in a 0700 directory, as root), not a stack.
      if (err instanceof UnreachableDirectoryError) {
        process.stderr.write(`cohort tests: ${err.message}\n`);
        process.exit(1);
      }
      throw err;
    });
    serverUrl = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const templateDb = `cohort_template_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${templateDb}`);

  const pool = new pg.Pool({ connectionString: withDatabase(serverUrl, templateDb), max: 4 });
  await runMigrations(pool);
  const boss = new PgBoss({
    db: { executeSql: (text: string, values: unknown[]) => pool.query(text, values) },
    supervise: false,
    schedule: false,
  });
  await boss.start(); // installs the pgboss schema once, so the clones start fast
  await boss.stop({ graceful: false, wait: true });
  await pool.end();

  project.provide('serverUrl', serverUrl);
  project.provide('templateDb', templateDb);

  return async () => {
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`, [
      `${templateDb}_c%`,
      templateDb,
    ]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => {});
    await admin.end();
    await stopEmbedded?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  };
}
