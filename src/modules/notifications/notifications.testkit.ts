import { expect } from 'vitest';
import type { TestUser } from '../../../test/helpers.js';

export interface NotificationView {
  id: string;
  type: string;
  title: string;
  message: string;
  link: string | null;
  priority: string;
  metadata: Record<string, unknown>;
  is_read: boolean;
  read_at: string | null;
  created_at: string;
}

export async function listOf(user: TestUser, query = 'limit=100') {
  const res = await user.inject({ method: 'GET', url: `/api/notifications?${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { results: NotificationView[]; next_cursor: string | null };
}

/** Notifications are made by a job after commit: poll until `count` of `type` exist (then return them). */
export async function waitForNotifications(user: TestUser, type: string, count = 1, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await listOf(user)).results.filter((n) => n.type === type);
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`${user.email} has ${found.length} of ${count} ${type} notifications after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Lets queued jobs run (polling is 0.5 s in tests), for "nothing happened" assertions. */
export const settle = (ms = 2000) => new Promise((r) => setTimeout(r, ms));

export const setPreferences = async (user: TestUser, payload: object) => {
  const res = await user.inject({ method: 'PUT', url: '/api/notifications/preferences', payload });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};
