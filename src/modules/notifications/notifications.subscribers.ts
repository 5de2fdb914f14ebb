import type { Db } from '../../db/client.js';
import type { AppContext } from '../../lib/context.js';
import type { Delivery, EventEnvelope, EventName, Subscriber } from '../../lib/events.js';
import { deliver, type Outgoing } from './notifications.deliver.js';
import type { NotificationRule } from './notifications.rules.js';

/** Turns one event into notifications through the rules registered for it (notifications.registry.ts). */
export function rulesSubscriber(rules: NotificationRule<any>[]): Subscriber<AppContext, any> {
  return {
    name: 'notifications',
    event: [...new Set(rules.map((r) => r.event as EventName))],
    // Recipients are a function of the payload: an event nobody is told about queues no job.
    accepts: (envelope) => rules.some((r) => r.event === envelope.type && r.recipients(envelope.payload).length > 0),
    handle: (ctx, envelope, delivery) => handleMany(ctx, [envelope], delivery),
    handleMany,
  };

  // A batch of events makes one deliver() per notification type: one statement for the people, one
  // for the notifications, one for the e-mails, however many events.
  async function handleMany(ctx: AppContext, envelopes: EventEnvelope[], { tx, afterCommit }: Delivery) {
    for (const rule of rules) {
      const payloads = envelopes.filter((e) => e.type === rule.event).map((e) => e.payload);
      if (rule.prepare && payloads.length) await rule.prepare(tx as Db, payloads);
    }
    const byType = new Map<string, Outgoing[]>();
    for (const envelope of envelopes) {
      for (const rule of rules.filter((r) => r.event === envelope.type)) {
        const items = byType.get(rule.type) ?? [];
        byType.set(rule.type, items);
        for (const userId of new Set(rule.recipients(envelope.payload))) {
          // A transaction is a database handle: rules read what the publisher committed.
          const content = await rule.render(tx as Db, envelope.payload, userId);
          const attachments = rule.attachments
            ? () => rule.attachments!(tx as Db, envelope.payload, userId, { publicUrl: ctx.config.publicUrl })
            : undefined;
          items.push({ userId, content, dedupeKey: `${envelope.id}:${rule.type}:${userId}`, attachments });
        }
      }
    }
    for (const [type, items] of byType) await deliver(ctx, tx, type, items, { afterCommit });
  }
}
