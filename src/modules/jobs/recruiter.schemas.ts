import { Type, type Static } from '@sinclair/typebox';
import { PageQuerySchema } from '../../lib/pagination.js';
import { StringEnum, Int, Nullable, TimestampSchema, UuidSchema } from '../../lib/schemas.js';
import { JobSchema } from './jobs.schemas.js';
import { applicationStatuses } from './jobs.tables.js';

export const StatusBreakdownSchema = Type.Object(Object.fromEntries(applicationStatuses.map((s) => [s, Type.Integer()])), {
  description: 'Applications by their current status',
});

export const RecruiterJobSchema = Type.Object(
  { ...JobSchema.properties, status_breakdown: StatusBreakdownSchema },
  { title: 'RecruiterJob' },
);

export const RecruiterJobsQuerySchema = Type.Object({
  status: Type.Optional(StringEnum(['active', 'closed'], { description: 'Effective status' })),
  ...PageQuerySchema.properties,
});
export type RecruiterJobsQuery = Static<typeof RecruiterJobsQuerySchema>;

const figures = {
  views: Type.Integer({ description: 'Reads of the job by anyone but the poster' }),
  applications: Type.Integer(),
  conversion_rate: Nullable(Type.Number({ description: 'applications / views (4 decimals); null without views' })),
  responded_applications: Type.Integer({ description: 'Applications whose status someone other than the applicant changed' }),
  median_time_to_first_response_seconds: Nullable(
    Type.Integer({ description: 'Median of (first status change by the poster or an admin − applied_at); null when none' }),
  ),
  status_breakdown: StatusBreakdownSchema,
};

export const AnalyticsSchema = Type.Object({
  totals: Type.Object({ jobs: Type.Integer(), active_jobs: Type.Integer(), ...figures }),
  results: Type.Array(
    Type.Object({
      job_id: UuidSchema,
      title: Type.String(),
      status: StringEnum(['active', 'closed']),
      created_at: TimestampSchema,
      ...figures,
    }),
  ),
  next_cursor: Nullable(Type.String()),
});

export const AnalyticsQuerySchema = Type.Object({ ...PageQuerySchema.properties });
export type AnalyticsQuery = Static<typeof AnalyticsQuerySchema>;

export const SummaryQuerySchema = Type.Object({
  days: Int({ minimum: 1, maximum: 366, default: 30, description: 'Window in UTC days, today included' }),
  interval: StringEnum(['day', 'week'], { default: 'day' }),
});
export type SummaryQuery = Static<typeof SummaryQuerySchema>;

export const SummarySchema = Type.Object({
  days: Type.Integer(),
  interval: Type.String(),
  since: TimestampSchema,
  total: Type.Integer({ description: 'All applications to your jobs' }),
  by_status: StatusBreakdownSchema,
  received_in_window: Type.Integer(),
  over_time: Type.Array(Type.Object({ period_start: TimestampSchema, applications: Type.Integer() })),
});
