/** bench: Settings (environment knobs, documented in docs/benchmarks.md) */
import { TargetName } from './targets.js';

const int = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number (got ${raw})`);
  return value;
};

export const settings = {
  connections: int('BENCH_CONNECTIONS', 32),
  duration: int('BENCH_DURATION', 10),
  warmup: int('BENCH_WARMUP', 1),
  poolSize: int('BENCH_POOL_SIZE', 20),
  targets: (process.env.BENCH_TARGETS ?? 'postgres,embedded')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean) as TargetName[],
  pgUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  pgDatabase: process.env.BENCH_DATABASE ?? 'cohort_bench',
  profileRows: int('BENCH_PROFILES', 100_000),
  jobs: int('BENCH_JOBS', 5_000),
  /** notifications: the fullest of the three inboxes (the others hold 0 and 50). */
  notifications: int('BENCH_NOTIFICATIONS', 5_000),
  /** realtime: open streams (half SSE, half WebSocket), the members they belong to, broadcasts in the burst. */
  rtConnections: int('BENCH_RT_CONNECTIONS', 2_000),
  rtUsers: int('BENCH_RT_USERS', 200),
  rtBroadcasts: int('BENCH_RT_BROADCASTS', 20),
  /** realtime: with a Redis URL, also two Cohort instances sharing it. */
  redisUrl: process.env.BENCH_REDIS_URL || undefined,
  mentorProfiles: int('BENCH_MENTOR_PROFILES', 100_000),
  mentors: int('BENCH_MENTORS', 5_000),
  events: int('BENCH_EVENTS', 20_000),
  rsvps: int('BENCH_RSVPS', 500_000),
  forumPosts: int('BENCH_FORUM_POSTS', 20_000),
  adminProfiles: int('BENCH_ADMIN_PROFILES', 100_000),
  /** A directory: Cohort runs with --cpu-prof and writes its CPU profile there when it stops. */
  cpuProf: process.env.BENCH_CPU_PROF || undefined,
  verbose: process.env.BENCH_VERBOSE === '1',
  keep: process.env.BENCH_KEEP === '1',
};

// A fixed secret shared by Cohort and the floor, so the floor can verify Cohort's tokens.
export const JWT_SECRET = 'bench-only-secret-0123456789abcdefghijklmnopqrstuvwxyz';
export const ADMIN = { email: 'bench-admin@example.com', password: 'Bench-admin-password-42' };
/** The password of the members a scenario writes into `users` (bench/lib/members.ts). */
export const MEMBER_PASSWORD = 'Bench-member-password-42';
