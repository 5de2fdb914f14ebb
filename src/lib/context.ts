import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type pg from 'pg';
import type { EventBus } from './events.js';
import type { Jobs } from './jobs.js';
import type { Mailer } from './mail.js';
import type { CursorCodec } from './pagination.js';
import type { Limiter } from './limiter.js';
import type { Role } from './schemas.js';
import type { Realtime } from './realtime.js';
import type { Storage } from './storage.js';

/** What every service function receives: the database plus the few shared facilities. */
export interface AppContext {
  config: Config;
  db: Db;
  pool: pg.Pool;
  jobs: Jobs;
  events: EventBus;
  mailer: Mailer;
  cursors: CursorCodec;
  limiter: Limiter;
  storage: Storage;
  /** Pushes events to users' open SSE / WebSocket connections, on every instance. */
  realtime: Realtime;
  jwtKey: Uint8Array;
  redis?: Redis;
  /** Namespace for this app's Redis keys (rate limits, caches). */
  redisPrefix?: string;
  log: FastifyBaseLogger;
}

/**
 * The signed-in caller, as their access token names them (authentication reads nothing else: see
 * src/modules/auth/auth.revocations.ts). Read other account fields (name, e-mail) where needed.
 */
export interface Actor {
  id: string;
  role: Role;
  sessionId: string;
}
