import compress from '@fastify/compress';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { serializeError } from './db/errors.js';
import type { AppContext } from './lib/context.js';
import { createEventBus, eventDeliveryJobs, subscriberJobs, type Subscriber } from './lib/events.js';
import { startJobs, type Jobs } from './lib/jobs.js';
import { createMemoryLimiter, createRedisLimiter } from './lib/limiter.js';
import { createMailer, type Mailer } from './lib/mail.js';
import { createRealtime } from './lib/realtime.js';
import { createCursorCodec } from './lib/pagination.js';
import { createStorage, type Storage } from './lib/storage.js';
import { adminConsoleRoutes } from './modules/admin/admin.routes.js';
import { filesRoutes } from './modules/files/files.routes.js';
import { forumRoutes } from './modules/forum/forum.routes.js';
import { moderationRoutes } from './modules/engagement/moderation.routes.js';
import { applicationsRoutes } from './modules/jobs/applications.routes.js';
import { jobsRoutes } from './modules/jobs/jobs.routes.js';
import { recruiterRoutes } from './modules/jobs/recruiter.routes.js';
import { eventsAnalyticsRoutes } from './modules/events/events.analytics.routes.js';
import { eventJobs } from './modules/events/events.reminders.js';
import { eventsRoutes } from './modules/events/events.routes.js';
import { adminProfilesRoutes } from './modules/profiles/profiles.admin.routes.js';
import { profilesJobs } from './modules/profiles/profiles.jobs.js';
import { profilesRoutes } from './modules/profiles/profiles.routes.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { ensureAdmin } from './modules/auth/auth.service.js';
import { startRevocations } from './modules/auth/auth.revocations.js';
import { startSettings } from './modules/admin/settings.service.js';
import { healthRoutes } from './modules/health/health.routes.js';
import { mailJobs } from './modules/mail/mail.jobs.js';
import { mentorshipJobs } from './modules/mentorship/mentorship.jobs.js';
import { mentorshipModule } from './modules/mentorship/mentorship.routes.js';
import { notificationJobs } from './modules/notifications/notifications.jobs.js';
import { notificationRules } from './modules/notifications/notifications.registry.js';
import { adminNotificationsRoutes, notificationsRoutes } from './modules/notifications/notifications.routes.js';
import { jobMatchSubscriber } from './modules/notifications/notifications.job-match.js';
import { rulesSubscriber } from './modules/notifications/notifications.subscribers.js';
import authPlugin from './plugins/auth.js';
import errorsPlugin, { frameworkErrors } from './plugins/errors.js';
import jsonBodyPlugin from './plugins/json-body.js';
import metricsPlugin from './plugins/metrics.js';
import rateLimitPlugin from './plugins/rate-limit.js';
import realtimePlugin, { type RealtimeOptions } from './plugins/realtime.js';
import securityHeadersPlugin from './plugins/security-headers.js';
import strictInputPlugin from './plugins/strict-input.js';
import swaggerPlugin from './plugins/swagger.js';

export interface AppDeps {
  database: Database;
  jwtKey: Uint8Array;
  /** Defaults to SMTP_URL or the log; tests pass an inbox. */
  mailer?: Mailer;
  /** Run job handlers in this process (the server does; `cohort worker` runs them alone). */
  work?: boolean;
  /** Namespace for Redis keys, so separate test apps do not share limits unless they mean to. */
  redisPrefix?: string;
  jobPollingSeconds?: number;
  /** Defaults to local disk under DATA_DIR, or S3 when configured. */
  storage?: Storage;
  /** Where the log goes (standard output by default); tests read it. */
  logStream?: { write(line: string): void };
  /** Heartbeat and session-check periods of the real-time streams (tests shorten them). */
  realtime?: Omit<RealtimeOptions, 'ctx'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
  }
}

const subscribers: Subscriber<AppContext, any>[] = [rulesSubscriber(notificationRules), jobMatchSubscriber];
const jobDefinitions = [
  ...mailJobs,
  ...notificationJobs,
  ...subscriberJobs(subscribers),
  ...eventDeliveryJobs<AppContext>(),
  ...eventJobs,
  ...mentorshipJobs,
  ...profilesJobs,
];

const loggerOptions = (config: Config) => ({
  level: config.logLevel,
  // Database errors are logged as statement and SQLSTATE, never with their parameter values.
  serializers: { err: (err: Error) => serializeError(err, pino.stdSerializers.err) },
  redact: ['req.headers.authorization', 'req.headers.cookie', 'req.query.access_token', '*.password', '*.new_password', '*.token'],
});

/** Builds the whole application (used by the server, the worker and the tests); never listens. */
export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { ...loggerOptions(config), ...(deps.logStream ? { stream: deps.logStream } : {}) },
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w-]{8,64}$/.test(incoming) ? incoming : randomUUID();
    },
    trustProxy: config.trustProxy.length ? config.trustProxy : false,
    bodyLimit: 1024 * 1024,
    // Slow or idle clients lose their socket (config.ts documents each timeout).
    connectionTimeout: config.httpTimeouts.idle,
    requestTimeout: config.httpTimeouts.request,
    keepAliveTimeout: config.httpTimeouts.keepAlive,
    // Node checks the headers and request timeouts on this interval (30 s by default, which would let a
    // slowloris client keep its socket up to 30 s past the headers timeout).
    http: { headersTimeout: config.httpTimeouts.headers, connectionsCheckingInterval: Math.min(1000, config.httpTimeouts.headers) },
    // The errors plugin answers requests during shutdown with problem+json instead.
    return503OnClosing: false,
    frameworkErrors,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // ioredis is loaded only when REDIS_URL is set.
  const redis = config.redisUrl
    ? new (await import('ioredis')).Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 })
    : undefined;
  const prefix = deps.redisPrefix ?? 'cohort:';
  // Assigned once the queue has started; the context is needed to start it (handlers receive it).
  // eslint-disable-next-line prefer-const
  let jobs: Jobs | undefined;
  const ctx: AppContext = {
    config,
    db: deps.database.db,
    pool: deps.database.pool,
    get jobs() {
      if (!jobs) throw new Error('jobs are not started');
      return jobs;
    },
    events: createEventBus(subscribers, () => ctx.jobs),
    mailer: deps.mailer ?? createMailer(config.smtpUrl, config.mailFrom, app.log),
    cursors: createCursorCodec(Buffer.from(deps.jwtKey).toString('hex')),
    limiter: redis ? createRedisLimiter(redis, prefix) : createMemoryLimiter(),
    storage: deps.storage ?? createStorage(config),
    realtime: createRealtime({ redis, prefix, log: app.log }),
    jwtKey: deps.jwtKey,
    redis,
    redisPrefix: prefix,
    log: app.log,
  };
  jobs = await startJobs(ctx.pool, jobDefinitions, {
    work: deps.work ?? true,
    ctx: () => ctx,
    onError: (err) => app.log.error({ err }, 'job queue error'),
    pollingIntervalSeconds: deps.jobPollingSeconds,
  });
  app.decorate('ctx', ctx);
  const revocations = await startRevocations(ctx);
  const settings = await startSettings(ctx);
  app.addHook('onClose', async () => {
    await revocations.stop();
    settings.stop();
    await jobs?.stop();
    await ctx.realtime.stop();
    ctx.mailer.close();
    redis?.disconnect();
  });

  await app.register(errorsPlugin);
  await app.register(jsonBodyPlugin);
  await app.register(strictInputPlugin);
  await app.register(securityHeadersPlugin);
  await app.register(cors, { origin: config.corsOrigins.length ? config.corsOrigins : false, credentials: true });
  await app.register(compress, { global: true, threshold: 2048 });
  await app.register(multipart, { limits: { fileSize: 5 * 1024 * 1024, files: 1, fields: 10 } });
  await app.register(swaggerPlugin);
  await app.register(authPlugin, { ctx });
  await app.register(rateLimitPlugin, { ctx, prefix });
  await app.register(metricsPlugin, { ctx });

  await app.register(healthRoutes, { prefix: '/api/health', ctx });
  await app.register(authRoutes, { prefix: '/api/auth', ctx });
  await app.register(filesRoutes, { prefix: '/api/files', ctx });
  await app.register(profilesRoutes, { prefix: '/api/profiles', ctx });
  await app.register(adminProfilesRoutes, { prefix: '/api/admin', ctx });
  await app.register(jobsRoutes, { prefix: '/api/jobs', ctx });
  await app.register(applicationsRoutes, { prefix: '/api/applications', ctx });
  await app.register(recruiterRoutes, { prefix: '/api/recruiter', ctx });
  await app.register(forumRoutes, { prefix: '/api/forum', ctx });
  await app.register(moderationRoutes, { prefix: '/api/admin/content', ctx });
  await app.register(eventsRoutes, { prefix: '/api/events', ctx });
  await app.register(eventsAnalyticsRoutes, { prefix: '/api/analytics', ctx });
  await app.register(adminConsoleRoutes, { ctx });
  await app.register(mentorshipModule, { ctx });
  await app.register(notificationsRoutes, { prefix: '/api/notifications', ctx });
  await app.register(adminNotificationsRoutes, { prefix: '/api/admin/notifications', ctx });
  await app.register(realtimePlugin, { ctx, ...deps.realtime });

  if (config.admin) await ensureAdmin(ctx, config.admin.email, config.admin.password);
  await app.ready();
  return app;
}
