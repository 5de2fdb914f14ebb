import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.tables.js';

export const jobTypes = ['full_time', 'part_time', 'internship', 'contract', 'remote'] as const;
export type JobType = (typeof jobTypes)[number];
export const salaryPeriods = ['year', 'month', 'hour'] as const;

/** Money in minor units of an ISO 4217 currency (API.md). */
export interface SalaryRange {
  min: number;
  max: number;
  currency: string;
  period: (typeof salaryPeriods)[number];
}

export const applicationStatuses = ['applied', 'viewed', 'shortlisted', 'interview', 'offered', 'hired', 'rejected', 'withdrawn'] as const;
export type ApplicationStatus = (typeof applicationStatuses)[number];

const emptyTextArray = sql`'{}'::text[]`;

/** A job posting. Keys are snake_case, so rows are already in wire format. */
export const jobs = pgTable(
  'jobs',
  {
    id: uuid().primaryKey().defaultRandom(),
    title: text().notNull(),
    description: text().notNull(),
    company: text().notNull(),
    location: text().notNull(),
    job_type: text({ enum: jobTypes }).notNull(),
    experience_required: integer().notNull().default(0),
    skills_required: text().array().notNull().default(emptyTextArray),
    // Lower-cased copy written with skills_required: whole-skill, case-insensitive "has all" through a GIN index.
    skills_required_lower: text().array().notNull().default(emptyTextArray),
    salary_range: jsonb().$type<SalaryRange>(),
    apply_link: text(),
    posted_by: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    application_deadline: timestamp({ withTimezone: true }),
    // Stored status; the effective one is also "closed" once the deadline has passed (see openJobCondition).
    status: text({ enum: ['active', 'closed'] })
      .notNull()
      .default('active'),
    applications_count: integer().notNull().default(0),
    views_count: integer().notNull().default(0),
    // Soft delete: applicants keep reading their application history.
    deleted_at: timestamp({ withTimezone: true }),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updated_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The board's keyset order, restricted to the rows it can ever show.
    index('jobs_board_order_idx')
      .on(t.created_at.desc().nullsFirst(), t.id.desc().nullsFirst())
      .where(sql`status = 'active' AND deleted_at IS NULL`),
    index('jobs_posted_by_idx').on(t.posted_by, t.created_at.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('jobs_company_lower_idx').on(sql`lower(${t.company})`),
    index('jobs_location_lower_idx').on(sql`lower(${t.location})`),
    index('jobs_job_type_idx').on(t.job_type, t.created_at.desc().nullsFirst()),
    index('jobs_experience_idx').on(t.experience_required),
    index('jobs_skills_lower_idx').using('gin', t.skills_required_lower),
    index('jobs_title_trgm_idx').using('gin', t.title.op('gin_trgm_ops')),
    index('jobs_description_trgm_idx').using('gin', t.description.op('gin_trgm_ops')),
    index('jobs_company_trgm_idx').using('gin', t.company.op('gin_trgm_ops')),
  ],
);

/** One application per (job, applicant); the unique index settles concurrent double applies. */
export const jobApplications = pgTable(
  'job_applications',
  {
    id: uuid().primaryKey().defaultRandom(),
    job_id: uuid()
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    applicant_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // Storage key of the CV snapshot taken when applying; clients only see a signed URL.
    cv_key: text().notNull(),
    cover_letter: text(),
    status: text({ enum: applicationStatuses }).notNull().default('applied'),
    applied_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    viewed_at: timestamp({ withTimezone: true }),
    // The poster's latest message to the applicant (also kept per change in the history).
    response_message: text(),
    updated_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('job_applications_job_applicant_key').on(t.job_id, t.applicant_id),
    index('job_applications_job_order_idx').on(t.job_id, t.applied_at.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('job_applications_applicant_order_idx').on(t.applicant_id, t.applied_at.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('job_applications_job_status_idx').on(t.job_id, t.status),
  ],
);

/** Every status change of an application: who, when, from, to, message. The first row is the application itself. */
export const applicationStatusHistory = pgTable(
  'application_status_history',
  {
    id: uuid().primaryKey().defaultRandom(),
    application_id: uuid()
      .notNull()
      .references(() => jobApplications.id, { onDelete: 'cascade' }),
    from_status: text({ enum: applicationStatuses }),
    to_status: text({ enum: applicationStatuses }).notNull(),
    changed_by: uuid().references(() => users.id, { onDelete: 'set null' }),
    message: text(),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('application_status_history_app_idx').on(t.application_id, t.created_at)],
);
