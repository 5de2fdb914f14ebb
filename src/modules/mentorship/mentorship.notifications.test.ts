import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  becomeMentor,
  createTestApp,
  inDays,
  pairMentorship,
  recordEvents,
  requestMentorship,
  scheduleSession,
  startSessionInPast,
  type TestApp,
} from '../../../test/helpers.js';
import { mentorshipNotificationRules } from './mentorship.notifications.js';
import { expireStaleRequests } from './requests.service.js';
import { sendSessionReminder } from './sessions.service.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

describe('mentorshipNotificationRules', () => {
  it('when a whole mentorship happens, then every notification type renders for its recipients, never for the one who acted', async () => {
    const events = recordEvents(t);
    const [mentor, mentee, other] = await Promise.all([t.user('alumni'), t.user('student'), t.user('student')]);
    await becomeMentor(mentor);
    const mentorshipId = await pairMentorship(mentor, mentee);
    const declined = await requestMentorship(other, mentor.id);
    await mentor.inject({ method: 'POST', url: `/api/mentorship/${declined.id}/reject`, payload: { reason: 'Full' } });
    const lapsed = await requestMentorship(other, mentor.id);
    await t.database.db.execute(
      sql`UPDATE mentorship_requests SET requested_at = now() - interval '15 days', expires_at = now() - interval '1 day' WHERE id = ${lapsed.id}`,
    );
    await expireStaleRequests(t.app.ctx);
    const session = await scheduleSession(mentee, mentorshipId, { scheduled_date: inDays(3) });
    const moved = inDays(4);
    await mentor.inject({ method: 'PUT', url: `/api/mentorship/sessions/${session.id}`, payload: { scheduled_date: moved } });
    await sendSessionReminder(t.app.ctx, { sessionId: session.id, scheduledDate: moved });
    await startSessionInPast(t, session.id);
    await mentor.inject({ method: 'POST', url: `/api/mentorship/sessions/${session.id}/complete` });
    await mentee.inject({ method: 'POST', url: `/api/mentorship/sessions/${session.id}/feedback`, payload: { rating: 5 } });
    const cancelled = await scheduleSession(mentor, mentorshipId);
    await mentee.inject({ method: 'POST', url: `/api/mentorship/sessions/${cancelled.id}/cancel` });
    await mentee.inject({ method: 'POST', url: `/api/mentorship/${mentorshipId}/end` });

    const rendered = new Map<string, string[]>();
    for (const rule of mentorshipNotificationRules) {
      for (const payload of events.of(rule.event)) {
        const recipients = rule.recipients(payload as never);
        if (payload.byUserId) expect(recipients).not.toContain(payload.byUserId);
        for (const recipient of recipients) {
          const content = await rule.render(t.database.db, payload as never, recipient);
          expect(content.title.length).toBeGreaterThan(0);
          expect(content.message).not.toMatch(/undefined|null|A member/);
          expect(content.link).toMatch(/^\/mentorship\//);
          rendered.set(rule.type, [...(rendered.get(rule.type) ?? []), content.message]);
        }
      }
    }
    events.restore();
    expect([...rendered.keys()].sort()).toEqual(
      [
        'mentorship.request_received',
        'mentorship.request_accepted',
        'mentorship.request_rejected',
        'mentorship.request_expired',
        'mentorship.ended',
        'mentorship.session_scheduled',
        'mentorship.session_changed',
        'mentorship.session_cancelled',
        'mentorship.session_reminder',
        'mentorship.session_completed',
        'mentorship.feedback_received',
      ].sort(),
    );
    expect(rendered.get('mentorship.request_rejected')![0]).toContain('"Full"');
    expect(rendered.get('mentorship.session_completed')![0]).toContain('Rate it');
    expect(rendered.get('mentorship.request_received')![0]).toContain(mentee.name);
  });
});
