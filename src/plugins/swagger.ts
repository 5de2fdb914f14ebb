import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ProblemSchema } from '../lib/schemas.js';
import { UserSchema } from '../modules/auth/auth.schemas.js';

/** OpenAPI 3.1 generated from the route schemas, at /api/openapi.json, with a reference page at /api/docs. */
async function swaggerPlugin(app: FastifyInstance) {
  app.addSchema(ProblemSchema);
  app.addSchema(UserSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Cohort API',
        version: '0.1.0',
        description: 'Alumni and campus community backend. Errors are RFC 9457 problem+json; lists are cursor-paginated.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    // A module's list route is declared as '/' under its prefix; the contract (and the seed) spell
    // the path without the trailing slash, and both reach the route, so the document uses the contract's.
    transform: ({ schema, url }) => ({ schema, url: url.length > 1 && url.endsWith('/') ? url.slice(0, -1) : url }),
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}

export default fp(swaggerPlugin, { name: 'swagger' });
