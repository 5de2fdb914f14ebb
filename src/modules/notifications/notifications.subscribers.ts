import type { Db } from '../../db/client.js';
import type { AppContext } from '../../lib/context.js';
import type { EventName, Subscriber } from '../../lib/events.js';
import { deliver } from './notifications.deliver.js';
import type { NotificationRule } from './notifications.rules.js';

/** Turns one event into notifications through the rules registered for it (notifications.registry.ts). */
export function rulesSubscriber(rules: NotificationRule<any>[]): Subscriber<AppContext, any> {
  return {
    name: 'notifications',
    event: [...new Set(rules.map((r) => r.event as EventName))],
    // Recipients are a function of the payload: an event nobody is told about queues no job.
    accepts: (envelope) => rules.some((r) => r.event === envelope.type && r.recipients(envelope.payload).length > 0),
    async handle(ctx, envelope, { tx, afterCommit }) {
      for (const rule of rules.filter((r) => r.event === envelope.type)) {
        const recipients = [...new Set(rule.recipients(envelope.payload))];
        const items = [];
        for (const userId of recipients) {
          // A transaction is a database handle: rules read what the publisher committed.
          const content = await rule.render(tx as Db, envelope.payload, userId);
          const attachments = rule.attachments
            ? () => rule.attachments!(tx as Db, envelope.payload, userId, { publicUrl: ctx.config.publicUrl })
            : undefined;
          items.push({ userId, content, dedupeKey: `${envelope.id}:${rule.type}:${userId}`, attachments });
        }
        await deliver(ctx, tx, rule.type, items, { afterCommit });
      }
    },
  };
}
