import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.js';
import type { JobDefinition, Jobs } from './jobs.js';

/**
 * Every domain event, by name, with its payload. Modules publish these inside the transaction of
 * their write; subscribers (notifications, analytics, ...) react after commit, at least once.
 * Payloads name the people a subscriber addresses, so nobody has to re-read who to notify.
 * Modules add their own events by declaration merging in `<module>.events.ts`.
 */
export interface EventMap {
  'user.registered': { userId: string };
  'user.password_reset': { userId: string };
  'job.posted': { jobId: string; postedBy: string };
  'application.received': { applicationId: string; jobId: string; applicantId: string; posterId: string };
  'application.status_changed': {
    applicationId: string;
    jobId: string;
    applicantId: string;
    posterId: string;
    from: string;
    to: string;
    byUserId: string;
    /** The message the poster wrote with the change, if any. */
    message: string | null;
    /** applied → viewed set by the poster's first read (not an explicit decision). */
    automatic: boolean;
  };
}
export type EventName = keyof EventMap;

export interface EventEnvelope<K extends EventName = EventName> {
  id: string;
  type: K;
  payload: EventMap[K];
}

/** What a subscriber gets besides the event: the transaction that records the delivery. */
export interface Delivery {
  /** Writes here commit together with the "delivered" mark: a redelivery sees them done. */
  tx: Tx;
  /** Runs once the delivery committed (real-time pushes, immediate mail attempts). */
  afterCommit(fn: () => void): void;
}

export interface Subscriber<Ctx, K extends EventName = EventName> {
  /** Unique, stable name: it is the subscriber's job queue and its delivery key. */
  name: string;
  /** One event type, several, or '*' for every event (webhooks, audit trails). */
  event: K | K[] | '*';
  /**
   * Called at least once per event, after the publishing transaction committed. Each delivery is
   * keyed by (subscriber, envelope.id) inside `delivery.tx`: once that transaction commits, a
   * redelivery of the same envelope is skipped, so writes made through `delivery.tx` happen once.
   */
  handle(ctx: Ctx, envelope: EventEnvelope<K>, delivery: Delivery): Promise<void>;
  /**
   * Optional, pure and cheap: false when `handle` would do nothing with this event (a confirmation
   * rule for an answer that needs none), so no job is queued for it. A job and its delivery
   * transaction cost more than the request that published the event.
   */
  accepts?(envelope: EventEnvelope<K>): boolean;
  /**
   * Optional: several events in one delivery transaction (a burst of RSVPs makes one notification
   * statement and one mail statement, not one of each per answer). Same contract as `handle`.
   */
  handleMany?(ctx: Ctx, envelopes: EventEnvelope<K>[], delivery: Delivery): Promise<void>;
}

const queueOf = (subscriberName: string) => `event.${subscriberName}`;

export const subscribesTo = (s: Pick<Subscriber<unknown, any>, 'event'>, type: EventName) =>
  s.event === '*' || s.event === type || (Array.isArray(s.event) && s.event.includes(type));

export interface EventBus {
  publish<K extends EventName>(tx: Tx, type: K, payload: EventMap[K]): Promise<void>;
}

export function createEventBus<Ctx>(subscribers: Subscriber<Ctx, any>[], jobs: () => Jobs): EventBus {
  return {
    async publish(tx, type, payload) {
      const envelope = { id: randomUUID(), type, payload };
      // Queued in the publisher's transaction: a rolled-back write leaves no job behind.
      for (const s of subscribers.filter((sub) => subscribesTo(sub, type) && (sub.accepts?.(envelope) ?? true))) {
        await jobs().send(tx, queueOf(s.name), envelope);
      }
    },
  };
}

/**
 * Runs one delivery exactly once in effect: the (subscriber, event id) row and the handler's writes
 * commit together, so a job that pg-boss retries after a crash (or a duplicate send) finds the row
 * and does nothing. Table `event_deliveries` (src/modules/notifications/notifications.tables.ts).
 */
export async function deliverOnce<Ctx extends { db: Db }>(
  ctx: Ctx,
  subscriber: Subscriber<Ctx, any>,
  envelope: EventEnvelope,
): Promise<boolean> {
  const after: (() => void)[] = [];
  const delivered = await ctx.db.transaction(async (tx) => {
    const { rowCount } = await tx.execute(
      sql`INSERT INTO event_deliveries (subscriber, event_id) VALUES (${subscriber.name}, ${envelope.id}) ON CONFLICT DO NOTHING`,
    );
    if (!rowCount) return false;
    await subscriber.handle(ctx, envelope, { tx, afterCommit: (fn) => after.push(fn) });
    return true;
  });
  for (const fn of after) fn();
  return delivered;
}

/**
 * `deliverOnce` for a batch, with the subscriber's `handleMany`: the delivery marks of all the
 * envelopes in one statement, then the ones not delivered before, in the same transaction. Returns
 * how many were delivered now. (A failure rolls back the whole batch; the job runner then retries
 * each envelope alone.)
 */
export async function deliverMany<Ctx extends { db: Db }>(
  ctx: Ctx,
  subscriber: Subscriber<Ctx, any>,
  envelopes: EventEnvelope[],
): Promise<number> {
  const unique = [...new Map(envelopes.map((e) => [e.id, e])).values()];
  const after: (() => void)[] = [];
  const delivered = await ctx.db.transaction(async (tx) => {
    const { rows } = await tx.execute<{ event_id: string }>(sql`
      INSERT INTO event_deliveries (subscriber, event_id) SELECT ${subscriber.name}, unnest(${sql.param(unique.map((e) => e.id))}::uuid[])
      ON CONFLICT DO NOTHING RETURNING event_id`);
    const fresh = new Set(rows.map((r) => r.event_id));
    const todo = unique.filter((e) => fresh.has(e.id));
    if (todo.length) await subscriber.handleMany!(ctx, todo, { tx, afterCommit: (fn) => after.push(fn) });
    return todo.length;
  });
  for (const fn of after) fn();
  return delivered;
}

/**
 * How long a delivery mark is kept (docs/decisions/114). A mark only matters while a copy of its job
 * can still run: pg-boss 10 drops a job still queued 14 days after it was due (keep_until) and fails a
 * running one at its expiry (at most 24 h), so no copy runs after ~15 days; 30 days is twice that.
 */
export const DELIVERY_RETENTION_DAYS = 30;
/** Rows per DELETE: each batch is its own short statement, so no lock is held for long. */
const PRUNE_BATCH = 5000;
/** A bound on one run (5 million marks by default); whatever is left waits for the next day's run. */
const PRUNE_MAX_BATCHES = 1000;
export const PRUNE_DELIVERIES_JOB = 'events.prune-deliveries';

/**
 * Deletes delivery marks older than the retention, oldest first, `batchSize` rows per statement (found
 * through event_deliveries_delivered_at_idx, deleted by row address), until a batch comes back short or
 * `maxBatches` ran. Each statement commits on its own: a batch locks its few thousand rows for
 * milliseconds, never the table, and deliveries go on meanwhile.
 */
export async function pruneEventDeliveries(
  db: Db,
  { retentionDays = DELIVERY_RETENTION_DAYS, batchSize = PRUNE_BATCH, maxBatches = PRUNE_MAX_BATCHES } = {},
): Promise<{ deleted: number; batches: number }> {
  let deleted = 0;
  let batches = 0;
  while (batches < maxBatches) {
    // By row address (a TID scan): joining back on the key lets the planner hash-join the whole table.
    const { rowCount } = await db.execute(sql`
      DELETE FROM event_deliveries WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM event_deliveries
         WHERE delivered_at < now() - make_interval(days => ${retentionDays})
         ORDER BY delivered_at LIMIT ${batchSize}
         FOR UPDATE SKIP LOCKED))`);
    batches++;
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) break;
  }
  return { deleted, batches };
}

/** The daily prune, at a quiet hour (UTC); pg-boss fires one job per day whatever the number of instances. */
export const eventDeliveryJobs = <Ctx extends { db: Db }>(): JobDefinition<Ctx>[] => [
  { name: PRUNE_DELIVERIES_JOB, cron: '23 3 * * *', handle: async (ctx) => void (await pruneEventDeliveries(ctx.db)) },
];

/** One background job per subscriber, so a slow or failing subscriber never holds back the others. */
export const subscriberJobs = <Ctx extends { db: Db }>(subscribers: Subscriber<Ctx, any>[]): JobDefinition<Ctx, EventEnvelope>[] =>
  subscribers.map((s) => ({
    name: queueOf(s.name),
    handle: async (ctx, envelope) => {
      await deliverOnce(ctx, s, envelope);
    },
    ...(s.handleMany ? { handleBatch: async (ctx: Ctx, envelopes: EventEnvelope[]) => void (await deliverMany(ctx, s, envelopes)) } : {}),
  }));
