import { Type, type Static } from '@sinclair/typebox';
import { PageQuerySchema } from '../../lib/pagination.js';
import { StringEnum, Filter, Nullable, RequiredText, Text, TimestampSchema, UuidSchema } from '../../lib/schemas.js';
import { reportReasons } from './engagement.tables.js';

/** Shared wire shapes of the engagement parts; modules embed them in their own routes. */

export const AuthorSchema = Type.Object({
  id: UuidSchema,
  name: Type.String(),
  photo_url: Nullable(Type.String({ description: 'Signed, expiring URL' })),
});

export const LikeResultSchema = Type.Object(
  { liked: Type.Boolean({ description: 'The new state for the caller' }), likes_count: Type.Integer() },
  { title: 'LikeResult' },
);

export const BookmarkResultSchema = Type.Object({ bookmarked: Type.Boolean() }, { title: 'BookmarkResult' });

export const CommentBodySchema = Type.Object(
  {
    content: RequiredText({ maxLength: 10_000, description: 'Markdown source, stored as given' }),
    parent_comment_id: Type.Optional(Nullable(UuidSchema)),
  },
  { additionalProperties: false },
);
export type CommentBody = Static<typeof CommentBodySchema>;

export const CommentUpdateBodySchema = Type.Object({ content: CommentBodySchema.properties.content }, { additionalProperties: false });

export const ReportBodySchema = Type.Object(
  {
    reason: StringEnum(reportReasons, { description: 'spam | harassment | off_topic | other' }),
    text: Type.Optional(Nullable(Text({ maxLength: 2000, description: 'What is wrong, in the reporter’s words' }))),
  },
  { additionalProperties: false },
);
export type ReportBody = Static<typeof ReportBodySchema>;

export const ReportSchema = Type.Object(
  {
    id: UuidSchema,
    content_type: Type.String(),
    content_id: UuidSchema,
    reason: Type.String(),
    text: Nullable(Type.String()),
    status: Type.String(),
    created_at: TimestampSchema,
  },
  { title: 'Report' },
);

const PreviewSchema = Type.Object({
  title: Type.String(),
  excerpt: Type.String({ description: 'Plain text, tags stripped' }),
  author_id: UuidSchema,
  author_name: Type.String(),
  link: Type.String(),
  is_hidden: Type.Boolean(),
  is_deleted: Type.Boolean(),
  created_at: TimestampSchema,
});

export const FlaggedItemSchema = Type.Object(
  {
    content_type: Type.String(),
    content_id: UuidSchema,
    report_count: Type.Integer(),
    reasons: Type.Array(Type.String()),
    first_reported_at: TimestampSchema,
    reports: Type.Array(
      Type.Object({ reporter_id: UuidSchema, reason: Type.String(), text: Nullable(Type.String()), created_at: TimestampSchema }),
    ),
    preview: Nullable(PreviewSchema),
  },
  { title: 'FlaggedItem' },
);

export const FlaggedQuerySchema = Type.Object({
  content_type: Filter('Only items of this registered content type', 40),
  ...PageQuerySchema.properties,
});

export const ModerateBodySchema = Type.Object(
  {
    content_type: RequiredText({ maxLength: 40 }),
    content_id: UuidSchema,
    action: StringEnum(['approve', 'reject']),
    reason: Type.Optional(Nullable(Text({ maxLength: 2000, description: 'Required to reject; sent to the author' }))),
  },
  { additionalProperties: false },
);

export const ModerationResultSchema = Type.Object({
  content_type: Type.String(),
  content_id: UuidSchema,
  action: Type.String(),
  is_hidden: Type.Boolean(),
  reports_resolved: Type.Integer(),
});

export const ContentParamsSchema = Type.Object({ type: RequiredText({ maxLength: 40 }), id: UuidSchema });
