import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../db/client.js';
import { createTestDatabase } from '../../test/helpers.js';
import {
  createEventBus,
  deliverMany,
  deliverOnce,
  DELIVERY_RETENTION_DAYS,
  eventDeliveryJobs,
  PRUNE_DELIVERIES_JOB,
  pruneEventDeliveries,
  subscriberJobs,
  type EventBus,
  type Subscriber,
} from './events.js';
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
/** Takes only the applications whose new status is "accepted": the others never queue a job for it. */
const choosy: Subscriber<Ctx, 'application.status_changed'> = {
  ...recording('choosy', 'application.status_changed'),
  accepts: (envelope) => envelope.payload.to === 'accepted',
};
/** Handles batches in one call (recorded in `batches`); a payload with userId 'poison' makes the call throw. */
const batches: number[] = [];
const POISON = '00000000-0000-4000-8000-000000000bad';
const batching: Subscriber<Ctx, 'user.password_reset'> = {
  ...recording('batching', 'user.password_reset'),
  async handleMany(ctx, envelopes, delivery) {
    batches.push(envelopes.length);
    for (const envelope of envelopes) {
      if (envelope.payload.userId === POISON) throw new Error('poisoned envelope');
      await batching.handle(ctx, envelope, delivery);
    }
  },
  async handle(_ctx, envelope, { tx }) {
    if (envelope.payload.userId === POISON) throw new Error('poisoned envelope');
    await tx.execute(sql`INSERT INTO effects (subscriber, event_id, type) VALUES ('batching', ${envelope.id}, ${envelope.type})`);
  },
};
const subscribers = [
  recording('several', ['user.registered', 'user.password_reset']),
  recording('wildcard', '*'),
  recording('one', 'job.posted'),
  choosy,
  batching,
];

const effects = async () =>
  (
    await database.db.execute<{ subscriber: string; event_id: string; type: string }>(
      sql`SELECT subscriber, event_id, type FROM effects ORDER BY subscriber`,
    )
  ).rows;

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
  jobs = await startJobs(database.pool, subscriberJobs(subscribers), {
    work: true,
    ctx: () => ctx,
    onError: () => {},
    pollingIntervalSeconds: 0.5,
  });
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

  it('when a subscriber does not accept an event, then no job is queued for it (others still get theirs)', async () => {
    await database.pool.query('TRUNCATE effects');
    const change = (to: string) => ({
      applicationId: randomUUID(),
      jobId: randomUUID(),
      applicantId: randomUUID(),
      posterId: randomUUID(),
      from: 'applied',
      to,
      byUserId: randomUUID(),
      message: null,
      automatic: false,
    });
    const queued = async () =>
      (await database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'event.choosy'`)).rows[0].n;
    const before = await queued();
    await database.db.transaction((tx) => bus.publish(tx, 'application.status_changed', change('rejected')));
    expect(await queued()).toBe(before);
    await database.db.transaction((tx) => bus.publish(tx, 'application.status_changed', change('accepted')));
    expect(await queued()).toBe(before + 1);
    const rows = await waitForEffects(3);
    expect(rows.map((r) => r.subscriber).sort()).toEqual(['choosy', 'wildcard', 'wildcard']);
  });

  it('when a batch is delivered, then each envelope takes effect once, in one transaction, duplicates and earlier deliveries skipped', async () => {
    await database.pool.query('TRUNCATE effects');
    const ctx = { db: database.db };
    const envelope = () => ({ id: randomUUID(), type: 'user.password_reset' as const, payload: { userId: randomUUID() } });
    const [a, b, c] = [envelope(), envelope(), envelope()];
    expect(await deliverOnce(ctx, batching, a)).toBe(true);
    batches.length = 0;
    expect(await deliverMany(ctx, batching, [a, b, b, c])).toBe(2);
    expect(batches).toEqual([2]); // a was delivered before; b once
    expect(await deliverMany(ctx, batching, [a, b, c])).toBe(0);
    const rows = (await effects()).filter((r) => r.subscriber === 'batching');
    expect(rows.map((r) => r.event_id).sort()).toEqual([a.id, b.id, c.id].sort());
  });

  it('when one event of a fetched batch fails, then the others are still delivered (one by one) and only it is retried', async () => {
    await database.pool.query('TRUNCATE effects');
    batches.length = 0;
    const good = [randomUUID(), randomUUID(), randomUUID()];
    // Queued together, so a worker fetches them as one batch.
    await database.db.transaction(async (tx) => {
      for (const userId of [good[0], POISON, good[1], good[2]]) await bus.publish(tx, 'user.password_reset', { userId });
    });
    const deadline = Date.now() + 10_000;
    let delivered: string[] = [];
    while (Date.now() < deadline && delivered.length < 3) {
      await new Promise((r) => setTimeout(r, 100));
      delivered = (await effects()).filter((r) => r.subscriber === 'batching').map((r) => r.event_id);
    }
    expect(delivered).toHaveLength(3);
    expect(batches[0]).toBe(4); // tried as one batch first
    await waitForEffects(3 + 4 + 4); // and the other subscribers of these events, before the next test
    const { rows } = await database.pool.query<{ state: string; n: number }>(
      `SELECT state, count(*)::int AS n FROM pgboss.job WHERE name = 'event.batching' AND data -> 'payload' ->> 'userId' = $1 GROUP BY state`,
      [POISON],
    );
    expect(rows.map((r) => r.state)).not.toContain('completed');
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

describe('pruning event_deliveries', () => {
  /** Delivery marks of a subscriber of its own, delivered `ageDays` ago. */
  const marks = async (subscriber: string, ageDays: number[]) => {
    for (const age of ageDays) {
      await database.pool.query(
        `INSERT INTO event_deliveries (subscriber, event_id, delivered_at) VALUES ($1, $2, now() - make_interval(secs => $3))`,
        [subscriber, randomUUID(), age * 86_400],
      );
    }
  };
  const ages = async (subscriber: string) =>
    (
      await database.pool.query<{ age: number }>(
        `SELECT round(extract(epoch FROM now() - delivered_at) / 86400)::int AS age FROM event_deliveries WHERE subscriber = $1 ORDER BY 1`,
        [subscriber],
      )
    ).rows.map((r) => r.age);
  const R = DELIVERY_RETENTION_DAYS;

  it('when marks are older than the retention, then they are deleted in batches and the younger ones stay', async () => {
    const name = `prune-${randomUUID()}`;
    await marks(name, [R + 1, R + 2, R + 5, R + 30, R + 100, R + 365, R + 400, R - 1, 1, 0]);
    expect(await pruneEventDeliveries(database.db, { batchSize: 3 })).toEqual({ deleted: 7, batches: 3 });
    expect(await ages(name)).toEqual([0, 1, R - 1]);
    // Nothing left to do: one empty batch.
    expect(await pruneEventDeliveries(database.db, { batchSize: 3 })).toEqual({ deleted: 0, batches: 1 });
  });

  it('when a run reaches its batch limit, then it stops (oldest went first) and the next run goes on', async () => {
    const name = `prune-${randomUUID()}`;
    await marks(name, [R + 1, R + 2, R + 3, R + 4, R + 5]);
    expect(await pruneEventDeliveries(database.db, { batchSize: 2, maxBatches: 2 })).toEqual({ deleted: 4, batches: 2 });
    expect(await ages(name)).toEqual([R + 1]);
    expect(await pruneEventDeliveries(database.db, { batchSize: 2 })).toEqual({ deleted: 1, batches: 1 });
    expect(await ages(name)).toEqual([]);
  });

  it('when the retention is chosen, then it outlasts, twice over, the last moment pg-boss can still run a copy of an event job', () => {
    // A pruned envelope delivered again would take effect again. pg-boss 10 drops a job still queued
    // (created or retry) 14 days after it was due (keep_until) and fails a running one at its expiry
    // (at most 24 h): no copy of an event job runs later than about 15 days (decision 114).
    expect(R).toBeGreaterThanOrEqual(2 * 15);
  });

  it('when the job is started, then it is scheduled daily, and a firing prunes', async () => {
    const pruner = await startJobs(database.pool, eventDeliveryJobs<Ctx>(), {
      work: true,
      ctx: () => ({ db: database.db }),
      onError: () => {},
      pollingIntervalSeconds: 0.5,
    });
    try {
      const { rows } = await database.pool.query(`SELECT cron, timezone FROM pgboss.schedule WHERE name = $1`, [PRUNE_DELIVERIES_JOB]);
      expect(rows).toHaveLength(1);
      expect(rows[0].cron).toMatch(/^\d+ \d+ \* \* \*$/);
      const name = `prune-${randomUUID()}`;
      await marks(name, [R + 1, 0]);
      await pruner.boss.send(PRUNE_DELIVERIES_JOB, {});
      const deadline = Date.now() + 15_000;
      while ((await ages(name)).length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await ages(name)).toEqual([0]);
    } finally {
      await pruner.stop();
    }
  });
});
