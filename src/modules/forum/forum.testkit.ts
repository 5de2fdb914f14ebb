import { expect } from 'vitest';
import type { TestUser } from '../../../test/helpers.js';

let n = 0;
/** Creates a post through the API and returns its body. */
export async function createPost(user: TestUser, overrides: Record<string, unknown> = {}) {
  const res = await user.inject({
    method: 'POST',
    url: '/api/forum/posts',
    payload: { title: `Post ${++n}`, content: `Some **markdown** ${n}`, tags: ['career'], ...overrides },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as {
    id: string;
    title: string;
    tags: string[];
    likes_count: number;
    comments_count: number;
    is_pinned: boolean;
    author_id: string;
  };
}

export async function comment(user: TestUser, postId: string, content = 'A comment', parent?: string) {
  const res = await user.inject({
    method: 'POST',
    url: `/api/forum/posts/${postId}/comments`,
    payload: { content, ...(parent ? { parent_comment_id: parent } : {}) },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; post_id: string; parent_comment_id: string | null; depth: number; content: string };
}

export const getPost = (user: TestUser, postId: string) => user.inject({ method: 'GET', url: `/api/forum/posts/${postId}` });
export const like = (user: TestUser, url: string) => user.inject({ method: 'POST', url: `${url}/like` });
export const report = (user: TestUser, url: string, reason = 'spam', text = 'looks like spam') =>
  user.inject({ method: 'POST', url: `${url}/report`, payload: { reason, text } });
