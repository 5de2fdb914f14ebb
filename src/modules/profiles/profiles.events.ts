declare module '../../lib/events.js' {
  interface EventMap {
    /** An admin approved or rejected a member's verification request. */
    'profile.verification_decided': { userId: string; decision: 'approved' | 'rejected'; reason: string | null; byAdminId: string };
  }
}
export {};
