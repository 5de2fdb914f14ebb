// Every table, for drizzle's relational queries. Each module owns the tables in its *.tables.ts.
export * from '../modules/auth/auth.tables.js';
export * from '../modules/mail/mail.tables.js';
export * from '../modules/profiles/profiles.tables.js';
export * from '../modules/jobs/jobs.tables.js';
export * from '../modules/audit/audit.tables.js';
export * from '../modules/engagement/engagement.tables.js';
export * from '../modules/forum/forum.tables.js';
export * from '../modules/events/events.tables.js';
export * from '../modules/admin/admin.tables.js';
export * from '../modules/mentorship/mentorship.tables.js';
export * from '../modules/notifications/notifications.tables.js';
