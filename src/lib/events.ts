import { randomUUID } from 'node:crypto';
import type { Tx } from '../db/client.js';
import type { JobDefinition, Jobs } from './jobs.js';

/**
 * Every domain event, by name, with its payload. Modules publish these inside the transaction of
 * their write; subscribers (notifications, analytics, ...) react after commit, at least once.
 */
export interface EventMap {
  'user.registered': { userId: string };
  'user.password_reset': { userId: string };
  'job.posted': { jobId: string; postedBy: string };
  'application.received': { applicationId: string; jobId: string; applicantId: string };
  'application.status_changed': { applicationId: string; from: string; to: string; byUserId: string };
}
export type EventName = keyof EventMap;

export interface EventEnvelope<K extends EventName = EventName> {
  id: string;
  type: K;
  payload: EventMap[K];
}

export interface Subscriber<Ctx, K extends EventName = EventName> {
  /** Unique, stable name: it is the subscriber's job queue. */
  name: string;
  event: K;
  /** Called at least once per event: must be idempotent, keyed by envelope.id. */
  handle(ctx: Ctx, envelope: EventEnvelope<K>): Promise<void>;
}

const queueOf = (subscriberName: string) => `event.${subscriberName}`;

export interface EventBus {
  publish<K extends EventName>(tx: Tx, type: K, payload: EventMap[K]): Promise<void>;
}

export function createEventBus<Ctx>(subscribers: Subscriber<Ctx, any>[], jobs: () => Jobs): EventBus {
  return {
    async publish(tx, type, payload) {
      const envelope = { id: randomUUID(), type, payload };
      for (const s of subscribers.filter((sub) => sub.event === type)) await jobs().send(tx, queueOf(s.name), envelope);
    },
  };
}

/** One background job per subscriber, so a slow or failing subscriber never holds back the others. */
export const subscriberJobs = <Ctx>(subscribers: Subscriber<Ctx, any>[]): JobDefinition<Ctx, EventEnvelope>[] =>
  subscribers.map((s) => ({ name: queueOf(s.name), handle: (ctx, envelope) => s.handle(ctx, envelope) }));
