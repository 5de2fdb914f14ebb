import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, post, problemOf, uniqueEmail, type TestApp } from './helpers.js';

const METRICS_TOKEN = 'scraper-token-0123456789abcdef';
const ALLOWED_ORIGIN = 'https://app.cohort.test';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ METRICS_TOKEN, CORS_ORIGINS: `${ALLOWED_ORIGIN}, https://admin.cohort.test` });
});
afterAll(() => t?.close());

describe('errors are RFC 9457 problem+json', () => {
  it('when the route does not exist, then it answers 404 not_found problem+json', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/nope?x=1' });
    expect(res.statusCode).toBe(404);
    const problem = problemOf(res);
    expect(problem).toMatchObject({ status: 404, code: 'not_found', title: 'Not found', type: 'https://cohort.dev/problems/not-found' });
    expect(problem.detail).not.toContain('x=1');
  });

  it('when the JSON is malformed, then it answers 400 validation_failed without a stack trace', async () => {
    const res = await post(t.app, '/api/auth/login', '{"email":');
    expect(res.statusCode).toBe(400);
    expect(problemOf(res)).toMatchObject({ status: 400, code: 'validation_failed', errors: [{ field: 'body' }] });
    expect(res.body).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('when the JSON body is empty, then it answers 400', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).code).toBe('validation_failed');
  });

  it('when the body is over 1 MiB, then it answers 413 payload_too_large', async () => {
    const big = JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(1024 * 1024 + 10) });
    const res = await post(t.app, '/api/auth/login', big);
    expect(res.statusCode).toBe(413);
    expect(problemOf(res)).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('when the content type is not JSON, then it answers 415 unsupported_media_type', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'text/plain' },
      payload: 'email=a@b.co',
    });
    expect(res.statusCode).toBe(415);
    expect(problemOf(res)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it('when a JSON route gets form data, then it answers 415 too', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=a%40b.co&password=x',
    });
    expect(res.statusCode).toBe(415);
    expect(problemOf(res).code).toBe('unsupported_media_type');
  });

  it('when the body has an unknown property, then it answers 400 naming it', async () => {
    const res = await post(t.app, '/api/auth/login', { email: uniqueEmail(), password: 'whatever-123', role: 'admin' });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'role', message: 'is not an allowed property' }] });
  });
});

describe('headers', () => {
  it('when any response is sent, then it has nosniff and helmet headers and no X-Powered-By', async () => {
    // The last two never reach a route (a segment over the router's limit; a URL that does not decode).
    for (const url of ['/api/health', '/api/nope', `/api/jobs/${'a'.repeat(600)}`, '/api/jobs/%E0%A4%A']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers['x-request-id'], url).toMatch(/^[\w-]{8,}$/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBeDefined();
      expect(res.headers['strict-transport-security']).toBeDefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('when a request is made, then the answer carries an x-request-id, echoing a well-formed incoming one', async () => {
    const fresh = await t.app.inject({ method: 'GET', url: '/api/health' });
    expect(fresh.headers['x-request-id']).toMatch(/^[\w-]{8,}$/);
    const echoed = await t.app.inject({ method: 'GET', url: '/api/health', headers: { 'x-request-id': 'trace-abc-12345' } });
    expect(echoed.headers['x-request-id']).toBe('trace-abc-12345');
    const hostile = await t.app.inject({ method: 'GET', url: '/api/health', headers: { 'x-request-id': 'bad id\u0007<script>' } });
    expect(hostile.headers['x-request-id']).not.toContain('<script>');
  });

  it('when an allowed origin calls, then CORS allows it; when another origin calls, then it does not', async () => {
    const allowed = await t.app.inject({ method: 'GET', url: '/api/health', headers: { origin: ALLOWED_ORIGIN } });
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/auth/login',
      headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.statusCode).toBeLessThan(300);
    expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    const other = await t.app.inject({ method: 'GET', url: '/api/health', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('operations endpoints', () => {
  it('when /api/health is called, then it answers 200 {status: ok}', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('when /api/health/db is called with the database up, then it answers 200', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/health/db' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('when /api/openapi.json is read, then it is OpenAPI 3.1 listing every auth route', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\.1\./);
    const expected: [string, string][] = [
      ['post', '/api/auth/register'],
      ['post', '/api/auth/verify-email'],
      ['post', '/api/auth/resend-verification'],
      ['post', '/api/auth/login'],
      ['post', '/api/auth/refresh'],
      ['post', '/api/auth/logout'],
      ['post', '/api/auth/forgot-password'],
      ['post', '/api/auth/reset-password'],
      ['get', '/api/auth/me'],
    ];
    for (const [method, path] of expected) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    expect(doc.paths['/api/health']).toBeDefined();
    expect(doc.paths['/api/auth/me'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(JSON.stringify(doc.paths['/api/auth/register'])).not.toContain('password_hash');
  });

  it('when /api/openapi.json is read, then paths are spelled as the contract does (no trailing slash) and every route answers a documented 2xx', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const paths = Object.keys(doc.paths as Record<string, unknown>);
    expect(paths.filter((p) => p.length > 1 && p.endsWith('/'))).toEqual([]);
    for (const p of ['/api/events', '/api/mentors', '/api/notifications', '/api/jobs']) expect(doc.paths[p]?.get, p).toBeDefined();
    const undocumented: string[] = [];
    for (const [path, ops] of Object.entries(
      doc.paths as Record<string, Record<string, { tags?: string[]; summary?: string; responses?: object }>>,
    )) {
      for (const [method, op] of Object.entries(ops)) {
        const ok = Object.keys(op.responses ?? {}).some((code) => /^[23]/.test(code));
        // /api/ws answers only 101 (an upgrade) or a problem: its 2xx is the WebSocket itself.
        if (!op.tags?.length || !op.summary || (!ok && path !== '/api/ws')) undocumented.push(`${method} ${path}`);
      }
    }
    expect(undocumented).toEqual([]);
    expect(doc.paths['/api/notifications/stream'].get.responses['200'].content).toHaveProperty('text/event-stream');
  });

  it('when /api/docs is opened, then it serves an HTML page', async () => {
    let res = await t.app.inject({ method: 'GET', url: '/api/docs' });
    for (let hops = 0; res.statusCode >= 300 && res.statusCode < 400 && hops < 3; hops++) {
      res = await t.app.inject({ method: 'GET', url: new URL(res.headers.location as string, 'http://x/api/docs/').pathname });
    }
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/<html/i);
  });

  it('when /api/metrics is called anonymously, then it answers 401', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/metrics' });
    expect(res.statusCode).toBe(401);
    expect(problemOf(res).code).toBe('unauthenticated');
  });

  it('when a student calls /api/metrics, then it answers 403', async () => {
    const student = await t.user('student');
    const res = await student.inject({ method: 'GET', url: '/api/metrics' });
    expect(res.statusCode).toBe(403);
    expect(problemOf(res).code).toBe('forbidden');
  });

  it('when a wrong token is presented at /api/metrics, then it answers 401', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/metrics', headers: { authorization: 'Bearer not-the-metrics-token' } });
    expect(res.statusCode).toBe(401);
  });

  it('when an admin calls /api/metrics, then it answers Prometheus text with HTTP, pool and queue metrics', async () => {
    const admin = await t.user('admin');
    await t.app.inject({ method: 'GET', url: '/api/health' });
    const res = await admin.inject({ method: 'GET', url: '/api/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('http_requests_total{method="GET",route="/api/health",status="200"}');
    expect(res.body).toContain('http_request_duration_seconds_bucket');
    expect(res.body).toContain('db_pool_connections');
    expect(res.body).toContain('job_queue_depth');
  });

  it('when METRICS_TOKEN is presented, then /api/metrics answers 200', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('http_requests_total');
  });
});
