import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isDatabaseUnavailable } from '../db/errors.js';
import { setResponseHeaders } from './security-headers.js';
import { AppError, defaultCodes, isUniqueViolation, titles, type FieldError } from '../lib/errors.js';

const problemType = (code: string) => `https://cohort.dev/problems/${code.replace(/_/g, '-')}`;

export function sendProblem(reply: FastifyReply, status: number, code: string, detail: string, errors?: FieldError[]) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: problemType(code), title: titles[status] ?? 'Error', status, code, detail, ...(errors ? { errors } : {}) });
}

/** "/email" or "body/email" → "email"; a missing required property names the property itself. */
function fieldErrors(error: FastifyError): FieldError[] {
  return (error.validation ?? []).map((v) => {
    const base = (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
    const params = v.params as Record<string, string>;
    const extra = params.missingProperty ?? params.additionalProperty;
    const field = [base, extra].filter(Boolean).join('.') || error.validationContext || 'body';
    const message = params.additionalProperty ? 'is not an allowed property' : (v.message ?? 'is invalid');
    return { field, message };
  });
}

/** Seconds a client should wait before retrying while the database is away. */
const RETRY_AFTER_SECONDS = '5';

/**
 * Fastify's `frameworkErrors` option (errors raised before routing, answered with Fastify's own JSON
 * otherwise): a path segment longer than the router's maxParamLength (every path parameter is an id,
 * so it is bad input) and a URL that does not decode are 400s naming `path`.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  setResponseHeaders(request, reply); // no onRequest hook ran for a request that never reached a route
  const pathProblem = { FST_ERR_MAX_PARAM_LENGTH: 'has a segment that is too long', FST_ERR_BAD_URL: 'is not a valid URL' }[error.code];
  if (pathProblem) return sendProblem(reply, 400, 'validation_failed', `path ${pathProblem}`, [{ field: 'path', message: pathProblem }]);
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  return sendProblem(reply, status, defaultCodes[status] ?? 'error', error.message);
}

async function errorsPlugin(app: FastifyInstance) {
  // The API speaks JSON (and multipart for uploads): a text/plain body is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');

  // Requests that arrive while the server drains get a problem+json 503 (app.ts turns off Fastify's own
  // return503OnClosing body) and a closed connection, so a load balancer moves them elsewhere.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    reply.header('connection', 'close').header('retry-after', RETRY_AFTER_SECONDS);
    sendProblem(reply, 503, 'unavailable', 'The server is shutting down; retry shortly');
  });

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      if (error.headers) reply.headers(error.headers);
      return sendProblem(reply, error.status, error.code, error.message, error.errors);
    }
    if (error.validation) {
      const errors = fieldErrors(error);
      return sendProblem(reply, 400, 'validation_failed', errors.map((e) => `${e.field} ${e.message}`).join('; '), errors);
    }
    if (isDatabaseUnavailable(error)) {
      // PostgreSQL restarting or unreachable: the request may succeed in a moment. Logged without values (app.ts serializer).
      request.log.warn({ err: error }, 'database unavailable');
      reply.header('retry-after', RETRY_AFTER_SECONDS);
      return sendProblem(reply, 503, 'unavailable', 'A service the server depends on is unavailable; retry shortly');
    }
    if (isUniqueViolation(error)) {
      return sendProblem(reply, 409, 'conflict', 'A resource with these values already exists');
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, status === 503 ? 503 : 500, status === 503 ? 'unavailable' : 'internal', 'An unexpected error occurred');
    }
    // Fastify's own client errors: malformed JSON, body too large, bad content type, ...
    const detail = status === 400 && error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'The body is not valid JSON' : error.message;
    const field = status === 400 ? [{ field: 'body', message: detail }] : undefined;
    return sendProblem(reply, status, defaultCodes[status] ?? 'error', detail, field);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}`),
  );
}

export default fp(errorsPlugin, { name: 'errors' });
