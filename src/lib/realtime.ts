import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';

/** What clients receive (API.md "Real time"): `{ type, data }`; `id` is the SSE event id, if any. */
export interface RealtimeEvent {
  type: string;
  data: unknown;
  id?: string;
}

/** One open SSE or WebSocket connection of a signed-in user. */
export interface Connection {
  userId: string;
  sessionId: string;
  send(event: RealtimeEvent): void;
  /** Ends the connection (session revoked, server closing). */
  close(reason: string): void;
}

export interface Realtime {
  /** Sends events to users' open connections on every instance. Call after the write committed. */
  publish(items: { userId: string; event: RealtimeEvent }[]): void;
  /** Registers a connection on this instance; returns the function that removes it. */
  attach(connection: Connection): () => void;
  connections(): Connection[];
  /** This instance's open connections of one user. */
  connectionsOf(userId: string): Connection[];
  /** Resolves once the Redis subscription is active (immediately without Redis). */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

type Wire = { u: string; e: RealtimeEvent }[];

/**
 * Fan-out hub. Without Redis, events go to this process's connections directly. With Redis, every
 * publish goes through one channel under the instance's prefix and a dedicated subscriber
 * connection (a subscribed ioredis connection can do nothing else) delivers it to local sockets on
 * every instance, this one included — so each event reaches each connection exactly once.
 */
export function createRealtime(options: { redis?: Redis; prefix: string; log: FastifyBaseLogger }): Realtime {
  const byUser = new Map<string, Set<Connection>>();
  const channel = `${options.prefix}realtime`;

  const dispatch = (items: Wire) => {
    for (const { u, e } of items) {
      const conns = byUser.get(u);
      if (!conns) continue;
      for (const c of conns) {
        try {
          c.send(e);
        } catch (err) {
          options.log.warn({ err }, 'real-time send failed');
        }
      }
    }
  };

  let subscriber: Redis | undefined;
  let subscribed: Promise<unknown> | undefined;
  if (options.redis) {
    subscriber = options.redis.duplicate();
    subscriber.on('message', (ch: string, message: string) => {
      if (ch !== channel) return;
      try {
        dispatch(JSON.parse(message) as Wire);
      } catch (err) {
        options.log.warn({ err }, 'bad real-time message');
      }
    });
    subscriber.on('error', (err) => options.log.warn({ err }, 'real-time subscriber error'));
    subscribed = subscriber.subscribe(channel).catch((err) => options.log.error({ err }, 'real-time subscribe failed'));
  }

  return {
    publish(items) {
      if (!items.length) return;
      const wire: Wire = items.map((i) => ({ u: i.userId, e: i.event }));
      if (options.redis) {
        options.redis.publish(channel, JSON.stringify(wire)).catch((err) => options.log.warn({ err }, 'real-time publish failed'));
      } else {
        dispatch(wire);
      }
    },
    attach(connection) {
      let set = byUser.get(connection.userId);
      if (!set) byUser.set(connection.userId, (set = new Set()));
      set.add(connection);
      return () => {
        set.delete(connection);
        if (!set.size && byUser.get(connection.userId) === set) byUser.delete(connection.userId);
      };
    },
    ready: async () => {
      await subscribed;
    },
    connections: () => [...byUser.values()].flatMap((s) => [...s]),
    connectionsOf: (userId) => [...(byUser.get(userId) ?? [])],
    async stop() {
      for (const c of [...byUser.values()].flatMap((s) => [...s])) c.close('server closing');
      byUser.clear();
      if (subscriber) {
        await subscribed;
        subscriber.disconnect();
      }
    },
  };
}
