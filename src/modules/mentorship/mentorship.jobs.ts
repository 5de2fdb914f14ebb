import type { JobDefinition } from '../../lib/jobs.js';
import type { AppContext } from '../../lib/context.js';
import { refreshMatchingCorpus } from './matching.service.js';
import { expireStaleRequests } from './requests.service.js';
import { REMINDER_QUEUE, sendSessionReminder } from './sessions.service.js';

/** Mentorship's background jobs; every handler is idempotent (pg-boss delivers at least once). */
export const mentorshipJobs: JobDefinition<AppContext, any>[] = [
  // Pending requests lapse after 14 days; hourly is precise enough, and accept refuses lapsed ones anyway.
  { name: 'mentorship.expire-requests', cron: '17 * * * *', handle: async (ctx) => void (await expireStaleRequests(ctx)) },
  // Matching's document frequencies follow profile edits within a quarter of an hour.
  { name: 'mentorship.refresh-corpus', cron: '*/15 * * * *', handle: (ctx) => refreshMatchingCorpus(ctx) },
  { name: REMINDER_QUEUE, handle: (ctx, data: { sessionId: string; scheduledDate: string }) => sendSessionReminder(ctx, data) },
];
