import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { NotificationRule } from '../notifications/notifications.rules.js';
import { users } from '../auth/auth.tables.js';
import { jobs } from './jobs.tables.js';

const jobTitle = async (db: Db, jobId: string) =>
  (await db.select({ title: jobs.title }).from(jobs).where(eq(jobs.id, jobId)))[0]?.title ?? 'a job';
const userName = async (db: Db, userId: string) =>
  (await db.select({ name: users.name }).from(users).where(eq(users.id, userId)))[0]?.name ?? 'Someone';

export const jobsNotificationRules: NotificationRule<any>[] = [
  {
    event: 'application.received',
    type: 'application.received',
    recipients: (p) => [p.posterId],
    async render(db, p) {
      const [title, applicant] = await Promise.all([jobTitle(db, p.jobId), userName(db, p.applicantId)]);
      return {
        title: `New application for ${title}`,
        message: `${applicant} applied to ${title}.`,
        link: `/applications/${p.applicationId}`,
        metadata: { application_id: p.applicationId, job_id: p.jobId, applicant_id: p.applicantId },
      };
    },
  } satisfies NotificationRule<'application.received'>,
  {
    event: 'application.status_changed',
    type: 'application.status_changed',
    // The applicant hears of what the employer decided; not of their own withdrawal, and not of the
    // automatic applied → viewed mark set by the poster's first read (decision record 051).
    recipients: (p) => (p.automatic || p.byUserId === p.applicantId ? [] : [p.applicantId]),
    async render(db, p) {
      const title = await jobTitle(db, p.jobId);
      return {
        title: `Your application for ${title}: ${p.to}`,
        message: `Your application for "${title}" is now: ${p.to}.${p.message ? `\n\n${p.message}` : ''}`,
        link: `/applications/${p.applicationId}`,
        priority: p.to === 'offered' || p.to === 'hired' || p.to === 'interview' ? 'high' : 'normal',
        metadata: { application_id: p.applicationId, job_id: p.jobId, from: p.from, to: p.to },
      };
    },
  } satisfies NotificationRule<'application.status_changed'>,
];
