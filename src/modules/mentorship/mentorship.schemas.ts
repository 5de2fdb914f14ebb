import { Type, type Static } from '@sinclair/typebox';
import { PageQuerySchema } from '../../lib/pagination.js';
import {
  StringEnum,
  DateTimeInput,
  Filter,
  Int,
  Nullable,
  RequiredText,
  RoleSchema,
  Text,
  TimestampSchema,
  UuidSchema,
} from '../../lib/schemas.js';
import { goalStatuses, requestStatuses, sessionStatuses } from './mentorship.tables.js';

/** Optional text that may be cleared with null (trimmed; blank is stored as null). */
const OptionalText = (maxLength: number, description?: string) => Type.Optional(Nullable(Text({ maxLength, description })));
const HttpUrl = Type.String({ maxLength: 2000, pattern: '^https?://[^\\s\\u0000]+$', description: 'http(s) URL' });

const Person = Type.Object({ id: UuidSchema, name: Type.String() });

// ---------------------------------------------------------------------------------------------
// Mentors

export const ExpertiseSchema = Type.Array(Text({ maxLength: 60 }), {
  maxItems: 30,
  description: 'Trimmed, de-duplicated case-insensitively (first spelling kept), matched case-insensitively',
});

const mentorFields = {
  expertise_areas: ExpertiseSchema,
  max_mentees: Int({ minimum: 1, maximum: 20 }),
  bio: OptionalText(5000),
  availability: OptionalText(500, 'When the mentor is usually free, as text'),
  is_available: Type.Boolean(),
};

export const RegisterMentorBodySchema = Type.Object(
  {
    expertise_areas: mentorFields.expertise_areas,
    max_mentees: Type.Optional(mentorFields.max_mentees),
    bio: mentorFields.bio,
    availability: mentorFields.availability,
    is_available: Type.Optional(mentorFields.is_available),
  },
  { additionalProperties: false },
);
export type RegisterMentorBody = Static<typeof RegisterMentorBodySchema>;

export const UpdateMentorBodySchema = Type.Object(
  {
    expertise_areas: Type.Optional(mentorFields.expertise_areas),
    max_mentees: Type.Optional(mentorFields.max_mentees),
    bio: mentorFields.bio,
    availability: mentorFields.availability,
    is_available: Type.Optional(mentorFields.is_available),
  },
  { additionalProperties: false },
);
export type UpdateMentorBody = Static<typeof UpdateMentorBodySchema>;

export const AvailabilityBodySchema = Type.Object(
  { is_available: Type.Boolean(), availability: mentorFields.availability },
  { additionalProperties: false },
);
export type AvailabilityBody = Static<typeof AvailabilityBodySchema>;

export const MentorSchema = Type.Object(
  {
    mentor_id: UuidSchema,
    name: Type.String(),
    role: RoleSchema,
    is_available: Type.Boolean(),
    expertise_areas: Type.Array(Type.String()),
    max_mentees: Type.Integer(),
    current_mentees_count: Type.Integer(),
    has_capacity: Type.Boolean(),
    rating: Nullable(Type.Number({ description: 'Average feedback rating (1–5), null before the first feedback' })),
    ratings_count: Type.Integer(),
    total_sessions: Type.Integer({ description: 'Completed sessions' }),
    bio: Nullable(Type.String()),
    availability: Nullable(Type.String()),
    department: Nullable(Type.String({ description: "From the mentor's profile, when the caller may see it" })),
    current_company: Nullable(Type.String()),
    location: Nullable(Type.String()),
    skills: Type.Array(Type.String()),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  },
  { title: 'Mentor' },
);

export const MentorDetailSchema = Type.Object(
  {
    ...MentorSchema.properties,
    stats: Type.Object({
      current_mentees: Type.Integer(),
      sessions_completed: Type.Integer(),
      rating: Nullable(Type.Number()),
      ratings_count: Type.Integer(),
      requests_received: Type.Integer(),
      answer_rate: Nullable(
        Type.Number({ description: 'Answered (accepted or rejected) / decided (answered or expired); null before any' }),
      ),
    }),
  },
  { title: 'MentorDetail' },
);

export const MentorListQuerySchema = Type.Object({
  expertise: Filter('Comma-separated; a mentor matches any of them (case-insensitively)', 1000),
  // A patterned string (as jobs' `experience`): Ajv would read `Infinity`, `1e400` or `0x1` as numbers.
  min_rating: Type.Optional(
    Type.String({
      pattern: '^\\s*(([0-4](\\.[0-9]{1,6})?|5(\\.0{1,6})?)\\s*)?$',
      description: 'A rating 0–5 (at most six decimals); unrated mentors count as 0; blank: no filter',
    }),
  ),
  q: Filter('Part of the name'),
  department: Filter('Case-insensitive, on profiles the caller may see', 120),
  available_only: Type.Optional(Type.Boolean({ default: true, description: 'Only mentors open to requests (default true)' })),
  ...PageQuerySchema.properties,
});
export type MentorListQuery = Static<typeof MentorListQuerySchema>;

export const MentorParamsSchema = Type.Object({ mentor_id: UuidSchema });

// ---------------------------------------------------------------------------------------------
// Requests and mentorships

export const CreateRequestBodySchema = Type.Object(
  {
    mentor_id: UuidSchema,
    request_message: RequiredText({ maxLength: 2000 }),
    goals: OptionalText(2000, 'What the member hopes to get out of it'),
  },
  { additionalProperties: false },
);
export type CreateRequestBody = Static<typeof CreateRequestBodySchema>;

export const RejectBodySchema = Type.Object(
  {
    rejection_reason: OptionalText(2000, 'Shown to the member who asked'),
    reason: OptionalText(2000, 'Same as rejection_reason'),
  },
  { additionalProperties: false },
);
export type RejectBody = Static<typeof RejectBodySchema>;

export const RequestSchema = Type.Object(
  {
    id: UuidSchema,
    student_id: UuidSchema,
    mentor_id: UuidSchema,
    request_message: Type.String(),
    goals: Nullable(Type.String()),
    status: StringEnum(requestStatuses),
    requested_at: TimestampSchema,
    expires_at: Nullable(TimestampSchema),
    accepted_at: Nullable(TimestampSchema),
    rejected_at: Nullable(TimestampSchema),
    rejection_reason: Nullable(Type.String()),
    expired_at: Nullable(TimestampSchema),
    mentorship_id: Nullable(UuidSchema),
    student: Person,
    mentor: Person,
  },
  { title: 'MentorshipRequest' },
);

export const RequestListQuerySchema = Type.Object({
  status: Type.Optional(StringEnum(requestStatuses)),
  ...PageQuerySchema.properties,
});
export type RequestListQuery = Static<typeof RequestListQuerySchema>;

export const RequestParamsSchema = Type.Object({ request_id: UuidSchema });

export const MentorshipParamsSchema = Type.Object({ mentorship_id: UuidSchema });

export const MentorshipSchema = Type.Object(
  {
    id: UuidSchema,
    request_id: UuidSchema,
    mentor_id: UuidSchema,
    student_id: UuidSchema,
    status: StringEnum(['active', 'ended']),
    started_at: TimestampSchema,
    ended_at: Nullable(TimestampSchema),
    ended_by: Nullable(UuidSchema),
    end_reason: Nullable(Type.String()),
    mentor: Person,
    student: Person,
  },
  { title: 'Mentorship' },
);

export const EndBodySchema = Type.Object({ reason: OptionalText(2000) }, { additionalProperties: false });
export type EndBody = Static<typeof EndBodySchema>;

// ---------------------------------------------------------------------------------------------
// Sessions

const Future = DateTimeInput({ description: 'ISO 8601, in the future' });
const Duration = Int({ minimum: 15, maximum: 240, description: 'Minutes' });

export const ScheduleBodySchema = Type.Object(
  {
    scheduled_date: Future,
    duration: Duration,
    meeting_link: Type.Optional(Nullable(HttpUrl)),
    agenda: OptionalText(2000),
  },
  { additionalProperties: false },
);
export type ScheduleBody = Static<typeof ScheduleBodySchema>;

export const UpdateSessionBodySchema = Type.Object(
  {
    scheduled_date: Type.Optional(Future),
    duration: Type.Optional(Duration),
    meeting_link: Type.Optional(Nullable(HttpUrl)),
    agenda: OptionalText(2000),
  },
  { additionalProperties: false },
);
export type UpdateSessionBody = Static<typeof UpdateSessionBodySchema>;

export const NotesBodySchema = Type.Object({ notes: Nullable(Text({ maxLength: 10_000 })) }, { additionalProperties: false });
export const CancelBodySchema = Type.Object({ reason: OptionalText(2000) }, { additionalProperties: false });

export const FeedbackBodySchema = Type.Object(
  { rating: Int({ minimum: 1, maximum: 5 }), feedback: OptionalText(5000) },
  { additionalProperties: false },
);
export type FeedbackBody = Static<typeof FeedbackBodySchema>;

export const SessionSchema = Type.Object(
  {
    id: UuidSchema,
    mentorship_id: UuidSchema,
    mentor_id: UuidSchema,
    student_id: UuidSchema,
    scheduled_date: TimestampSchema,
    duration: Type.Integer(),
    status: StringEnum(sessionStatuses),
    meeting_link: Nullable(Type.String()),
    agenda: Nullable(Type.String()),
    notes: Nullable(Type.String({ description: "The mentor's private notes: null for anyone else" })),
    feedback: Nullable(Type.String()),
    rating: Nullable(Type.Integer()),
    feedback_at: Nullable(TimestampSchema),
    completed_at: Nullable(TimestampSchema),
    cancelled_at: Nullable(TimestampSchema),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  },
  { title: 'MentorshipSession' },
);

export const SessionListQuerySchema = Type.Object({
  when: Type.Optional(
    StringEnum(['upcoming', 'past'], {
      description: 'upcoming: scheduled and not started, soonest first; past: everything else, latest first',
    }),
  ),
  mentorship_id: Type.Optional(UuidSchema),
  ...PageQuerySchema.properties,
});
export type SessionListQuery = Static<typeof SessionListQuerySchema>;

export const SessionParamsSchema = Type.Object({ session_id: UuidSchema });

// ---------------------------------------------------------------------------------------------
// Goals

export const CreateGoalBodySchema = Type.Object(
  { title: RequiredText({ maxLength: 200 }), description: OptionalText(2000) },
  { additionalProperties: false },
);
export type CreateGoalBody = Static<typeof CreateGoalBodySchema>;
export const UpdateGoalBodySchema = Type.Object(
  {
    title: Type.Optional(RequiredText({ maxLength: 200 })),
    description: OptionalText(2000),
    status: Type.Optional(StringEnum(goalStatuses)),
  },
  { additionalProperties: false },
);
export type UpdateGoalBody = Static<typeof UpdateGoalBodySchema>;

export const GoalSchema = Type.Object(
  {
    id: UuidSchema,
    mentorship_id: UuidSchema,
    title: Type.String(),
    description: Nullable(Type.String()),
    status: StringEnum(goalStatuses),
    created_by: Nullable(UuidSchema),
    achieved_at: Nullable(TimestampSchema),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  },
  { title: 'MentorshipGoal' },
);
export const GoalParamsSchema = Type.Object({ goal_id: UuidSchema });

// ---------------------------------------------------------------------------------------------
// Matching

export const MatchBodySchema = Type.Object(
  { limit: Type.Optional(Int({ minimum: 1, maximum: 50, default: 10 })) },
  { additionalProperties: false },
);
export type MatchBody = Static<typeof MatchBodySchema>;

export const MatchSchema = Type.Object({
  mentor: MentorSchema,
  score: Type.Number({ minimum: 0, maximum: 1 }),
  similarity: Type.Number({ description: 'Cosine similarity of the TF-IDF skill vectors' }),
  shared_skills: Type.Array(Type.String()),
  reasons: Type.Array(
    Type.Object({
      type: Type.Union(
        ['shared_skills', 'same_department', 'same_company', 'same_location', 'rating', 'capacity'].map((s) => Type.Literal(s)),
      ),
      message: Type.String(),
    }),
  ),
});
export const MatchListSchema = Type.Object({ results: Type.Array(MatchSchema) });
