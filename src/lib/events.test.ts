import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../db/client.js';
import { createTestDatabase } from '../../test/helpers.js';
import { createEventBus, deliverOnce, subscriberJobs, type EventBus, type Subscriber } from './events.js';
import { startJobs, type Jobs } from './jobs.js';

interface Ctx {
  db: Database['db'];
}

let dropDb: () => Promise<void>;
let database: Database;
let jobs: Jobs;
let bus: EventBus;
let failNext = false;

/** Each subscriber records its deliveries in `effects` through the delivery's transaction. */
const recording = (name: string, event: Subscriber<Ctx, any>['event']): Subscriber<Ctx, any> => ({
  name,
  event,
  async handle(_ctx, envelope, { tx }) {
    await tx.execute(sql`INSERT INTO effects (subscriber, event_id, type) VALUES (${name}, ${envelope.id}, ${envelope.type})`);
    if (failNext) {
      failNext = false;
      throw new Error('subscriber failed after writing');
    }
  },
});
const subscribers = [recording('several', ['user.registered', 'user.password_reset']), recording('wildcard', '*'), recording('one', 'job.posted')];

const effects = async () =>
  (await database.db.execute<{ subscriber: string; event_id: string; type: string }>(sql`SELECT subscriber, event_id, type FROM effects ORDER BY subscriber`)).rows;

async function waitForEffects(n: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const rows = await effects();
    if (rows.length >= n) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`fewer than ${n} effects after ${timeoutMs} ms`);
}

beforeAll(async () => {
  const db = await createTestDatabase();
  dropDb = db.drop;
  database = connectDatabase(db.url, 6);
  await database.pool.query('CREATE TABLE effects (subscriber text NOT NULL, event_id uuid NOT NULL, type text NOT NULL)');
  const ctx: Ctx = { db: database.db };
  jobs = await startJobs(database.pool, subscriberJobs(subscribers), { work: true, ctx: () => ctx, onError: () => {}, pollingIntervalSeconds: 0.5 });
  bus = createEventBus(subscribers, () => jobs);
});
afterAll(async () => {
  await jobs?.stop();
  await database?.close();
  await dropDb?.();
});

describe('events', () => {
  it('when an event is published, then its subscribers (by list, by wildcard) run only after the transaction commits', async () => {
    await database.pool.query('TRUNCATE effects');
    await database.db.transaction(async (tx) => {
      await bus.publish(tx, 'user.registered', { userId: randomUUID() });
      await new Promise((r) => setTimeout(r, 1500)); // workers poll meanwhile: the job is not visible yet
      expect(await effects()).toEqual([]);
    });
    const rows = await waitForEffects(2);
    expect(rows.map((r) => [r.subscriber, r.type])).toEqual([
      ['several', 'user.registered'],
      ['wildcard', 'user.registered'],
    ]);
    expect(rows[0].event_id).toBe(rows[1].event_id);
  });

  it('when the publishing transaction rolls back, then no subscriber ever runs', async () => {
    await database.pool.query('TRUNCATE effects');
    await expect(
      database.db.transaction(async (tx) => {
        await bus.publish(tx, 'user.password_reset', { userId: randomUUID() });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    await new Promise((r) => setTimeout(r, 2000));
    expect(await effects()).toEqual([]);
  });

  it('when the same envelope is delivered again, also concurrently or after a failed attempt, then it takes effect once', async () => {
    await database.pool.query('TRUNCATE effects');
    const ctx = { db: database.db };
    const envelope = { id: randomUUID(), type: 'job.posted' as const, payload: { jobId: randomUUID(), postedBy: randomUUID() } };
    failNext = true;
    await expect(deliverOnce(ctx, subscribers[2], envelope)).rejects.toThrow('subscriber failed');
    expect(await effects()).toEqual([]); // the failed attempt's writes rolled back with its delivery mark
    const results = await Promise.all([1, 2, 3].map(() => deliverOnce(ctx, subscribers[2], envelope)));
    expect(results.filter(Boolean)).toHaveLength(1);
    // A duplicate queued job (pg-boss is at-least-once) changes nothing either.
    await database.db.transaction(async (tx) => {
      await jobs.send(tx, 'event.one', envelope);
      await jobs.send(tx, 'event.one', envelope);
    });
    await new Promise((r) => setTimeout(r, 2000));
    expect((await effects()).map((r) => r.subscriber)).toEqual(['one']);
  });
});
