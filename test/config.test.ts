import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const problemsOf = (env: NodeJS.ProcessEnv) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message
      .split('\n')
      .slice(1)
      .map((l) => l.trim());
  }
  throw new Error('loadConfig accepted a bad environment');
};

describe('loadConfig', () => {
  it('when nothing is set, then the documented defaults apply', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      env: 'development',
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: resolve('./data'),
      redisUrl: undefined,
      smtpUrl: undefined,
      mailFrom: 'Cohort <no-reply@localhost>',
      publicUrl: 'http://127.0.0.1:3000',
      jwtSecret: undefined,
      admin: undefined,
      s3: undefined,
      logLevel: 'info',
      corsOrigins: [],
      trustProxy: [],
      metricsToken: undefined,
    });
    expect(c.rateLimits).toEqual({
      globalPerMinute: 1000,
      loginIpPerMinute: 60,
      loginFailuresPer15Min: 10,
      registerIpPerHour: 20,
      accountMailPerHour: 5,
      authIpPerMinute: 60,
    });
  });

  it('when values are given, then they are parsed (numbers, lists, trailing slash of PUBLIC_URL)', () => {
    const c = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://cohort.example.org/',
      CORS_ORIGINS: 'https://a.example, https://b.example,',
      TRUST_PROXY: '10.0.0.1',
      RATE_LIMIT_LOGIN_IP_PER_MINUTE: '7',
      ADMIN_EMAIL: 'root@example.org',
      ADMIN_PASSWORD: 'a-long-admin-password',
    });
    expect(c.port).toBe(8080);
    expect(c.publicUrl).toBe('https://cohort.example.org');
    expect(c.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.trustProxy).toEqual(['10.0.0.1']);
    expect(c.rateLimits.loginIpPerMinute).toBe(7);
    expect(c.admin).toEqual({ email: 'root@example.org', password: 'a-long-admin-password' });
  });

  it('when a variable is empty, then it counts as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 3000, databaseUrl: undefined });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DATABASE_URL', 'localhost:5432'],
    ['JWT_SECRET', 'too-short'],
    ['REDIS_URL', 'localhost:6379'],
    ['SMTP_URL', 'mail.example.org'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
    ['RATE_LIMIT_LOGIN_IP_PER_MINUTE', '0'],
  ])('when %s is %j, then a ConfigError names that variable on one line', (name, value) => {
    const lines = problemsOf({ [name]: value });
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`${name}:`)).toBe(true);
  });

  it('when several variables are bad, then each gets exactly one line', () => {
    const lines = problemsOf({ PORT: 'abc', DATABASE_URL: 'mysql://x', JWT_SECRET: 'short' });
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'JWT_SECRET', 'PORT']);
  });

  it('when a secret is rejected, then the message does not echo its value', () => {
    const message = problemsOf({
      JWT_SECRET: 'hunter2-secret',
      ADMIN_EMAIL: 'a@b.co',
      ADMIN_PASSWORD: 'short-pw',
      DATABASE_URL: 'mysql://u:pw-in-url@x/db',
    }).join('\n');
    expect(message).not.toContain('hunter2-secret');
    expect(message).not.toContain('short-pw');
    expect(message).not.toContain('pw-in-url');
    expect(message).toContain('JWT_SECRET');
    expect(message).toContain('ADMIN_PASSWORD');
  });

  it('when NODE_ENV is production without JWT_SECRET, then start-up is refused naming JWT_SECRET', () => {
    const lines = problemsOf({ NODE_ENV: 'production' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^JWT_SECRET: required when NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).env).toBe('production');
  });

  it('when only one of ADMIN_EMAIL and ADMIN_PASSWORD is set, then it is refused', () => {
    expect(problemsOf({ ADMIN_EMAIL: 'root@example.org' })[0]).toMatch(/ADMIN_EMAIL/);
  });
});
