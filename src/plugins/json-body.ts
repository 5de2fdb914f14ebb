import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';

interface BodySchema {
  type?: unknown;
  content?: Record<string, { schema?: { type?: unknown } } | undefined>;
}

/** A route whose JSON body is an object: a plain body schema, or the JSON entry of a per-content-type one. */
const takesJsonObject = (schema: unknown) => {
  const body = schema as BodySchema | undefined;
  return body?.type === 'object' || body?.content?.['application/json']?.schema?.type === 'object';
};

/** No body (nothing sent, an empty JSON body or a JSON null) is an empty object for the route's schema. */
async function noBodyIsEmptyObject(request: FastifyRequest) {
  if ((request.body === undefined || request.body === null) && !request.isMultipart()) request.body = {};
}

/**
 * JSON bodies (docs/decisions/112). Many clients send `content-type: application/json` on every POST,
 * also on body-less ones (like, close, cancel), with an empty body, which Fastify's own parser refuses
 * ("Body cannot be empty"). Here an empty JSON body is no body; any other body goes to Fastify's
 * default parser, with the instance's prototype-poisoning rules. And a route whose body is a JSON
 * object reads "no body" as `{}`: a body whose fields are all optional may be left out, and a missing
 * required field is a 400 naming that field rather than "body must be object".
 */
async function jsonBodyPlugin(app: FastifyInstance) {
  const { onProtoPoisoning = 'error', onConstructorPoisoning = 'error' } = app.initialConfig;
  const parseJson = app.getDefaultJsonParser(onProtoPoisoning, onConstructorPoisoning);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser<string>('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) return done(null, undefined);
    return parseJson(request, body, done);
  });

  app.addHook('onRoute', (route: RouteOptions) => {
    if (!takesJsonObject(route.schema?.body)) return;
    const existing = route.preValidation ? (Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation]) : [];
    route.preValidation = [noBodyIsEmptyObject, ...existing];
  });
}

export default fp(jsonBodyPlugin, { name: 'json-body' });
