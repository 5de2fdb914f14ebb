import PgBoss from 'pg-boss';
import type pg from 'pg';
import { connectionOf, type Tx } from '../db/client.js';

export interface JobDefinition<Ctx, T = unknown> {
  name: string;
  /** `lastAttempt` is true when pg-boss will not retry this job if it fails now. */
  handle(ctx: Ctx, data: T, attempt: { lastAttempt: boolean }): Promise<void>;
  /**
   * Optional: a whole fetched batch in one go (e.g. one transaction for many deliveries). When it
   * throws, the batch's jobs run one by one through `handle`, so a bad job fails alone.
   */
  handleBatch?(ctx: Ctx, data: T[]): Promise<void>;
  /** pg-boss retry policy; defaults favour a flaky SMTP server coming back within the hour. */
  retryLimit?: number;
  /**
   * Cron expression (UTC), e.g. '0 7 * * *': pg-boss fires the job on this schedule. Each firing
   * creates one job whatever the number of instances or workers (pg-boss's scheduler is a singleton).
   */
  cron?: string;
}

/** Jobs a worker fetches at once per queue. */
export const JOB_BATCH = 10;

export interface SendOptions {
  /** Delay the job: it runs at (or soon after) this time. */
  startAfter?: Date;
  /** At most one queued job per key in this queue (pg-boss singletonKey): a second send is dropped. */
  singletonKey?: string;
}

export interface Jobs {
  boss: PgBoss;
  /** Queues a job inside the caller's transaction: it exists only if that transaction commits. */
  send(tx: Tx, name: string, data: object, options?: SendOptions): Promise<void>;
  /**
   * Queues many jobs of one queue in one statement, inside the caller's transaction. `ids` (one per
   * job, UUIDs) name the jobs, so that `drop` can find them again.
   */
  sendMany(tx: Tx, name: string, data: object[], ids?: string[]): Promise<void>;
  /** Deletes jobs of a queue by id inside the caller's transaction (their work was done another way). */
  drop(tx: Tx, name: string, ids: string[]): Promise<void>;
  stop(): Promise<void>;
}

/** pg-boss joins the caller's transaction through its connection. */
const joining = (tx: Tx) => {
  const client = connectionOf(tx);
  return { executeSql: (text: string, values: unknown[]) => client.query(text, values) };
};

export async function startJobs<Ctx>(
  pool: pg.Pool,
  definitions: JobDefinition<Ctx, any>[],
  options: { work: boolean; ctx: () => Ctx; onError: (err: unknown) => void; pollingIntervalSeconds?: number },
): Promise<Jobs> {
  let stopped = false;
  const boss = new PgBoss({
    // After stop() the pool may be closed while a worker loop pg-boss did not await still reports a
    // job result. That statement is never answered (a pending promise holds no handle, so the process
    // still exits); the job then expires and runs again: at-least-once holds.
    db: { executeSql: (text: string, values: unknown[]) => (stopped ? new Promise<never>(() => {}) : pool.query(text, values)) },
    // Start-up stays fast: maintenance and the scheduler run on their own timers.
    monitorStateIntervalSeconds: 60,
  });
  boss.on('error', options.onError);
  await boss.start();
  for (const def of definitions) {
    await boss.createQueue(def.name, { name: def.name, retryLimit: def.retryLimit ?? 8, retryDelay: 5, retryBackoff: true });
    if (def.cron) await boss.schedule(def.name, def.cron, {}, { tz: 'UTC' });
  }
  if (options.work) {
    for (const def of definitions) {
      // Up to JOB_BATCH jobs per fetch: a burst (a popular event's RSVPs, a broadcast's mails) costs one
      // fetch and one completion statement per batch rather than per job. Each job still succeeds or
      // fails on its own: a failed one is failed here (and retried by its policy), the rest complete.
      const workOptions = {
        pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1,
        batchSize: JOB_BATCH,
        includeMetadata: true as const,
      };
      await boss.work(def.name, workOptions, async (batch) => {
        if (def.handleBatch && batch.length > 1) {
          try {
            return await def.handleBatch(
              options.ctx(),
              batch.map((job) => job.data),
            );
          } catch (err) {
            options.onError(err); // then each job on its own, below
          }
        }
        for (const job of batch) {
          try {
            await def.handle(options.ctx(), job.data, { lastAttempt: job.retryCount >= job.retryLimit });
          } catch (err) {
            await boss.fail(def.name, job.id, { message: err instanceof Error ? err.message : String(err) });
          }
        }
      });
    }
  }
  return {
    boss,
    async send(tx, name, data, sendOptions = {}) {
      await boss.send(name, data, { ...sendOptions, db: joining(tx) });
    },
    async sendMany(tx, name, data, ids) {
      if (!data.length) return;
      await boss.insert(
        data.map((d, i) => ({ name, data: d, ...(ids ? { id: ids[i] } : {}) })),
        { db: joining(tx) },
      );
    },
    async drop(tx, name, ids) {
      if (ids.length) await boss.deleteJob(name, ids, { db: joining(tx) });
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 5000, wait: true });
      stopped = true;
    },
  };
}
