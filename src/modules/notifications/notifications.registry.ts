import { eventsNotificationRules } from '../events/events.notifications.js';
import { forumNotificationRules } from '../forum/forum.notifications.js';
import { jobsNotificationRules } from '../jobs/jobs.notifications.js';
import { mentorshipNotificationRules } from '../mentorship/mentorship.notifications.js';
import { profilesNotificationRules } from '../profiles/profiles.notifications.js';
import type { NotificationRule } from './notifications.rules.js';

/**
 * Every module's rules. Registering a module is one line here: its `<module>NotificationRules`.
 * Each rule's `type` becomes a preference key (GET/PUT /api/notifications/preferences).
 */
export const notificationRules: NotificationRule<any>[] = [
  ...jobsNotificationRules,
  ...profilesNotificationRules,
  ...mentorshipNotificationRules,
  ...eventsNotificationRules,
  ...forumNotificationRules,
];

/** Types made by this module itself rather than by a rule. */
export const builtInTypes = ['job.matching', 'announcement'] as const;

/** Every type a person can switch on or off. */
export const notificationTypes = (): string[] => [...new Set([...notificationRules.map((r) => r.type), ...builtInTypes])].sort();
