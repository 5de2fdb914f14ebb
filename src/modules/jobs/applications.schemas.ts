import { Type, type Static } from '@sinclair/typebox';
import { PageQuerySchema } from '../../lib/pagination.js';
import { Nullable, UuidSchema } from '../../lib/schemas.js';
import { WireTimestampSchema } from './jobs.schemas.js';
import { applicationStatuses } from './jobs.tables.js';

export const ApplicationStatusSchema = Type.Union(
  applicationStatuses.map((s) => Type.Literal(s)),
  { description: 'applied → viewed → shortlisted → interview → offered → hired; or rejected / withdrawn (docs/jobs.md)' },
);

export const ApplicationSchema = Type.Object(
  {
    id: UuidSchema,
    job_id: UuidSchema,
    applicant_id: UuidSchema,
    cv_url: Nullable(Type.String({ description: 'Signed URL, valid for an hour' })),
    cover_letter: Nullable(Type.String()),
    status: ApplicationStatusSchema,
    applied_at: WireTimestampSchema,
    viewed_at: Nullable(WireTimestampSchema),
    response_message: Nullable(Type.String({ description: "The poster's latest message" })),
    updated_at: WireTimestampSchema,
    job: Type.Object({
      id: UuidSchema,
      title: Type.String(),
      company: Type.String(),
      location: Type.String(),
      posted_by: UuidSchema,
      status: Type.Union([Type.Literal('active'), Type.Literal('closed')]),
      is_deleted: Type.Boolean({ description: 'The poster deleted the job; the application stays readable to the applicant' }),
    }),
    applicant: Type.Object({ id: UuidSchema, name: Type.String(), email: Type.String() }),
  },
  { title: 'JobApplication' },
);

export const StatusChangeSchema = Type.Object({
  from_status: Nullable(ApplicationStatusSchema),
  to_status: ApplicationStatusSchema,
  changed_by: Nullable(UuidSchema),
  message: Nullable(Type.String()),
  created_at: WireTimestampSchema,
});

export const ApplicationDetailSchema = Type.Object(
  {
    ...ApplicationSchema.properties,
    history: Type.Array(StatusChangeSchema, { description: 'Oldest first; the first entry is the application' }),
  },
  { title: 'JobApplicationDetail' },
);

export const ApplyJsonBodySchema = Type.Object(
  {
    cover_letter: Type.Optional(Nullable(Type.String({ maxLength: 10_000 }))),
    use_profile_cv: Type.Optional(Type.Boolean({ description: 'Use the CV on your profile (the default when no file is sent)' })),
  },
  { additionalProperties: false },
);
export type ApplyJsonBody = Static<typeof ApplyJsonBodySchema>;

export const StatusBodySchema = Type.Object(
  {
    status: ApplicationStatusSchema,
    message: Type.Optional(Nullable(Type.String({ maxLength: 2000, description: 'Sent to the applicant and kept in the history' }))),
  },
  { additionalProperties: false },
);
export type StatusBody = Static<typeof StatusBodySchema>;

export const ApplicationListQuerySchema = Type.Object({
  status: Type.Optional(ApplicationStatusSchema),
  ...PageQuerySchema.properties,
});
export type ApplicationListQuery = Static<typeof ApplicationListQuerySchema>;

export const ApplicationParamsSchema = Type.Object({ app_id: UuidSchema });
