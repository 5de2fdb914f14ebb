import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, uniqueEmail, type TestApp } from '../../../test/helpers.js';
import { deliverMail, enqueueMail } from './mail.service.js';
import { mailOutbox } from './mail.tables.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const queueOne = (to: string) =>
  t.database.db.transaction((tx) => enqueueMail(t.app.ctx, tx, to, 'verify-email', { name: 'Ann', code: '123456' }));
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
});
