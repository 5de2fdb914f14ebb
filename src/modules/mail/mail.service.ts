import { and, eq, inArray, sql } from 'drizzle-orm';
import type { AppContext } from '../../lib/context.js';
import type { Tx } from '../../db/client.js';
import type { MailAttachment } from '../../lib/mail.js';
import { mailOutbox } from './mail.tables.js';
import { templates, type TemplateData, type TemplateName } from './mail.templates.js';

export const MAIL_JOB = 'mail.deliver';

/**
 * Writes the message to the outbox and queues its delivery, both inside the caller's transaction:
 * the mail exists exactly when the action that caused it committed. Attachments are stored with
 * the row, so every attempt (the immediate one, the job's retries) sends the same files.
 */
export async function enqueueMail<T extends TemplateName>(
  ctx: Pick<AppContext, 'jobs'>,
  tx: Tx,
  to: string,
  template: T,
  data: TemplateData<T>,
  { attachments }: { attachments?: MailAttachment[] } = {},
): Promise<string> {
  const [id] = await enqueueMails(ctx, tx, template, [{ to, data, attachments }]);
  return id;
}

/**
 * Many mails at once (a broadcast batch, a digest run): one INSERT into the outbox and one into the
 * job queue, inside the caller's transaction, instead of two statements per mail.
 */
export async function enqueueMails<T extends TemplateName>(
  ctx: Pick<AppContext, 'jobs'>,
  tx: Tx,
  template: T,
  mails: { to: string; data: TemplateData<T>; attachments?: MailAttachment[] }[],
): Promise<string[]> {
  if (!mails.length) return [];
  const render = templates[template] as (d: TemplateData<T>) => { subject: string; text: string; html: string };
  const rows = await tx
    .insert(mailOutbox)
    .values(
      mails.map((m) => {
        const rendered = render(m.data);
        const attachments = m.attachments?.length ? m.attachments : null;
        return { to: m.to, template, subject: rendered.subject, text_body: rendered.text, html_body: rendered.html, attachments };
      }),
    )
    .returning({ id: mailOutbox.id });
  // Each job bears its message's id: an immediate delivery removes it (deliverMail).
  const ids = rows.map((r) => r.id);
  await ctx.jobs.sendMany(
    tx,
    MAIL_JOB,
    ids.map((id) => ({ id })),
    ids,
  );
  return rows.map((r) => r.id);
}

const outgoing = (mail: typeof mailOutbox.$inferSelect) => ({
  to: mail.to,
  subject: mail.subject,
  text: mail.text_body,
  html: mail.html_body,
  ...(mail.attachments?.length ? { attachments: mail.attachments } : {}),
});
const errorText = (err: unknown) => String((err as Error).message ?? err).slice(0, 500);

/**
 * Sends one outbox message if it is still pending (the mail job). The row lock makes this and the
 * immediate attempt after commit (deliverSoon) exclusive; a failure is recorded and rethrown so the
 * job retries. The job waits for the lock (skipping would let it finish while the other attempt is
 * still sending, and if that attempt then failed, nothing would ever retry).
 */
export async function deliverMail(ctx: AppContext, id: string, { lastAttempt = false } = {}) {
  let failure: unknown;
  await ctx.db.transaction(async (tx) => {
    const [mail] = await tx
      .select()
      .from(mailOutbox)
      .where(and(eq(mailOutbox.id, id), eq(mailOutbox.status, 'pending')))
      .for('update');
    if (!mail) return;
    try {
      await ctx.mailer.send(outgoing(mail));
      await tx
        .update(mailOutbox)
        .set({ status: 'sent', sent_at: new Date(), attempts: mail.attempts + 1, last_error: null })
        .where(eq(mailOutbox.id, id));
    } catch (err) {
      failure = err;
      await tx
        .update(mailOutbox)
        .set({
          // After the queue's last retry the message is given up on, visibly, rather than left pending.
          ...(lastAttempt ? { status: 'failed' as const } : {}),
          attempts: mail.attempts + 1,
          last_error: errorText(err),
        })
        .where(eq(mailOutbox.id, id));
    }
  });
  if (failure) throw failure;
}

/** Beyond this many mails, the first attempt is left to the mail job's workers, not made at once. */
const DELIVER_AT_ONCE_MAX = 20;

/**
 * Tries just-committed messages at once, all in one transaction: the pending ones are locked (rows
 * a job is sending are skipped: that job delivers or retries), sent one after the other, then
 * marked sent and their queued jobs deleted in one statement each. A message SMTP refuses keeps its
 * job, which retries it. A broadcast batch's hundreds of mails are left to the jobs: they would hold
 * their locks for the whole SMTP exchange right when the real-time pushes go out.
 */
export function deliverSoon(ctx: AppContext, ids: string[]) {
  if (!ids.length || ids.length > DELIVER_AT_ONCE_MAX) return;
  sendPendingNow(ctx, ids).catch((err) => ctx.log.warn({ err, mailIds: ids }, 'mail delivery failed; will retry'));
}

async function sendPendingNow(ctx: AppContext, ids: string[]) {
  await ctx.db.transaction(async (tx) => {
    const mails = await tx
      .select()
      .from(mailOutbox)
      .where(and(inArray(mailOutbox.id, ids), eq(mailOutbox.status, 'pending')))
      .for('update', { skipLocked: true });
    const sent: string[] = [];
    for (const mail of mails) {
      try {
        await ctx.mailer.send(outgoing(mail));
        sent.push(mail.id);
      } catch (err) {
        ctx.log.warn({ err, mailId: mail.id }, 'mail delivery failed; will retry');
        await tx
          .update(mailOutbox)
          .set({ attempts: mail.attempts + 1, last_error: errorText(err) })
          .where(eq(mailOutbox.id, mail.id));
      }
    }
    if (!sent.length) return;
    await tx
      .update(mailOutbox)
      .set({ status: 'sent', sent_at: new Date(), attempts: sql`${mailOutbox.attempts} + 1`, last_error: null })
      .where(inArray(mailOutbox.id, sent));
    await ctx.jobs.drop(tx, MAIL_JOB, sent);
  });
}
