/**
 * Mentorship's domain events. Every payload names the people involved (mentorId, studentId; byUserId
 * is who acted, when someone did), so subscribers such as notifications never re-read to find them.
 */
interface RequestEvent {
  requestId: string;
  mentorId: string;
  studentId: string;
}
interface SessionEvent {
  sessionId: string;
  mentorshipId: string;
  mentorId: string;
  studentId: string;
  scheduledDate: string;
  byUserId: string | null;
}

declare module '../../lib/events.js' {
  interface EventMap {
    'mentorship.requested': RequestEvent;
    'mentorship.request_accepted': RequestEvent & { mentorshipId: string };
    'mentorship.request_rejected': RequestEvent & { reason: string | null };
    'mentorship.request_expired': RequestEvent;
    'mentorship.ended': { mentorshipId: string; mentorId: string; studentId: string; byUserId: string };
    'mentorship.session_scheduled': SessionEvent;
    'mentorship.session_changed': SessionEvent & { previousDate: string };
    'mentorship.session_cancelled': SessionEvent;
    'mentorship.session_reminder': SessionEvent;
    'mentorship.session_completed': SessionEvent;
    'mentorship.feedback_received': SessionEvent & { rating: number };
  }
}

export {};
