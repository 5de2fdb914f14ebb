import { Type, type Static } from '@sinclair/typebox';
import { PageQuerySchema } from '../../lib/pagination.js';
import {
  StringEnum,
  DATE_FILTER_PATTERN,
  DateTimeInput,
  Filter,
  Int,
  Nullable,
  RequiredText,
  TimestampSchema,
  UuidSchema,
} from '../../lib/schemas.js';
import { jobTypes, salaryPeriods } from './jobs.tables.js';

const Text = (maxLength: number, description?: string) => RequiredText({ maxLength, description });
/** Amounts in minor units: up to 10^13 (a hundred billion in major units) fits any salary and stays exact. */
const Amount = (description: string) => Int({ minimum: 0, maximum: 10_000_000_000_000, description });

export const JobTypeSchema = StringEnum(jobTypes, { description: 'full_time | part_time | internship | contract | remote' });

export const SalaryRangeSchema = Type.Object(
  {
    min: Amount('Minor units (e.g. paise, cents)'),
    max: Amount('Minor units; at least min'),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, upper case' }),
    period: StringEnum(salaryPeriods),
  },
  { additionalProperties: false },
);

export const JobSchema = Type.Object(
  {
    id: UuidSchema,
    title: Type.String(),
    description: Type.String(),
    company: Type.String(),
    location: Type.String(),
    job_type: JobTypeSchema,
    experience_required: Type.Integer({ description: 'Years' }),
    skills_required: Type.Array(Type.String()),
    salary_range: Nullable(SalaryRangeSchema),
    apply_link: Nullable(Type.String()),
    posted_by: UuidSchema,
    application_deadline: Nullable(TimestampSchema),
    status: StringEnum(['active', 'closed'], {
      description: 'Effective status: closed once closed by the poster or past application_deadline',
    }),
    applications_count: Type.Integer(),
    views_count: Type.Integer(),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  },
  { title: 'Job' },
);

const jobFields = {
  title: Text(200),
  description: Text(20_000),
  company: Text(200),
  location: Text(200, 'Free text such as "Pune, India"'),
  job_type: JobTypeSchema,
  experience_required: Int({ minimum: 0, maximum: 60, description: 'Years of experience required' }),
  skills_required: Type.Array(Text(60), { maxItems: 50 }),
  apply_link: Type.String({
    format: 'uri',
    pattern: '^https?://[^\\s\\u0000]+$',
    maxLength: 2000,
    description: 'External application URL',
  }),
  application_deadline: DateTimeInput({ description: 'Must be in the future' }),
};

export const CreateJobBodySchema = Type.Object(
  {
    title: jobFields.title,
    description: jobFields.description,
    company: jobFields.company,
    location: jobFields.location,
    job_type: jobFields.job_type,
    experience_required: Type.Optional(jobFields.experience_required),
    skills_required: Type.Optional(jobFields.skills_required),
    salary_range: Type.Optional(Nullable(SalaryRangeSchema)),
    apply_link: Type.Optional(Nullable(jobFields.apply_link)),
    application_deadline: Type.Optional(Nullable(jobFields.application_deadline)),
  },
  { additionalProperties: false },
);
export type CreateJobBody = Static<typeof CreateJobBodySchema>;

export const UpdateJobBodySchema = Type.Object(
  {
    title: Type.Optional(jobFields.title),
    description: Type.Optional(jobFields.description),
    company: Type.Optional(jobFields.company),
    location: Type.Optional(jobFields.location),
    job_type: Type.Optional(jobFields.job_type),
    experience_required: Type.Optional(jobFields.experience_required),
    skills_required: Type.Optional(jobFields.skills_required),
    salary_range: Type.Optional(Nullable(SalaryRangeSchema)),
    apply_link: Type.Optional(Nullable(jobFields.apply_link)),
    application_deadline: Type.Optional(Nullable(jobFields.application_deadline)),
    status: Type.Optional(StringEnum(['active', 'closed'], { description: 'Reopen or close' })),
  },
  { additionalProperties: false },
);
export type UpdateJobBody = Static<typeof UpdateJobBodySchema>;

// Filters are strings so that an empty value filters nothing (SEARCH.md) instead of being coerced to 0.
export const JobListQuerySchema = Type.Object({
  company: Filter('Case-insensitive equality'),
  location: Filter('Case-insensitive equality'),
  skills: Filter('Comma-separated; the job needs all of them (whole skills, case-insensitive)', 2000),
  job_type: Type.Optional(
    Type.String({ pattern: '^\\s*(full_time|part_time|internship|contract|remote)?\\s*$', description: 'One of the job types' }),
  ),
  experience: Type.Optional(
    Type.String({ pattern: '^\\s*([0-9]{1,3})?\\s*$', description: 'Max years: experience_required ≤ experience' }),
  ),
  q: Filter('Case-insensitive substring of title, description or company'),
  posted_after: Type.Optional(
    Type.String({
      maxLength: 40,
      pattern: DATE_FILTER_PATTERN,
      description: 'ISO 8601 date-time (or date, UTC midnight), years 0001–9999',
    }),
  ),
  ...PageQuerySchema.properties,
});
export type JobListQuery = Static<typeof JobListQuerySchema>;

export const JobParamsSchema = Type.Object({ job_id: UuidSchema });
