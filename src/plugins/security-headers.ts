import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';

/**
 * helmet's default hardening headers on every response. helmet computes them per request (its
 * Content-Security-Policy string is rebuilt each time); with fixed options they never change, so they
 * are computed once here by running helmet against a recording response, then set from that copy.
 */
function helmetDefaults(): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
    getHeader: (name: string) => headers[name.toLowerCase()],
  };
  helmet()({} as never, recorder as never, () => {});
  return headers;
}

/** helmet's default headers, computed once; the bench's floor sends them too (API.md asks every response for them). */
export const hardeningHeaders = helmetDefaults();

/** The headers every response carries (API.md): helmet's defaults and the request id. */
export const setResponseHeaders = (request: FastifyRequest, reply: FastifyReply) =>
  reply.headers(hardeningHeaders).header('x-request-id', request.id);

async function securityHeadersPlugin(app: FastifyInstance) {
  // A callback hook, not an async one: it runs on every request, and a promise per hook is measurable.
  // The request id rides along here rather than in an onSend hook, which would run for every reply too.
  app.addHook('onRequest', (request, reply, done) => {
    setResponseHeaders(request, reply);
    done();
  });
}

export default fp(securityHeadersPlugin, { name: 'security-headers' });
