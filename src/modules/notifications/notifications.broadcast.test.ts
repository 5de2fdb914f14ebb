import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  listOf,
  member,
  problemOf,
  setPreferences,
  settle,
  waitForNotifications,
  type TestApp,
  type TestUser,
} from '../../../test/helpers.js';
import { auditLog } from '../audit/audit.tables.js';
import { deliver, inTransaction } from './notifications.deliver.js';

/** POST /api/notifications/broadcast and what a broadcast's links may be (split from notifications.test.ts). */
let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  admin = await t.user('admin');
});
afterAll(() => t?.close());

describe('broadcast', () => {
  const send = (as: TestUser | null, payload: object) =>
    as
      ? as.inject({ method: 'POST', url: '/api/admin/notifications/broadcast', payload })
      : t.app.inject({ method: 'POST', url: '/api/admin/notifications/broadcast', payload });

  it('when an admin announces to an audience, then 202 with the count, each person in it gets one notification, preferences apply, and it is audited', async () => {
    const dept = `Dept ${randomUUID().slice(0, 6)}`;
    const people = await Promise.all([
      member(t, { department: dept }),
      member(t, { department: dept }, 'student'),
      member(t, { department: dept }),
    ]);
    const outsider = await member(t, { department: 'Elsewhere' });
    await setPreferences(people[2], { notification_types: { announcement: { in_app: false } } });
    const res = await send(admin, {
      title: 'Reunion',
      message: 'Join us on Friday',
      link: '/events/reunion',
      priority: 'high',
      audience: { departments: [dept.toUpperCase()], roles: ['alumni', 'student'] },
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().recipients).toBe(3);
    const [n] = await waitForNotifications(people[0], 'announcement');
    expect(n).toMatchObject({ title: 'Reunion', message: 'Join us on Friday', link: '/events/reunion', priority: 'high' });
    await waitForNotifications(people[1], 'announcement');
    await t.inbox.waitFor(people[2].email, (m) => m.subject === 'Reunion');
    await settle(1000);
    expect((await listOf(people[2])).results).toHaveLength(0);
    expect((await listOf(people[0])).results).toHaveLength(1);
    expect((await listOf(outsider)).results).toHaveLength(0);
    const [entry] = await t.app.ctx.db.select().from(auditLog).where(eq(auditLog.target_id, res.json().id));
    expect(entry).toMatchObject({ admin_id: admin.id, action_type: 'notification.broadcast' });
  });

  it('when a non-admin or nobody broadcasts, then 403 / 401 whatever the body; bad bodies are 400', async () => {
    const user = await t.user('faculty');
    expect((await send(user, {})).statusCode).toBe(403);
    expect((await send(null, {})).statusCode).toBe(401);
    for (const payload of [
      { message: 'x' },
      { title: 'x', message: 'y', audience: { roles: ['king'] } },
      { title: 'x', message: 'y', extra: 1 },
    ]) {
      const res = await send(admin, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(problemOf(res).code).toBe('validation_failed');
    }
  });

  it('when the link is not a site path (exactly one leading /) nor an http(s) URL, then 400 naming link', async () => {
    for (const link of [
      '//evil.example', // protocol-relative: another site
      '///evil.example',
      '/\\evil.example', // browsers read a backslash as a slash: //evil.example
      '/\t/evil.example', // browsers drop tabs and newlines from URLs
      '/\n/evil.example',
      'javascript:alert(1)',
      'data:text/html,hi',
      'evil.example/path',
      'ftp://files.example/x',
      'https://',
      'https://trusted.example@evil.example/', // credentials: the host is evil.example
      'https:/evil.example',
      'https://evil.example /x',
      ' /events/1',
    ]) {
      const res = await send(admin, { title: 'x', message: 'y', link });
      expect(res.statusCode, JSON.stringify(link)).toBe(400);
      expect(problemOf(res), JSON.stringify(link)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'link' }] });
    }
  });

  it('when the link is a site path or an http(s) URL, then the broadcast is accepted and carries it', async () => {
    for (const link of ['/', '/events/42?tab=rsvp#top', 'https://alumni.example.org/reunion', 'HTTP://example.com', null]) {
      const res = await send(admin, { title: 'Links', message: 'y', link, audience: { batch_years: [1901] } });
      expect(res.statusCode, `${JSON.stringify(link)} ${res.body}`).toBe(202);
    }
  });

  it('when a notification is made with a link that is not safe (a broadcast queued before the check), then it is stored without the link', async () => {
    const user = await t.user('alumni');
    await inTransaction(t.app.ctx, (tx, d) =>
      deliver(
        t.app.ctx,
        tx,
        'announcement',
        [{ userId: user.id, content: { title: 'Old', message: 'Queued earlier', link: '//evil.example' } }],
        d,
      ),
    );
    const [n] = (await listOf(user)).results;
    expect(n).toMatchObject({ title: 'Old', link: null });
  });
});
