import { Type, type Static } from '@sinclair/typebox';
import { PageQuerySchema } from '../../lib/pagination.js';
import { StringEnum, Nullable, Text, TimestampSchema, UuidSchema } from '../../lib/schemas.js';
import { applicationStatuses } from './jobs.tables.js';

export const ApplicationStatusSchema = StringEnum(applicationStatuses, {
  description: 'applied → viewed → shortlisted → interview → offered → hired; or rejected / withdrawn (docs/jobs.md)',
});

export const ApplicationSchema = Type.Object(
  {
    id: UuidSchema,
    job_id: UuidSchema,
    applicant_id: UuidSchema,
    cv_url: Nullable(Type.String({ description: 'Signed URL, valid for an hour' })),
    cover_letter: Nullable(Type.String()),
    status: ApplicationStatusSchema,
    applied_at: TimestampSchema,
    viewed_at: Nullable(TimestampSchema),
    response_message: Nullable(Type.String({ description: "The poster's latest message" })),
    updated_at: TimestampSchema,
    job: Type.Object({
      id: UuidSchema,
      title: Type.String(),
      company: Type.String(),
      location: Type.String(),
      posted_by: UuidSchema,
      status: StringEnum(['active', 'closed']),
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
  created_at: TimestampSchema,
});

export const ApplicationDetailSchema = Type.Object(
  {
    ...ApplicationSchema.properties,
    history: Type.Array(StatusChangeSchema, { description: 'Oldest first; the first entry is the application' }),
  },
  { title: 'JobApplicationDetail' },
);

/** The JSON body of an application; a multipart application's text fields are validated by it too. */
export const ApplyJsonBodySchema = Type.Object(
  {
    cover_letter: Type.Optional(Nullable(Text({ maxLength: 10_000 }))),
    use_profile_cv: Type.Optional(Type.Boolean({ description: 'Use the CV on your profile (the default when no file is sent)' })),
  },
  { additionalProperties: false },
);
export type ApplyJsonBody = Static<typeof ApplyJsonBodySchema>;

const ResponseMessage = (description: string) => Type.Optional(Nullable(Text({ maxLength: 2000, description })));

export const StatusBodySchema = Type.Object(
  {
    status: ApplicationStatusSchema,
    response_message: ResponseMessage("Sent to the applicant, kept in the history and shown as the application's response_message"),
    message: ResponseMessage('Alias of response_message (older clients); send one of the two'),
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
