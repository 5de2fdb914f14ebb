// Runs the migrations in a worker thread (see runMigrationsApart in migrate.ts): its own V8 heap and
// its own connection, both gone when it ends.
import { workerData } from 'node:worker_threads';
import pg from 'pg';
import { runMigrations } from './migrate.js';

const pool = new pg.Pool({ connectionString: (workerData as { url: string }).url, max: 1 });
pool.on('error', () => {}); // a failure surfaces as the rejected migration below
try {
  await runMigrations(pool);
} finally {
  await pool.end();
}
