import { inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { EventMap, EventName } from '../../lib/events.js';
import { users } from '../auth/auth.tables.js';
import type { NotificationContent, NotificationRule } from '../notifications/notifications.rules.js';
import './mentorship.events.js';

type SessionPayload = EventMap['mentorship.session_scheduled'];
/** The events whose payload names a session and its pair. */
type SessionEventName = { [K in EventName]: EventMap[K] extends SessionPayload ? K : never }[EventName];

async function namesOf(db: Db, ...ids: string[]) {
  const rows = await db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, ids));
  const names = new Map(rows.map((r) => [r.id, r.name]));
  return (id: string) => names.get(id) ?? 'A member';
}

/** "Tue, 1 Dec 2026, 14:30 UTC": e-mails and in-app texts are read in many time zones. */
const when = (iso: string) =>
  new Date(iso).toLocaleString('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
    timeZoneName: 'short',
  });

/** The other participant of a session event, seen from the recipient. */
const otherOf = (p: { mentorId: string; studentId: string }, recipientId: string) =>
  recipientId === p.mentorId ? p.studentId : p.mentorId;
/** Both participants except whoever acted. */
const bothBut = (p: { mentorId: string; studentId: string; byUserId: string | null }) =>
  [p.mentorId, p.studentId].filter((id) => id !== p.byUserId);

function sessionRule<K extends SessionEventName>(
  event: K,
  recipients: (p: EventMap[K]) => string[],
  phrase: (p: EventMap[K], other: string, recipientId: string) => Omit<NotificationContent, 'link'>,
): NotificationRule<K> {
  return {
    event,
    type: event,
    recipients,
    async render(db, payload, recipientId) {
      const p = payload as unknown as SessionPayload;
      const name = await namesOf(db, otherOf(p, recipientId));
      return {
        ...phrase(payload, name(otherOf(p, recipientId)), recipientId),
        link: `/mentorship/sessions/${p.sessionId}`,
        metadata: { session_id: p.sessionId, mentorship_id: p.mentorshipId, scheduled_date: p.scheduledDate },
      };
    },
  };
}

export const mentorshipNotificationRules: NotificationRule<any>[] = [
  {
    event: 'mentorship.requested',
    type: 'mentorship.request_received',
    recipients: (p) => [p.mentorId],
    async render(db, p) {
      const name = await namesOf(db, p.studentId);
      return {
        title: 'New mentorship request',
        message: `${name(p.studentId)} asked you to be their mentor. Answer within 14 days.`,
        link: `/mentorship/requests/${p.requestId}`,
        priority: 'high',
        metadata: { request_id: p.requestId, student_id: p.studentId },
      };
    },
  } satisfies NotificationRule<'mentorship.requested'>,
  {
    event: 'mentorship.request_accepted',
    type: 'mentorship.request_accepted',
    recipients: (p) => [p.studentId],
    async render(db, p) {
      const name = await namesOf(db, p.mentorId);
      return {
        title: 'Mentorship request accepted',
        message: `${name(p.mentorId)} accepted your request. Schedule your first session!`,
        link: `/mentorship/${p.mentorshipId}`,
        priority: 'high',
        metadata: { request_id: p.requestId, mentorship_id: p.mentorshipId, mentor_id: p.mentorId },
      };
    },
  } satisfies NotificationRule<'mentorship.request_accepted'>,
  {
    event: 'mentorship.request_rejected',
    type: 'mentorship.request_rejected',
    recipients: (p) => [p.studentId],
    async render(db, p) {
      const name = await namesOf(db, p.mentorId);
      return {
        title: 'Mentorship request declined',
        message: `${name(p.mentorId)} cannot take you on right now${p.reason ? `: "${p.reason}"` : '.'} Other mentors may be a good fit.`,
        link: `/mentorship/requests/${p.requestId}`,
        metadata: { request_id: p.requestId, mentor_id: p.mentorId },
      };
    },
  } satisfies NotificationRule<'mentorship.request_rejected'>,
  {
    event: 'mentorship.request_expired',
    type: 'mentorship.request_expired',
    recipients: (p) => [p.studentId, p.mentorId],
    async render(db, p, recipientId) {
      const name = await namesOf(db, p.mentorId, p.studentId);
      const toStudent = recipientId === p.studentId;
      return {
        title: 'Mentorship request expired',
        message: toStudent
          ? `Your request to ${name(p.mentorId)} expired without an answer. You may ask again or try another mentor.`
          : `The request from ${name(p.studentId)} expired without an answer.`,
        link: `/mentorship/requests/${p.requestId}`,
        priority: 'low',
        metadata: { request_id: p.requestId },
      };
    },
  } satisfies NotificationRule<'mentorship.request_expired'>,
  {
    event: 'mentorship.ended',
    type: 'mentorship.ended',
    recipients: (p) => [p.mentorId, p.studentId].filter((id) => id !== p.byUserId),
    async render(db, p) {
      const name = await namesOf(db, p.byUserId);
      return {
        title: 'Mentorship ended',
        message: `${name(p.byUserId)} ended your mentorship. Sessions still ahead were cancelled.`,
        link: `/mentorship/${p.mentorshipId}`,
        metadata: { mentorship_id: p.mentorshipId },
      };
    },
  } satisfies NotificationRule<'mentorship.ended'>,
  sessionRule('mentorship.session_scheduled', bothBut, (p, other) => ({
    title: 'Mentorship session scheduled',
    message: `${other} scheduled a session with you on ${when(p.scheduledDate)}.`,
  })),
  sessionRule('mentorship.session_changed', bothBut, (p, other) => ({
    title: 'Mentorship session changed',
    message:
      p.previousDate === p.scheduledDate
        ? `${other} changed the details of your session on ${when(p.scheduledDate)}.`
        : `${other} moved your session from ${when(p.previousDate)} to ${when(p.scheduledDate)}.`,
  })),
  sessionRule('mentorship.session_cancelled', bothBut, (p, other) => ({
    title: 'Mentorship session cancelled',
    message: `${other} cancelled your session on ${when(p.scheduledDate)}.`,
  })),
  sessionRule(
    'mentorship.session_reminder',
    (p) => [p.mentorId, p.studentId],
    (p, other) => ({
      title: 'Mentorship session tomorrow',
      message: `Reminder: your session with ${other} starts ${when(p.scheduledDate)}.`,
      priority: 'high',
    }),
  ),
  // The mentee is asked for feedback in the same notification.
  sessionRule('mentorship.session_completed', bothBut, (p, other, recipientId) => ({
    title: 'Mentorship session completed',
    message:
      `${other} marked your session of ${when(p.scheduledDate)} as held.` +
      (recipientId === p.studentId ? ' How was it? Rate it (1–5) and leave feedback.' : ''),
  })),
  sessionRule(
    'mentorship.feedback_received',
    (p) => [p.mentorId],
    (p, other) => ({
      title: 'New session feedback',
      message: `${other} rated your session of ${when(p.scheduledDate)} ${p.rating}/5.`,
    }),
  ),
];
