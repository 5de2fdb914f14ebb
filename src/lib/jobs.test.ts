import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../db/client.js';
import { createTestDatabase } from '../../test/helpers.js';
import { startJobs, type JobDefinition, type Jobs } from './jobs.js';

let dropDb: () => Promise<void>;
let database: Database;
const workers: Jobs[] = [];
const runs: string[] = [];

const definitions: JobDefinition<object>[] = [
  {
    name: 'test.cron',
    cron: '0 7 * * *',
    handle: async () => {
      runs.push('ran');
    },
  },
];

beforeAll(async () => {
  const db = await createTestDatabase();
  dropDb = db.drop;
  database = connectDatabase(db.url, 8);
  // Two workers on one database, as two instances (or `npm start` plus `cohort worker`) would be.
  for (let i = 0; i < 2; i++) {
    workers.push(await startJobs(database.pool, definitions, { work: true, ctx: () => ({}), onError: () => {}, pollingIntervalSeconds: 0.5 }));
  }
});
afterAll(async () => {
  for (const w of workers) await w.stop();
  await database?.close();
  await dropDb?.();
});

it('when a cron firing is raised by both workers at once, then the job runs once', async () => {
  // What each instance's pg-boss scheduler inserts when the minute comes (timekeeper.cron()): both do it here.
  const firing = { name: '__pgboss__send-it', data: { name: 'test.cron', data: {}, tz: 'UTC' }, singletonKey: 'test.cron', singletonSeconds: 60 };
  await Promise.all(workers.map((w) => w.boss.insert([firing])));
  const deadline = Date.now() + 15_000;
  while (runs.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 3000)); // both workers keep polling meanwhile
  expect(runs).toEqual(['ran']);
  const { rows } = await database.pool.query(`SELECT count(*)::int AS n FROM pgboss.schedule WHERE name = 'test.cron'`);
  expect(rows[0].n).toBe(1);
});
