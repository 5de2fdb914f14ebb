import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { resolve } from 'node:path';

/**
 * The only reader of process.env. Every variable is declared here with its default;
 * a bad value stops start-up with one line per offending variable.
 */
const EnvSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], { default: 'development' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  MAIL_FROM: Type.String({ minLength: 3, default: 'Cohort <no-reply@localhost>' }),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  ADMIN_EMAIL: Type.Optional(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$' })),
  ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 10 })),
  S3_BUCKET: Type.Optional(Type.String({ minLength: 1 })),
  S3_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  S3_REGION: Type.String({ minLength: 1, default: 'us-east-1' }),
  S3_ACCESS_KEY_ID: Type.Optional(Type.String({ minLength: 1 })),
  S3_SECRET_ACCESS_KEY: Type.Optional(Type.String({ minLength: 1 })),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  CORS_ORIGINS: Type.String({ default: '' }),
  TRUST_PROXY: Type.String({ default: '' }),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  DB_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
  // Socket timeouts in milliseconds, so idle and slow (slowloris) clients cannot hold sockets.
  HTTP_HEADERS_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 600_000, default: 10_000 }),
  HTTP_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 300_000 }),
  HTTP_IDLE_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 60_000 }),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 600_000, default: 5000 }),
  // Rate limits (API.md defaults). Windows are fixed; figures are per window.
  RATE_LIMIT_GLOBAL_PER_MINUTE: Type.Integer({ minimum: 1, default: 1000 }),
  RATE_LIMIT_LOGIN_IP_PER_MINUTE: Type.Integer({ minimum: 1, default: 60 }),
  RATE_LIMIT_LOGIN_FAILURES_PER_15_MIN: Type.Integer({ minimum: 1, default: 10 }),
  RATE_LIMIT_REGISTER_IP_PER_HOUR: Type.Integer({ minimum: 1, default: 20 }),
  RATE_LIMIT_ACCOUNT_MAIL_PER_HOUR: Type.Integer({ minimum: 1, default: 5 }),
  RATE_LIMIT_AUTH_IP_PER_MINUTE: Type.Integer({ minimum: 1, default: 60 }),
});

type Env = Static<typeof EnvSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  databaseUrl?: string;
  dataDir: string;
  redisUrl?: string;
  smtpUrl?: string;
  mailFrom: string;
  publicUrl: string;
  jwtSecret?: string;
  admin?: { email: string; password: string };
  s3?: { bucket: string; endpoint?: string; region: string; accessKeyId?: string; secretAccessKey?: string };
  logLevel: string;
  corsOrigins: string[];
  trustProxy: string[];
  metricsToken?: string;
  dbPoolSize: number;
  /** Milliseconds: the whole header block, the whole request (large uploads), a silent socket, an idle keep-alive socket. */
  httpTimeouts: { headers: number; request: number; idle: number; keepAlive: number };
  rateLimits: {
    globalPerMinute: number;
    loginIpPerMinute: number;
    loginFailuresPer15Min: number;
    registerIpPerHour: number;
    accountMailPerHour: number;
    authIpPerMinute: number;
  };
}

export class ConfigError extends Error {}

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const SECRET_VARIABLES = new Set(['JWT_SECRET', 'ADMIN_PASSWORD', 'METRICS_TOKEN', 'S3_SECRET_ACCESS_KEY']);
const shown = (name: string, value: unknown) => {
  if (value === undefined) return 'nothing';
  if (SECRET_VARIABLES.has(name)) return `a value of ${String(value).length} characters`;
  return JSON.stringify(String(value).replace(/\/\/[^/@\s]*@/, '//***@'));
};

/** Parses an environment (process.env by default) into a Config, or throws ConfigError naming every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = source[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const converted = Value.Default(EnvSchema, Value.Convert(EnvSchema, raw)) as Env;
  const problems: string[] = [];
  for (const e of Value.Errors(EnvSchema, converted)) {
    const name = e.path.replace(/^\//, '');
    // One line per variable, and never the value of a secret (these lines end up in logs).
    if (problems.some((p) => p.startsWith(`${name}:`))) continue;
    problems.push(`${name}: ${e.message} (got ${shown(name, raw[name])})`);
  }
  if (converted.NODE_ENV === 'production' && !converted.JWT_SECRET && !problems.some((p) => p.startsWith('JWT_SECRET'))) {
    problems.push('JWT_SECRET: required when NODE_ENV=production (at least 32 characters)');
  }
  if (Boolean(converted.ADMIN_EMAIL) !== Boolean(converted.ADMIN_PASSWORD)) {
    problems.push('ADMIN_EMAIL/ADMIN_PASSWORD: set both or neither');
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);

  const e = converted;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.DATA_DIR),
    redisUrl: e.REDIS_URL,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    publicUrl: (e.PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/$/, ''),
    jwtSecret: e.JWT_SECRET,
    admin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD } : undefined,
    s3: e.S3_BUCKET
      ? {
          bucket: e.S3_BUCKET,
          endpoint: e.S3_ENDPOINT,
          region: e.S3_REGION,
          accessKeyId: e.S3_ACCESS_KEY_ID,
          secretAccessKey: e.S3_SECRET_ACCESS_KEY,
        }
      : undefined,
    logLevel: e.LOG_LEVEL,
    corsOrigins: list(e.CORS_ORIGINS),
    trustProxy: list(e.TRUST_PROXY),
    metricsToken: e.METRICS_TOKEN,
    dbPoolSize: e.DB_POOL_SIZE,
    httpTimeouts: {
      headers: e.HTTP_HEADERS_TIMEOUT_MS,
      request: e.HTTP_REQUEST_TIMEOUT_MS,
      idle: e.HTTP_IDLE_TIMEOUT_MS,
      keepAlive: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    rateLimits: {
      globalPerMinute: e.RATE_LIMIT_GLOBAL_PER_MINUTE,
      loginIpPerMinute: e.RATE_LIMIT_LOGIN_IP_PER_MINUTE,
      loginFailuresPer15Min: e.RATE_LIMIT_LOGIN_FAILURES_PER_15_MIN,
      registerIpPerHour: e.RATE_LIMIT_REGISTER_IP_PER_HOUR,
      accountMailPerHour: e.RATE_LIMIT_ACCOUNT_MAIL_PER_HOUR,
      authIpPerMinute: e.RATE_LIMIT_AUTH_IP_PER_MINUTE,
    },
  };
}
