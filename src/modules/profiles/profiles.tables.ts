import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.tables.js';

export interface ExperienceEntry {
  company: string;
  role: string;
  location?: string | null;
  start_date: string;
  end_date?: string | null;
  description?: string | null;
}

export interface EducationEntry {
  institution: string;
  degree?: string | null;
  field?: string | null;
  start_year?: number | null;
  end_year?: number | null;
}

export interface SocialLinks {
  linkedin?: string | null;
  github?: string | null;
  twitter?: string | null;
  website?: string | null;
}

export const verificationStatuses = ['unverified', 'pending', 'verified', 'rejected'] as const;
export const contactVisibilities = ['members', 'nobody'] as const;

const emptyTextArray = sql`'{}'::text[]`;

/** One profile per user (any role). Keys are snake_case, so rows are already in wire format. */
export const profiles = pgTable(
  'profiles',
  {
    user_id: uuid()
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    headline: text(),
    bio: text(),
    // Storage keys (server-generated); clients only ever see signed URLs.
    photo_key: text(),
    cv_key: text(),
    current_company: text(),
    current_role: text(),
    location: text(),
    batch_year: integer(),
    degree: text(),
    department: text(),
    experience_timeline: jsonb().$type<ExperienceEntry[]>().notNull().default([]),
    education_details: jsonb().$type<EducationEntry[]>().notNull().default([]),
    skills: text().array().notNull().default(emptyTextArray),
    // Lower-cased copy of skills, written with them: whole-skill, case-insensitive matching through a GIN index.
    skills_lower: text().array().notNull().default(emptyTextArray),
    achievements: text().array().notNull().default(emptyTextArray),
    social_links: jsonb().$type<SocialLinks>().notNull().default({}),
    // Lower-cased name, headline, company, role and skills, one per line: what `q` searches (trigram index).
    search_text: text().notNull().default(''),
    directory_visible: boolean().notNull().default(true),
    // users.status <> 'active' (deleted or suspended; decision 090), kept in step by triggers
    // (migrations 'profiles_owner_deleted', 'admin_sql'), so the directory's WHERE needs no join with users.
    owner_deleted: boolean().notNull().default(false),
    contact_visibility: text({ enum: contactVisibilities }).notNull().default('members'),
    profile_completion_percentage: integer().notNull().default(0),
    is_verified: boolean().notNull().default(false),
    verification_status: text({ enum: verificationStatuses }).notNull().default('unverified'),
    verified_by: uuid().references(() => users.id, { onDelete: 'set null' }),
    verified_at: timestamp({ withTimezone: true }),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updated_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Default order of search and directory (byte order, then id) — also the keyset.
    index('profiles_name_c_user_id_idx').on(sql`${t.name} COLLATE "C"`, t.user_id),
    index('profiles_name_trgm_idx').using('gin', sql`lower(${t.name}) gin_trgm_ops`),
    index('profiles_current_role_trgm_idx').using('gin', sql`lower(${t.current_role}) gin_trgm_ops`),
    index('profiles_search_text_trgm_idx').using('gin', sql`${t.search_text} gin_trgm_ops`),
    index('profiles_skills_lower_idx').using('gin', t.skills_lower),
    index('profiles_company_lower_idx').on(sql`lower(${t.current_company})`),
    index('profiles_location_lower_idx').on(sql`lower(${t.location})`),
    index('profiles_department_lower_idx').on(sql`lower(${t.department})`),
    index('profiles_batch_year_idx').on(t.batch_year),
  ],
);

/** Every verification request and its outcome: who decided, when, and why. */
export const profileVerificationRequests = pgTable(
  'profile_verification_requests',
  {
    id: uuid().primaryKey().defaultRandom(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: text({ enum: ['pending', 'approved', 'rejected'] })
      .notNull()
      .default('pending'),
    // 'member': asked through the API; 'facts_changed': a verified profile edited its verified facts.
    source: text({ enum: ['member', 'facts_changed'] }).notNull(),
    requested_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    decided_by: uuid().references(() => users.id, { onDelete: 'set null' }),
    decided_at: timestamp({ withTimezone: true }),
    reason: text(),
  },
  (t) => [
    index('profile_verification_requests_queue_idx').on(t.status, t.requested_at, t.id),
    index('profile_verification_requests_user_idx').on(t.user_id),
    // At most one open request per member, even under concurrent requests.
    uniqueIndex('profile_verification_requests_one_pending_idx')
      .on(t.user_id)
      .where(sql`${t.status} = 'pending'`),
  ],
);
