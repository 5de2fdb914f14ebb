import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../db/client.js';
import { createTestDatabase } from '../../test/helpers.js';
import { startJobs, type JobDefinition, type Jobs } from './jobs.js';

let dropDb: () => Promise<void>;
let database: Database;
const workers: Jobs[] = [];
const runs: string[] = [];
const handled: { n: number; lastAttempt: boolean }[] = [];

const definitions: JobDefinition<object>[] = [
  {
    name: 'test.cron',
    cron: '0 7 * * *',
    handle: async () => {
      runs.push('ran');
    },
  },
  {
    name: 'test.batch',
    retryLimit: 1,
    handle: async (_ctx, data: { n: number }, { lastAttempt }) => {
      handled.push({ n: data.n, lastAttempt });
      if (data.n === 3) throw new Error('job 3 fails');
    },
  },
];

beforeAll(async () => {
  const db = await createTestDatabase();
  dropDb = db.drop;
  database = connectDatabase(db.url, 8);
  // Two workers on one database, as two instances (or `npm start` plus `cohort worker`) would be.
  for (let i = 0; i < 2; i++) {
    workers.push(
      await startJobs(database.pool, definitions, { work: true, ctx: () => ({}), onError: () => {}, pollingIntervalSeconds: 0.5 }),
    );
  }
});
afterAll(async () => {
  for (const w of workers) await w.stop();
  await database?.close();
  await dropDb?.();
});

it('when a cron firing is raised by both workers at once, then the job runs once', async () => {
  // What each instance's pg-boss scheduler inserts when the minute comes (timekeeper.cron()): both do it here.
  const firing = {
    name: '__pgboss__send-it',
    data: { name: 'test.cron', data: {}, tz: 'UTC' },
    singletonKey: 'test.cron',
    singletonSeconds: 60,
  };
  await Promise.all(workers.map((w) => w.boss.insert([firing])));
  const deadline = Date.now() + 15_000;
  while (runs.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 3000)); // both workers keep polling meanwhile
  expect(runs).toEqual(['ran']);
  const { rows } = await database.pool.query(`SELECT count(*)::int AS n FROM pgboss.schedule WHERE name = 'test.cron'`);
  expect(rows[0].n).toBe(1);
});

it('when one job of a fetched batch fails, then the others complete once and it alone is retried', async () => {
  await workers[0].boss.insert(
    Array.from({ length: 6 }, (_, n) => ({ name: 'test.batch', data: { n }, retryDelay: 0, retryBackoff: false })),
  );
  const deadline = Date.now() + 20_000;
  while (handled.filter((h) => h.n === 3).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1500));
  expect(
    handled
      .filter((h) => h.n !== 3)
      .map((h) => h.n)
      .sort(),
  ).toEqual([0, 1, 2, 4, 5]);
  expect(handled.filter((h) => h.n === 3).map((h) => h.lastAttempt)).toEqual([false, true]);
  const { rows } = await database.pool.query(`SELECT data->>'n' AS n, state FROM pgboss.job WHERE name = 'test.batch' ORDER BY 1`);
  expect(rows.map((r) => `${r.n}:${r.state}`)).toEqual([
    '0:completed',
    '1:completed',
    '2:completed',
    '3:failed',
    '4:completed',
    '5:completed',
  ]);
});
