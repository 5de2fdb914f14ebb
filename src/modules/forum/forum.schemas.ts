import { Type, type Static } from '@sinclair/typebox';
import { PageQuerySchema, pageSchema } from '../../lib/pagination.js';
import { Filter, Nullable, RequiredText, Text, TimestampSchema, UuidSchema } from '../../lib/schemas.js';
import { AuthorSchema } from '../engagement/engagement.schemas.js';

export const MAX_TAGS = 10;
export const MAX_TAG_LENGTH = 40;

const title = RequiredText({ maxLength: 300 });
const content = RequiredText({
  maxLength: 50_000,
  description: 'Markdown source, stored as given; clients render it',
});
// Generous here; the service enforces ≤ 10 tags of ≤ 40 characters after trimming and de-duplicating.
const tags = Type.Array(Text({ maxLength: 200 }), {
  maxItems: 100,
  description: `At most ${MAX_TAGS}, each ≤ ${MAX_TAG_LENGTH} characters; stored lower-cased`,
});

// Counters, is_pinned, author: not here, so a member sending them gets 400 (additionalProperties).
export const CreatePostBodySchema = Type.Object({ title, content, tags: Type.Optional(tags) }, { additionalProperties: false });
export type CreatePostBody = Static<typeof CreatePostBodySchema>;
export const UpdatePostBodySchema = Type.Object(
  { title: Type.Optional(title), content: Type.Optional(content), tags: Type.Optional(tags) },
  { additionalProperties: false },
);
export type UpdatePostBody = Static<typeof UpdatePostBodySchema>;

export const PostSchema = Type.Object(
  {
    id: UuidSchema,
    title: Type.String(),
    content: Type.String({ description: 'Markdown source' }),
    tags: Type.Array(Type.String()),
    author_id: UuidSchema,
    author: AuthorSchema,
    likes_count: Type.Integer(),
    comments_count: Type.Integer({ description: 'Live comments (deleted and hidden ones are not counted)' }),
    is_pinned: Type.Boolean(),
    is_hidden: Type.Boolean({ description: 'Hidden by reports or moderation: only its author and admins see it' }),
    liked_by_me: Type.Boolean(),
    bookmarked_by_me: Type.Boolean(),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  },
  { title: 'ForumPost' },
);

export const CommentSchema = Type.Object(
  {
    id: UuidSchema,
    post_id: UuidSchema,
    parent_comment_id: Nullable(UuidSchema),
    author_id: Nullable(UuidSchema),
    author: Nullable(AuthorSchema),
    content: Type.String({ description: 'Markdown source, or "[deleted]" / "[hidden]" for a placeholder kept for its replies' }),
    depth: Type.Integer({ description: '0 for a comment on the post, parent depth + 1 for a reply' }),
    likes_count: Type.Integer(),
    liked_by_me: Type.Boolean(),
    is_deleted: Type.Boolean(),
    is_hidden: Type.Boolean(),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  },
  { title: 'ForumComment' },
);

export const PostDetailSchema = Type.Composite([PostSchema, Type.Object({ comments: pageSchema(CommentSchema) })], {
  title: 'ForumPostDetail',
});

// Filters are strings so that an empty value filters nothing (SEARCH.md).
export const PostListQuerySchema = Type.Object({
  tag: Filter('Case-insensitive equality with one of the tags'),
  author: Type.Optional(
    Type.String({
      pattern: '^\\s*([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?\\s*$',
      maxLength: 200,
      description: 'A user id',
    }),
  ),
  q: Filter('Full-text search in title and content'),
  ...PageQuerySchema.properties,
});
export type PostListQuery = Static<typeof PostListQuerySchema>;

export const PostParamsSchema = Type.Object({ post_id: UuidSchema });
export const CommentParamsSchema = Type.Object({ comment_id: UuidSchema });
