import type { FastifyInstance } from 'fastify';
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

async function securityHeadersPlugin(app: FastifyInstance) {
  const headers = helmetDefaults();
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(headers);
  });
}

export default fp(securityHeadersPlugin, { name: 'security-headers' });
