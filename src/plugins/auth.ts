import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Actor, AppContext } from '../lib/context.js';
import { forbidden, unauthenticated } from '../lib/errors.js';
import type { Role } from '../lib/schemas.js';
import { authenticate } from '../modules/auth/auth.service.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route needs no token. Every other route is authenticated. */
    public?: boolean;
    /** Roles allowed on the route (authorization comes before validation). */
    roles?: readonly Role[];
    /** Read an optional token on a public route (e.g. anonymous or signed-in reads). */
    optionalAuth?: boolean;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
}

function bearerToken(request: FastifyRequest) {
  const header = request.headers.authorization;
  if (header) {
    const [scheme, token] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) throw unauthenticated('Authorization must be "Bearer <token>"');
    return token;
  }
  // Browsers cannot set headers on WebSocket and EventSource connections.
  const fromQuery = (request.query as Record<string, unknown> | undefined)?.access_token;
  return typeof fromQuery === 'string' && fromQuery ? fromQuery : null;
}

/** The signed-in caller; only for routes that are not public (the hook guarantees it is set). */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw unauthenticated();
  return request.actor;
}

async function authPlugin(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  app.decorateRequest('actor', null);

  app.addHook('onRoute', (route) => {
    const config = route.config ?? {};
    if (config.public && !config.optionalAuth) return;
    const roles = config.roles;
    if (!config.public) route.schema = { ...route.schema, security: [{ bearerAuth: [] }] };
    const guard = async (request: FastifyRequest) => {
      const token = bearerToken(request);
      if (!token) {
        if (config.public) return;
        throw unauthenticated();
      }
      request.actor = await authenticate(ctx, token);
      if (roles && !roles.includes(request.actor.role)) throw forbidden(`This needs one of the roles: ${roles.join(', ')}`);
    };
    // onRequest runs before body parsing and validation: a wrong role is 403 whatever the body.
    route.onRequest = [...(Array.isArray(route.onRequest) ? route.onRequest : route.onRequest ? [route.onRequest] : []), guard];
  });
}

export default fp(authPlugin, { name: 'auth' });
