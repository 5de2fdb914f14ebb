import type { AppContext } from '../../lib/context.js';
import type { JobDefinition } from '../../lib/jobs.js';
import { deliverMail, MAIL_JOB } from './mail.service.js';

export const mailJobs: JobDefinition<AppContext, { id: string }>[] = [
  { name: MAIL_JOB, retryLimit: 12, handle: (ctx, data, { lastAttempt }) => deliverMail(ctx, data.id, { lastAttempt }) },
];
