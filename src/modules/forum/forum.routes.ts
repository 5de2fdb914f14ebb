import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { PageQuerySchema, pageSchema } from '../../lib/pagination.js';
import { problems } from '../../lib/schemas.js';
import { actorOf } from '../../plugins/auth.js';
import { deleteComment } from '../engagement/engagement.comments.js';
import { reportContent } from '../engagement/engagement.moderation.js';
import {
  BookmarkResultSchema,
  CommentBodySchema,
  CommentUpdateBodySchema,
  LikeResultSchema,
  ReportBodySchema,
  ReportSchema,
} from '../engagement/engagement.schemas.js';
import { addBookmark, removeBookmark, toggleLike } from '../engagement/engagement.service.js';
import { FORUM_COMMENT, FORUM_POST, registerForumContentTypes } from './forum.content.js';
import {
  CommentParamsSchema,
  CommentSchema,
  CreatePostBodySchema,
  PostDetailSchema,
  PostListQuerySchema,
  PostParamsSchema,
  PostSchema,
  UpdatePostBodySchema,
} from './forum.schemas.js';
import * as forum from './forum.service.js';

const tags = ['forum'];
const admin = { roles: ['admin'] as const };
const noContent = { 204: Type.Null() };

export const forumRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  registerForumContentTypes();

  app.post('/posts', {
    schema: {
      tags,
      summary: 'Create a post (any signed-in member); tags are stored lower-cased',
      body: CreatePostBodySchema,
      response: { 201: PostSchema, ...problems(400, 401) },
    },
    handler: async (request, reply) => reply.code(201).send(await forum.createPost(ctx, actorOf(request), request.body)),
  });

  app.get('/posts', {
    schema: {
      tags,
      summary: 'List posts as SEARCH.md says: tag, author, q (full text); pinned first, then newest',
      querystring: PostListQuerySchema,
      response: { 200: pageSchema(PostSchema), ...problems(400, 401) },
    },
    handler: async (request) => forum.listPosts(ctx, actorOf(request), request.query),
  });

  app.get('/posts/:post_id', {
    schema: {
      tags,
      summary: 'A post with its author and the first page of its comment thread',
      params: PostParamsSchema,
      response: { 200: PostDetailSchema, ...problems(400, 401, 404) },
    },
    handler: async (request) => forum.getPost(ctx, actorOf(request), request.params.post_id),
  });

  app.put('/posts/:post_id', {
    schema: {
      tags,
      summary: 'Edit a post (author or admin); only the fields sent change',
      params: PostParamsSchema,
      body: UpdatePostBodySchema,
      response: { 200: PostSchema, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => forum.updatePost(ctx, actorOf(request), request.params.post_id, { ...request.body, ip: request.ip }),
  });

  app.delete('/posts/:post_id', {
    schema: {
      tags,
      summary: 'Delete a post (author or admin); it then reads 404 and leaves the list',
      params: PostParamsSchema,
      response: { ...noContent, ...problems(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      await forum.deletePost(ctx, actorOf(request), request.params.post_id, request.ip);
      return reply.code(204).send(null);
    },
  });

  app.post('/posts/:post_id/like', {
    schema: {
      tags,
      summary: 'Like, or unlike when already liked; answers the new state and count',
      params: PostParamsSchema,
      // 409: only when one member's own simultaneous toggles of the item keep overtaking this one.
      response: { 200: LikeResultSchema, ...problems(400, 401, 404, 409) },
    },
    handler: async (request) => toggleLike(ctx, actorOf(request), FORUM_POST, request.params.post_id),
  });

  app.post('/posts/:post_id/comments', {
    schema: {
      tags,
      summary: 'Comment on a post, or reply with parent_comment_id (a comment of the same post)',
      params: PostParamsSchema,
      body: CommentBodySchema,
      response: { 201: CommentSchema, ...problems(400, 401, 404) },
    },
    handler: async (request, reply) =>
      reply.code(201).send(await forum.addPostComment(ctx, actorOf(request), request.params.post_id, request.body)),
  });

  app.get('/posts/:post_id/comments', {
    schema: {
      tags,
      summary: "A post's comment thread, replies under their parents, paginated",
      params: PostParamsSchema,
      querystring: PageQuerySchema,
      response: { 200: pageSchema(CommentSchema), ...problems(400, 401, 404) },
    },
    handler: async (request) => forum.listPostComments(ctx, actorOf(request), request.params.post_id, request.query),
  });

  app.put('/comments/:comment_id', {
    schema: {
      tags,
      summary: 'Edit a comment (its author)',
      params: CommentParamsSchema,
      body: CommentUpdateBodySchema,
      response: { 200: CommentSchema, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => forum.editForumComment(ctx, actorOf(request), request.params.comment_id, request.body.content),
  });

  app.delete('/comments/:comment_id', {
    schema: {
      tags,
      summary: 'Delete a comment (author or admin); kept as "[deleted]" while it has replies',
      params: CommentParamsSchema,
      response: { ...noContent, ...problems(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      await deleteComment(ctx, actorOf(request), FORUM_COMMENT, request.params.comment_id, request.ip);
      return reply.code(204).send(null);
    },
  });

  app.post('/comments/:comment_id/like', {
    schema: {
      tags,
      summary: 'Like, or unlike when already liked, a comment',
      params: CommentParamsSchema,
      response: { 200: LikeResultSchema, ...problems(400, 401, 404, 409) },
    },
    handler: async (request) => toggleLike(ctx, actorOf(request), FORUM_COMMENT, request.params.comment_id),
  });

  app.post('/posts/:post_id/report', {
    schema: {
      tags,
      summary: 'Report a post once (3 members hide it until an admin decides)',
      params: PostParamsSchema,
      body: ReportBodySchema,
      response: { 201: ReportSchema, ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) =>
      reply.code(201).send(await reportContent(ctx, actorOf(request), FORUM_POST, request.params.post_id, request.body)),
  });

  app.post('/comments/:comment_id/report', {
    schema: {
      tags,
      summary: 'Report a comment once (3 members hide it until an admin decides)',
      params: CommentParamsSchema,
      body: ReportBodySchema,
      response: { 201: ReportSchema, ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) =>
      reply.code(201).send(await reportContent(ctx, actorOf(request), FORUM_COMMENT, request.params.comment_id, request.body)),
  });

  app.post('/posts/:post_id/pin', {
    config: admin,
    schema: {
      tags,
      summary: 'Pin a post to the top of the list (admins)',
      params: PostParamsSchema,
      response: { 200: PostSchema, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => forum.setPinned(ctx, actorOf(request), request.params.post_id, true, request.ip),
  });

  app.post('/posts/:post_id/unpin', {
    config: admin,
    schema: {
      tags,
      summary: 'Unpin a post (admins)',
      params: PostParamsSchema,
      response: { 200: PostSchema, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => forum.setPinned(ctx, actorOf(request), request.params.post_id, false, request.ip),
  });

  app.put('/posts/:post_id/bookmark', {
    schema: {
      tags,
      summary: 'Bookmark a post (idempotent)',
      params: PostParamsSchema,
      response: { 200: BookmarkResultSchema, ...problems(400, 401, 404) },
    },
    handler: async (request) => addBookmark(ctx, actorOf(request), FORUM_POST, request.params.post_id),
  });

  app.delete('/posts/:post_id/bookmark', {
    schema: {
      tags,
      summary: 'Remove a bookmark (idempotent)',
      params: PostParamsSchema,
      response: { ...noContent, ...problems(400, 401) },
    },
    handler: async (request, reply) => {
      await removeBookmark(ctx, actorOf(request), FORUM_POST, request.params.post_id);
      return reply.code(204).send(null);
    },
  });

  app.get('/bookmarks', {
    schema: {
      tags,
      summary: "The caller's bookmarked posts, most recently saved first",
      querystring: PageQuerySchema,
      response: { 200: pageSchema(PostSchema), ...problems(400, 401) },
    },
    handler: async (request) => forum.listMyBookmarks(ctx, actorOf(request), request.query),
  });
};
