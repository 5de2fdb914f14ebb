import { sql } from 'drizzle-orm';
import ical from 'node-ical';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEvent,
  createTestApp,
  listOf,
  rsvp,
  setPreferences,
  settle,
  waitForNotifications,
  type TestApp,
  type TestUser,
} from '../../../test/helpers.js';
import type { OutgoingMail } from '../../lib/mail.js';
import { runDailyDigest } from '../notifications/notifications.jobs.js';

let t: TestApp;
let host: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  host = await t.user('alumni');
});
afterAll(() => t?.close());

const mailsTo = (user: TestUser) => t.inbox.messages.filter((m) => m.to === user.email.toLowerCase());
const outboxTo = async (user: TestUser) =>
  (
    await t.database.db.execute<{ subject: string; attachments: unknown }>(
      sql`SELECT subject, attachments FROM mail_outbox WHERE "to" = ${user.email.toLowerCase()} ORDER BY created_at`,
    )
  ).rows;
const veventsOf = (mail: OutgoingMail) =>
  (mail.attachments ?? []).flatMap(
    (a) => Object.values(ical.sync.parseICS(a.content)).filter((c) => c?.type === 'VEVENT') as ical.VEvent[],
  );

describe('calendar file on event e-mails', () => {
  it('when a member answers attending, then exactly one mail reaches them, carrying a text/calendar file with the event’s times', async () => {
    const member = await t.user('student');
    const start = new Date(Date.UTC(2031, 4, 20, 13, 0)); // 18:30 in Kolkata
    const end = new Date(start.getTime() + 2 * 3600_000);
    const event = await createEvent(host, {
      title: 'Alumni Mixer',
      start_date: start.toISOString(),
      end_date: end.toISOString(),
      timezone: 'Asia/Kolkata',
      location: 'Main Hall',
    });
    expect((await rsvp(member, event.id, 'attending')).statusCode).toBe(200);

    const mail = await t.inbox.waitFor(member.email, (m) => m.subject === "You're attending: Alumni Mixer");
    await settle(1000);
    expect(mailsTo(member)).toHaveLength(1);
    expect(mail.attachments).toHaveLength(1);
    const [file] = mail.attachments!;
    expect(file.filename).toBe('event.ics');
    expect(file.contentType).toMatch(/^text\/calendar/);
    const [vevent, ...others] = veventsOf(mail);
    expect(others).toHaveLength(0);
    expect(vevent.start.toISOString()).toBe(start.toISOString());
    expect(vevent.end!.toISOString()).toBe(end.toISOString());
    expect(vevent.summary).toBe('Alumni Mixer');
    expect(vevent.location).toBe('Main Hall');
    expect(vevent.uid).toBe(`${event.id}@cohort.test`);
    expect(mail.text).toContain('Attached: event.ics');

    // The file is kept with the outbox row (a retry sends the same); the in-app copy has no file to mention.
    const [row] = await outboxTo(member);
    expect(row.attachments).toEqual([file]);
    const [n] = await waitForNotifications(member, 'event.rsvp_confirmed');
    expect(n.message).not.toMatch(/attach/i);
    expect(n.metadata).toMatchObject({ ics_event_id: event.id });
  });

  it('when the member turned e-mail off for RSVP confirmations, then the in-app notification comes and no mail at all', async () => {
    const member = await t.user('alumni');
    await setPreferences(member, { notification_types: { 'event.rsvp_confirmed': { email: false } } });
    const event = await createEvent(host);
    expect((await rsvp(member, event.id, 'attending')).statusCode).toBe(200);
    await waitForNotifications(member, 'event.rsvp_confirmed');
    await settle(1000);
    expect(mailsTo(member)).toHaveLength(0);
    expect(await outboxTo(member)).toHaveLength(0);
  });

  it('when a member is waitlisted, then that mail carries no file; when promoted, the promotion mail does', async () => {
    const [seated, queued] = await Promise.all([t.user('alumni'), t.user('student')]);
    const event = await createEvent(host, { title: 'Tiny Workshop', max_attendees: 1, waitlist_enabled: true });
    expect((await rsvp(seated, event.id, 'attending')).json().status).toBe('attending');
    expect((await rsvp(queued, event.id, 'attending')).json().status).toBe('waitlisted');
    const waiting = await t.inbox.waitFor(queued.email, (m) => m.subject === 'On the waitlist: Tiny Workshop');
    expect(waiting.attachments ?? []).toHaveLength(0);

    expect((await rsvp(seated, event.id, 'not_attending')).statusCode).toBe(200);
    const promoted = await t.inbox.waitFor(queued.email, (m) => m.subject === "You're in: Tiny Workshop");
    expect(veventsOf(promoted).map((v) => v.uid)).toEqual([`${event.id}@cohort.test`]);
  });

  it('when the member reads e-mail in the daily digest, then no mail goes out at once and the digest carries no file', async () => {
    const member = await t.user('alumni');
    await setPreferences(member, { email_delivery: 'daily_digest' });
    const event = await createEvent(host, { title: 'Digest Dinner' });
    expect((await rsvp(member, event.id, 'attending')).statusCode).toBe(200);
    await waitForNotifications(member, 'event.rsvp_confirmed');
    await settle(500);
    expect(mailsTo(member)).toHaveLength(0);
    await runDailyDigest(t.app.ctx);
    const digest = await t.inbox.waitFor(member.email);
    expect(digest.text).toContain("You're attending: Digest Dinner");
    expect(digest.attachments ?? []).toHaveLength(0);
  });

  it('when the event is cancelled, then attendees’ mail carries the file marked cancelled under the same UID', async () => {
    const member = await t.user('student');
    const event = await createEvent(host, { title: 'Rained Out' });
    expect((await rsvp(member, event.id, 'attending')).statusCode).toBe(200);
    await t.inbox.waitFor(member.email, (m) => m.subject === "You're attending: Rained Out");
    expect((await host.inject({ method: 'POST', url: `/api/events/${event.id}/cancel`, payload: {} })).statusCode).toBe(200);
    const mail = await t.inbox.waitFor(member.email, (m) => m.subject === 'Cancelled: Rained Out');
    const [vevent] = veventsOf(mail);
    expect(vevent.uid).toBe(`${event.id}@cohort.test`);
    expect(vevent.status).toBe('CANCELLED');
    expect((await listOf(member)).results.map((n) => n.type)).toContain('event.cancelled');
  });
});
