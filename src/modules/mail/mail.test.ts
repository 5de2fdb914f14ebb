import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, uniqueEmail, type TestApp } from '../../../test/helpers.js';
import { anonymizeMailTo } from './mail.anonymize.js';
import { deliverMail, deliverSoon, enqueueMail, MAIL_JOB } from './mail.service.js';
import { mailOutbox } from './mail.tables.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const queueOne = (to: string) =>
  t.database.db.transaction((tx) => enqueueMail(t.app.ctx, tx, to, 'verify-email', { name: 'Ann', code: '123456' }));
/** The queued delivery job of a message (its id is the message's), or undefined when there is none. */
const jobOf = async (id: string) =>
  (await t.database.pool.query<{ state: string }>(`SELECT state FROM pgboss.job WHERE name = $1 AND id = $2`, [MAIL_JOB, id])).rows[0];
const until = async (check: () => Promise<boolean>, timeoutMs = 5000) => {
  for (const deadline = Date.now() + timeoutMs; !(await check());) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
};
const rowOf = async (id: string) => (await t.database.db.select().from(mailOutbox).where(eq(mailOutbox.id, id)))[0];

describe('mail outbox', () => {
  it('when SMTP fails on a retry that is not the last, then the message stays pending with the error recorded', async () => {
    const id = await queueOne(uniqueEmail());
    t.inbox.failing = true;
    try {
      await expect(deliverMail(t.app.ctx, id)).rejects.toThrow(/SMTP is down/);
    } finally {
      t.inbox.failing = false;
    }
    expect(await rowOf(id)).toMatchObject({ status: 'pending', attempts: 1, last_error: 'SMTP is down (test)' });
  });

  it('when SMTP fails on the last retry, then the message is marked failed instead of staying pending for ever', async () => {
    const id = await queueOne(uniqueEmail());
    t.inbox.failing = true;
    try {
      await expect(deliverMail(t.app.ctx, id, { lastAttempt: true })).rejects.toThrow();
    } finally {
      t.inbox.failing = false;
    }
    expect((await rowOf(id)).status).toBe('failed');
    await deliverMail(t.app.ctx, id); // a failed message is not sent again by a stray job
    expect((await rowOf(id)).status).toBe('failed');
  });

  it('when a message is delivered, then it is marked sent once and a second delivery sends nothing', async () => {
    const to = uniqueEmail();
    const id = await queueOne(to);
    await deliverMail(t.app.ctx, id);
    await deliverMail(t.app.ctx, id);
    expect(t.inbox.messages.filter((m) => m.to === to)).toHaveLength(1);
    expect((await rowOf(id)).status).toBe('sent');
  });

  it('when the immediate attempt sends messages, then their queued jobs go with them (no second run to find them sent)', async () => {
    const to = [uniqueEmail(), uniqueEmail(), uniqueEmail()];
    const ids = await Promise.all(to.map(queueOne));
    for (const id of ids) expect(await jobOf(id)).toBeDefined(); // the safety net exists from the commit on
    deliverSoon(t.app.ctx, ids);
    for (const id of ids) {
      await until(async () => (await rowOf(id)).status === 'sent');
      await until(async () => (await jobOf(id)) === undefined);
    }
    for (const address of to) expect(t.inbox.messages.filter((m) => m.to === address)).toHaveLength(1);
  });

  it('when the immediate attempt fails, then the message stays pending with its job, which delivers it later', async () => {
    const to = uniqueEmail();
    const id = await queueOne(to);
    t.inbox.failing = true;
    try {
      deliverSoon(t.app.ctx, [id]);
      await until(async () => (await rowOf(id)).attempts > 0);
    } finally {
      t.inbox.failing = false;
    }
    expect((await rowOf(id)).status).toBe('pending');
    expect(await jobOf(id)).toBeDefined();
    await deliverMail(t.app.ctx, id); // what the job does when it runs
    expect((await rowOf(id)).status).toBe('sent');
    expect(t.inbox.messages.filter((m) => m.to === to)).toHaveLength(1);
  });

  it('when a message has attachments, then they are kept with the row and handed to the mailer', async () => {
    const to = uniqueEmail();
    const file = { filename: 'note.txt', contentType: 'text/plain; charset=utf-8', content: 'Hello' };
    const id = await t.database.db.transaction((tx) =>
      enqueueMail(
        t.app.ctx,
        tx,
        to,
        'notification',
        { name: 'Ann', title: 'T', message: 'M', link: null, attachments: ['note.txt'] },
        { attachments: [file] },
      ),
    );
    expect((await rowOf(id)).attachments).toEqual([file]);
    // Whoever sends it (this call or the queued job), the mailer gets the stored files.
    await deliverMail(t.app.ctx, id);
    const mail = await t.inbox.waitFor(to);
    expect(mail.attachments).toEqual([file]);
    expect(mail.text).toContain('Attached: note.txt');
  });

  it('when a message has none, then the column is null and the mailer gets no attachments field', async () => {
    const to = uniqueEmail();
    const id = await queueOne(to);
    expect((await rowOf(id)).attachments).toBeNull();
    await deliverMail(t.app.ctx, id);
    expect(await t.inbox.waitFor(to)).not.toHaveProperty('attachments');
  });

  it('when the recipient is deleted, then their message loses its attachments with its bodies', async () => {
    const to = uniqueEmail();
    const id = await t.database.db.transaction((tx) =>
      enqueueMail(
        t.app.ctx,
        tx,
        to,
        'notification',
        { name: 'Ann', title: 'T', message: 'M', link: null },
        {
          attachments: [{ filename: 'a.ics', contentType: 'text/calendar', content: 'BEGIN:VCALENDAR' }],
        },
      ),
    );
    await t.database.db.transaction((tx) => anonymizeMailTo(tx, to, 'deleted@invalid'));
    // (The queued job may have sent it first: the status is not what this test is about.)
    expect(await rowOf(id)).toMatchObject({ to: 'deleted@invalid', attachments: null, text_body: '' });
  });
});
