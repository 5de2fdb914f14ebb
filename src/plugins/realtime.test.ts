import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, setPreferences, testRedisUrl, type TestApp, type TestUser } from '../../test/helpers.js';
import { users } from '../modules/auth/auth.tables.js';
import { deliver, inTransaction } from '../modules/notifications/notifications.deliver.js';
import { openSse, openWs } from './realtime.testkit.js';

let t: TestApp;
let base: string;
// The fallback poll is left slow: streams that end within seconds below were ended by the revocation notice.
const fast = { realtime: { heartbeatMs: 150, sessionCheckMs: 60_000 } };

const listen = async (app: FastifyInstance) => {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  t = await createTestApp({}, fast);
  base = await listen(t.app);
});
afterAll(() => t?.close());

const notify = (user: TestUser, title = 'Hello', app: FastifyInstance = t.app) =>
  inTransaction(app.ctx, (tx, d) =>
    deliver(app.ctx, tx, 'announcement', [{ userId: user.id, content: { title, message: `${title}!`, link: '/x' } }], d),
  );
const auth = (user: TestUser) => ({ authorization: `Bearer ${user.token}` });

describe('Server-Sent Events', () => {
  it('when a member listens, then a new notification arrives as {type, data} with an id, heartbeats flow, and nothing is compressed', async () => {
    const user = await t.user('alumni');
    const stream = openSse(`${base}/api/notifications/stream`, { ...auth(user), 'accept-encoding': 'gzip, br' });
    const res = await stream.response;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    await stream.waitForHeartbeat();
    const [made] = await notify(user, 'Live one');
    const event = await stream.waitFor((e) => e.type === 'notification.created');
    expect(event).toMatchObject({ id: String(made.seq), data: { id: made.id, title: 'Live one', is_read: false, link: '/x' } });
    await stream.close();
  });

  it('when the token comes as ?access_token=, then it is accepted; no or a bad token is 401', async () => {
    const user = await t.user('alumni');
    const stream = openSse(`${base}/api/notifications/stream?access_token=${user.token}`);
    expect((await stream.response).statusCode).toBe(200);
    await notify(user, 'Via query');
    await stream.waitFor((e) => e.data.title === 'Via query');
    await stream.close();
    for (const url of [`${base}/api/notifications/stream`, `${base}/api/notifications/stream?access_token=nope`]) {
      const denied = openSse(url);
      expect((await denied.response).statusCode).toBe(401);
      expect(JSON.parse(await denied.body())).toMatchObject({ code: 'unauthenticated' });
    }
  });

  it('when a client reconnects with Last-Event-ID, then what it missed is replayed in order, then live events follow', async () => {
    const user = await t.user('alumni');
    const [first] = await notify(user, 'one');
    await notify(user, 'two');
    await notify(user, 'three');
    const stream = openSse(`${base}/api/notifications/stream`, { ...auth(user), 'last-event-id': String(first.seq) });
    await stream.waitFor((e) => e.data.title === 'three');
    await notify(user, 'four');
    await stream.waitFor((e) => e.data.title === 'four');
    expect(stream.events.map((e) => e.data.title)).toEqual(['two', 'three', 'four']);
    await stream.close();
  });

  it('when the member logs out, then the stream of that session ends within seconds while another session’s stays', async () => {
    const user = await t.user('alumni');
    const other = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: user.password } });
    const otherToken = other.json().access_token as string;
    const stream = openSse(`${base}/api/notifications/stream`, auth(user));
    const kept = openSse(`${base}/api/notifications/stream`, { authorization: `Bearer ${otherToken}` });
    expect((await stream.response).statusCode).toBe(200);
    expect((await kept.response).statusCode).toBe(200);
    expect((await user.inject({ method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(204);
    await stream.waitForEnd(5000);
    expect(stream.events.at(-1)).toMatchObject({ type: 'stream.closed' });
    await notify(user, 'after logout');
    await kept.waitFor((e) => e.data.title === 'after logout');
    expect(kept.ended).toBe(false);
    await kept.close();
  });

  it('when an admin suspends the member, then their open streams end within seconds', async () => {
    const user = await t.user('alumni');
    const stream = openSse(`${base}/api/notifications/stream`, auth(user));
    expect((await stream.response).statusCode).toBe(200);
    await t.app.ctx.db.update(users).set({ status: 'suspended' }).where(eq(users.id, user.id));
    await stream.waitForEnd(5000);
    expect(stream.events.at(-1)).toMatchObject({ type: 'stream.closed', data: { reason: 'session ended' } });
  });

  it('when an admin changes the member’s role, then their stream stays open (the session did not end)', async () => {
    const user = await t.user('student');
    const stream = openSse(`${base}/api/notifications/stream`, auth(user));
    expect((await stream.response).statusCode).toBe(200);
    await t.app.ctx.db.update(users).set({ role: 'alumni' }).where(eq(users.id, user.id));
    await new Promise((r) => setTimeout(r, 500)); // the notice and its session check had their chance
    await notify(user, 'still here');
    await stream.waitFor((e) => e.data.title === 'still here');
    expect(stream.ended).toBe(false);
    await stream.close();
  });

  it('when the member turned real-time pushes off, then the notification is stored but not pushed', async () => {
    const user = await t.user('alumni');
    await setPreferences(user, { push_notifications: false });
    const stream = openSse(`${base}/api/notifications/stream`, auth(user));
    await stream.response;
    await notify(user, 'quiet');
    await new Promise((r) => setTimeout(r, 500));
    expect(stream.events).toHaveLength(0);
    await stream.close();
  });
});

describe('WebSocket', () => {
  it('when /api/ws is asked for without an upgrade, then 426 problem+json; without a token, 401', async () => {
    const user = await t.user('alumni');
    const plain = await user.inject({ method: 'GET', url: '/api/ws' });
    expect(plain.statusCode).toBe(426);
    expect(plain.headers['content-type']).toContain('application/problem+json');
    expect(plain.json().code).toBe('upgrade_required');
    expect((await t.app.inject({ method: 'GET', url: '/api/ws' })).statusCode).toBe(401);
  });

  it('when a member connects with ?access_token=, then notifications arrive as JSON and a ping gets a pong', async () => {
    const user = await t.user('alumni');
    const ws = await openWs(`${base.replace('http', 'ws')}/api/ws?access_token=${user.token}`);
    const [made] = await notify(user, 'Over ws');
    expect(await ws.waitFor((e) => e.type === 'notification.created')).toMatchObject({
      id: String(made.seq),
      data: { id: made.id, title: 'Over ws' },
    });
    ws.socket.send(JSON.stringify({ type: 'ping' }));
    await ws.waitFor((e) => e.type === 'pong');
    ws.close();
  });

  it('when the header carries the token, then it connects; without a token the upgrade is refused with 401', async () => {
    const user = await t.user('alumni');
    const ws = await openWs(`${base.replace('http', 'ws')}/api/ws`, auth(user));
    ws.close();
    await expect(openWs(`${base.replace('http', 'ws')}/api/ws`)).rejects.toThrow('HTTP 401');
  });

  it('when the member logs out, then the socket is closed within seconds', async () => {
    const user = await t.user('alumni');
    const ws = await openWs(`${base.replace('http', 'ws')}/api/ws`, auth(user));
    expect((await user.inject({ method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(204);
    expect(await ws.waitForClose(5000)).toBe(4001);
  });
});

describe.skipIf(!testRedisUrl)('across instances (Redis)', () => {
  it('when a notification is made on one instance, then clients of another receive it once, over SSE and WebSocket', async () => {
    const sibling = await t.sibling();
    const siblingBase = await listen(sibling);
    await Promise.all([t.app.ctx.realtime.ready(), sibling.ctx.realtime.ready()]);
    const user = await t.user('alumni');
    const sse = openSse(`${siblingBase}/api/notifications/stream`, auth(user));
    await sse.response;
    const ws = await openWs(`${siblingBase.replace('http', 'ws')}/api/ws`, auth(user));
    const local = openSse(`${base}/api/notifications/stream`, auth(user));
    await local.response;
    await notify(user, 'cross', t.app);
    await sse.waitFor((e) => e.data.title === 'cross');
    await ws.waitFor((e) => e.data.title === 'cross');
    await local.waitFor((e) => e.data.title === 'cross');
    await new Promise((r) => setTimeout(r, 300));
    for (const events of [sse.events, ws.events, local.events]) expect(events.filter((e) => e.data?.title === 'cross')).toHaveLength(1);
    await sse.close();
    await local.close();
    ws.close();
  });
});
