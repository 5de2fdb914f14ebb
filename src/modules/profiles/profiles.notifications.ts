import './profiles.events.js';
import type { NotificationRule } from '../notifications/notifications.rules.js';

export const profilesNotificationRules: NotificationRule<any>[] = [
  {
    event: 'profile.verification_decided',
    type: 'profile.verification_decided',
    recipients: (p) => [p.userId],
    async render(_db, p) {
      return p.decision === 'approved'
        ? {
            title: 'Your profile is verified',
            message: 'An administrator verified your profile.',
            link: `/profiles/${p.userId}`,
            priority: 'normal',
            metadata: { decision: p.decision },
          }
        : {
            title: 'Your profile verification was declined',
            message: `Your verification request was declined: ${p.reason ?? 'no reason given'}\nYou may edit your profile and ask again.`,
            link: `/profiles/${p.userId}`,
            priority: 'high',
            metadata: { decision: p.decision, reason: p.reason },
          };
    },
  } satisfies NotificationRule<'profile.verification_decided'>,
];
