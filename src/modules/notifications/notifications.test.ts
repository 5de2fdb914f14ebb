import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, listOf, problemOf, setPreferences, settle, type TestApp, type TestUser } from '../../../test/helpers.js';
import { deliverOnce } from '../../lib/events.js';
import type { ChartSeries, MetricSource } from '../admin/dashboard.service.js';
import { notificationsChartSeries, notificationsMetricSource } from './notifications.dashboard.js';
import { deliver, inTransaction } from './notifications.deliver.js';
import { runDailyDigest } from './notifications.jobs.js';
import { rulesSubscriber } from './notifications.subscribers.js';
import { notificationRules } from './notifications.registry.js';
import type { NotificationRule } from './notifications.rules.js';
import '../profiles/profiles.events.js';
import { users } from '../auth/auth.tables.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.user('admin');
});
afterAll(() => t?.close());

/** Makes notifications the way every trigger does (the service), `n` of them for `user`. */
const notify = (user: TestUser, n = 1, type = 'announcement') =>
  inTransaction(t.app.ctx, (tx, d) =>
    deliver(
      t.app.ctx,
      tx,
      type,
      Array.from({ length: n }, (_, i) => ({
        userId: user.id,
        content: { title: `Title ${i}`, message: `Message ${i}`, link: `/x/${i}` },
      })),
      d,
    ),
  );
const count = async (user: TestUser) => (await user.inject({ method: 'GET', url: '/api/notifications/unread-count' })).json().unread_count;

describe('reading and marking', () => {
  it('when a member has notifications, then the list is newest first in pages, unread_only filters, and counts follow reads', async () => {
    const user = await t.user('alumni');
    await notify(user, 5);
    expect(await count(user)).toBe(5);
    const first = await listOf(user, 'limit=2');
    expect(first.results.map((n) => n.title)).toEqual(['Title 4', 'Title 3']);
    const second = await listOf(user, `limit=2&cursor=${first.next_cursor}`);
    const third = await listOf(user, `limit=2&cursor=${second.next_cursor}`);
    expect([...second.results, ...third.results].map((n) => n.title)).toEqual(['Title 2', 'Title 1', 'Title 0']);
    expect(third.next_cursor).toBeNull();

    const read = await user.inject({ method: 'PUT', url: `/api/notifications/${first.results[0].id}/read` });
    expect(read.statusCode).toBe(200);
    // user_id: the seed's Notification field for its owner.
    expect(read.json()).toMatchObject({ is_read: true, id: first.results[0].id, user_id: user.id });
    expect(read.json().read_at).not.toBeNull();
    const again = await user.inject({ method: 'PUT', url: `/api/notifications/${first.results[0].id}/read` });
    expect(again.json().read_at).toBe(read.json().read_at);
    expect(await count(user)).toBe(4);
    expect((await listOf(user, 'unread_only=true')).results).toHaveLength(4);

    const all = await user.inject({ method: 'PUT', url: '/api/notifications/read-all' });
    expect(all.json()).toEqual({ updated: 4, unread_count: 0 });
    expect(await count(user)).toBe(0);

    const del = await user.inject({ method: 'DELETE', url: `/api/notifications/${first.results[1].id}` });
    expect(del.statusCode).toBe(204);
    expect((await listOf(user)).results.map((n) => n.id)).not.toContain(first.results[1].id);
    expect((await user.inject({ method: 'DELETE', url: `/api/notifications/${first.results[1].id}` })).statusCode).toBe(404);
  });

  it('when someone else reads, marks or deletes a notification, then 404 and it is unchanged; anonymous is 401; bad input 400', async () => {
    const owner = await t.user('alumni');
    const stranger = await t.user('alumni');
    const [n] = await notify(owner);
    for (const req of [
      { method: 'PUT' as const, url: `/api/notifications/${n.id}/read` },
      { method: 'DELETE' as const, url: `/api/notifications/${n.id}` },
    ]) {
      const res = await stranger.inject(req);
      expect(res.statusCode).toBe(404);
      expect(problemOf(res).code).toBe('not_found');
      expect((await admin.inject(req)).statusCode).toBe(404);
      expect((await t.app.inject(req)).statusCode).toBe(401);
    }
    expect(await count(owner)).toBe(1);
    expect((await stranger.inject({ method: 'PUT', url: '/api/notifications/read-all' })).json().updated).toBe(0);
    expect(await count(owner)).toBe(1);
    expect((await listOf(stranger)).results).toHaveLength(0);

    for (const url of [
      '/api/notifications?limit=0',
      '/api/notifications?limit=101',
      '/api/notifications?cursor=forged',
      '/api/notifications/not-a-uuid/read',
    ]) {
      const res = await owner.inject({ method: url.endsWith('/read') ? 'PUT' : 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(problemOf(res).code).toBe('validation_failed');
    }
    for (const url of ['/api/notifications', '/api/notifications/unread-count', '/api/notifications/preferences']) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    }
  });

  it('when a member holds many notifications, then mark-all-read in parallel with reads stays consistent', async () => {
    const user = await t.user('alumni');
    const made = await notify(user, 30);
    await Promise.all([
      user.inject({ method: 'PUT', url: '/api/notifications/read-all' }),
      ...made.slice(0, 10).map((n) => user.inject({ method: 'PUT', url: `/api/notifications/${n.id}/read` })),
    ]);
    expect(await count(user)).toBe(0);
  });
});

describe('preferences', () => {
  it('when a member reads preferences, then every registered type is listed with both flags on by default', async () => {
    const user = await t.user('student');
    const res = await user.inject({ method: 'GET', url: '/api/notifications/preferences' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ email_notifications: true, push_notifications: true, email_delivery: 'immediate' });
    for (const type of [
      'application.received',
      'application.status_changed',
      'profile.verification_decided',
      'job.matching',
      'announcement',
    ]) {
      expect(body.notification_types[type]).toEqual({ in_app: true, email: true });
    }
    expect(Object.keys(body.notification_types).sort()).toEqual(
      [...new Set(notificationRules.map((r) => r.type).concat('job.matching', 'announcement'))].sort(),
    );
  });

  it('when a member changes some fields, then only those change and per-type flags merge', async () => {
    const user = await t.user('student');
    await setPreferences(user, { notification_types: { announcement: { email: false } } });
    await setPreferences(user, {
      email_delivery: 'daily_digest',
      notification_types: { announcement: { in_app: false }, 'job.matching': { email: false } },
    });
    const body = await setPreferences(user, { push_notifications: false });
    expect(body).toMatchObject({ email_notifications: true, push_notifications: false, email_delivery: 'daily_digest' });
    expect(body.notification_types.announcement).toEqual({ in_app: false, email: false });
    expect(body.notification_types['job.matching']).toEqual({ in_app: true, email: false });
  });

  it("when a member sends a bare boolean for a type (the seed's enable/disable flag), then it sets both channels", async () => {
    const user = await t.user('student');
    await setPreferences(user, { notification_types: { announcement: { in_app: false } } });
    const body = await setPreferences(user, { notification_types: { announcement: true, 'job.matching': false } });
    expect(body.notification_types.announcement).toEqual({ in_app: true, email: true });
    expect(body.notification_types['job.matching']).toEqual({ in_app: false, email: false });
    const bad = await user.inject({
      method: 'PUT',
      url: '/api/notifications/preferences',
      payload: { notification_types: { announcement: 3 } },
    });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors?.[0].field).toMatch(/^notification_types\.announcement/);
  });

  it('when a type is unknown or a field is bad, then 400 naming it, and nothing changes', async () => {
    const user = await t.user('student');
    const unknown = await user.inject({
      method: 'PUT',
      url: '/api/notifications/preferences',
      payload: { notification_types: { 'no.such.type': { email: false } } },
    });
    expect(unknown.statusCode).toBe(400);
    expect(problemOf(unknown).errors?.[0].field).toBe('notification_types.no.such.type');
    for (const payload of [
      { email_delivery: 'weekly' },
      { role: 'admin' },
      { notification_types: { announcement: { sms: true } } },
      { push_notifications: 'yes' },
    ]) {
      const res = await user.inject({ method: 'PUT', url: '/api/notifications/preferences', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect((await user.inject({ method: 'GET', url: '/api/notifications/preferences' })).json().email_delivery).toBe('immediate');
  });
});

describe('delivery guarantees', () => {
  it('when a rule adds mail attachments, then it is asked only for people mailed at once, and their mail alone carries the files', async () => {
    const [mailed, emailOff, digester] = await Promise.all([t.user('alumni'), t.user('alumni'), t.user('alumni')]);
    await setPreferences(emailOff, { notification_types: { announcement: { email: false } } });
    await setPreferences(digester, { email_delivery: 'daily_digest' });
    const asked: { userId: string; publicUrl: string }[] = [];
    const rule: NotificationRule<'profile.verification_decided'> = {
      event: 'profile.verification_decided',
      type: 'announcement',
      recipients: () => [mailed.id, emailOff.id, digester.id],
      render: async () => ({ title: 'With a file', message: 'See attached', link: null }),
      async attachments(_db, _payload, userId, { publicUrl }) {
        asked.push({ userId, publicUrl });
        return [{ filename: 'hello.txt', contentType: 'text/plain', content: `for ${userId}` }];
      },
    };
    const envelope = {
      id: randomUUID(),
      type: 'profile.verification_decided' as const,
      payload: { userId: mailed.id, decision: 'approved' as const, reason: null, byAdminId: admin.id },
    };
    await deliverOnce(t.app.ctx, rulesSubscriber([rule]), envelope);
    expect(asked).toEqual([{ userId: mailed.id, publicUrl: 'http://cohort.test' }]);
    const mail = await t.inbox.waitFor(mailed.email, (m) => m.subject === 'With a file');
    expect(mail.attachments).toEqual([{ filename: 'hello.txt', contentType: 'text/plain', content: `for ${mailed.id}` }]);
    for (const user of [mailed, emailOff, digester]) expect((await listOf(user)).results.map((n) => n.title)).toEqual(['With a file']);
    await runDailyDigest(t.app.ctx);
    const digest = await t.inbox.waitFor(digester.email);
    expect(digest.attachments).toBeUndefined();
    expect(t.inbox.messages.filter((m) => m.to === emailOff.email.toLowerCase())).toHaveLength(0);
  });

  it('when the action’s transaction rolls back, then no notification and no mail exist', async () => {
    const user = await t.user('alumni');
    await expect(
      t.app.ctx.db.transaction(async (tx) => {
        await t.app.ctx.events.publish(tx, 'profile.verification_decided', {
          userId: user.id,
          decision: 'approved',
          reason: null,
          byAdminId: admin.id,
        });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await settle(2000);
    expect((await listOf(user)).results).toHaveLength(0);
    expect(t.inbox.messages.filter((m) => m.to === user.email.toLowerCase())).toHaveLength(0);
  });

  it('when an event is delivered twice (even at once), then one notification and one mail', async () => {
    const user = await t.user('alumni');
    const envelope = {
      id: randomUUID(),
      type: 'profile.verification_decided' as const,
      payload: { userId: user.id, decision: 'approved' as const, reason: null, byAdminId: admin.id },
    };
    const subscriber = rulesSubscriber(notificationRules);
    const results = await Promise.all([deliverOnce(t.app.ctx, subscriber, envelope), deliverOnce(t.app.ctx, subscriber, envelope)]);
    expect(results.sort()).toEqual([false, true]);
    expect(await deliverOnce(t.app.ctx, subscriber, envelope)).toBe(false);
    await t.inbox.waitFor(user.email);
    await settle(500);
    expect((await listOf(user)).results).toHaveLength(1);
    expect(t.inbox.messages.filter((m) => m.to === user.email.toLowerCase())).toHaveLength(1);
  });

  it('when a person is suspended, then they get nothing', async () => {
    const user = await t.user('alumni');
    await t.app.ctx.db.update(users).set({ status: 'suspended' }).where(eq(users.id, user.id));
    expect(await notify(user)).toHaveLength(0);
  });
});

describe('daily digest', () => {
  it('when people chose the digest, then one mail per person gathers their items, exactly once even if the job fires twice at once', async () => {
    const digester = await t.user('alumni');
    const immediate = await t.user('alumni');
    await setPreferences(digester, { email_delivery: 'daily_digest' });
    await notify(digester, 3);
    await notify(immediate, 1);
    await t.inbox.waitFor(immediate.email);
    await settle(500);
    expect(t.inbox.messages.filter((m) => m.to === digester.email.toLowerCase())).toHaveLength(0);
    expect((await listOf(digester)).results).toHaveLength(3); // in-app is unaffected by the e-mail choice

    const [a, b] = await Promise.all([runDailyDigest(t.app.ctx), runDailyDigest(t.app.ctx)]);
    expect(a + b).toBeGreaterThanOrEqual(1);
    const mail = await t.inbox.waitFor(digester.email, (m) => m.subject.startsWith('Your Cohort digest'));
    expect(mail.subject).toBe('Your Cohort digest: 3 new notifications');
    for (const i of [0, 1, 2]) expect(mail.text).toContain(`Title ${i}`);
    expect(mail.text).toContain('http://cohort.test/x/0');

    // Later the same day: items wait for tomorrow's digest; nothing new → nothing sent.
    await notify(digester, 1);
    expect(await runDailyDigest(t.app.ctx)).toBe(0);
    await settle(500);
    expect(t.inbox.messages.filter((m) => m.to === digester.email.toLowerCase())).toHaveLength(1);
  });

  it('when nobody has anything new, then the digest sends nothing', async () => {
    const user = await t.user('alumni');
    await setPreferences(user, { email_delivery: 'daily_digest' });
    const before = t.inbox.messages.length;
    await runDailyDigest(t.app.ctx);
    await settle(300);
    expect(t.inbox.messages.filter((m) => m.to === user.email.toLowerCase())).toHaveLength(0);
    expect(t.inbox.messages.length).toBeGreaterThanOrEqual(before);
  });
});

describe('dashboard figures', () => {
  // Shaped for the admin console's lists (registered there by its owner).
  const shapes: [MetricSource, ChartSeries] = [notificationsMetricSource, notificationsChartSeries];
  void shapes;

  it('when notifications exist, then the dashboard source counts them, the unread ones and the announcements in one statement', async () => {
    const before = await notificationsMetricSource.figures(t.app.ctx.db);
    const user = await t.user('alumni');
    await notify(user, 2);
    const after = await notificationsMetricSource.figures(t.app.ctx.db);
    const of = (figures: typeof before, name: string) => figures.find((f) => f.name === name)!;
    expect(of(after, 'notifications.total').total - of(before, 'notifications.total').total).toBe(2);
    expect(of(after, 'notifications.unread').change_30d - of(before, 'notifications.unread').change_30d).toBe(2);
    expect(of(after, 'notifications.broadcasts').total).toBeGreaterThanOrEqual(0);
  });
});
