import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { badRequest } from '../lib/errors.js';
import { DECIMAL_INTEGER } from '../lib/schemas.js';

type Part = 'query' | 'params';
interface ObjectSchema {
  properties?: Record<string, { type?: unknown }>;
}

/** The names of the properties a query-string or path schema declares as integers. */
const integerFields = (schema: unknown) =>
  Object.entries((schema as ObjectSchema | undefined)?.properties ?? {})
    .filter(([, property]) => property.type === 'integer')
    .map(([name]) => name);

/**
 * Ajv coerces query-string and path integers with `+value`, which reads `1e400` and `Infinity` as
 * Infinity (and then skips minimum/maximum), `0x10` as 16 and `-0` as -0. Before validation, every
 * integer the route declares must be one decimal number in the safe range; Ajv then checks its range.
 */
function checkIntegers(part: Part, fields: string[]) {
  return async (request: FastifyRequest) => {
    const values = request[part] as Record<string, unknown> | undefined;
    for (const field of fields) {
      const raw = values?.[field];
      if (raw === undefined) continue;
      if (Array.isArray(raw)) throw badRequest(field, 'must be given once');
      const text = String(raw);
      if (!DECIMAL_INTEGER.test(text) || text === '-0' || !Number.isSafeInteger(Number(text))) {
        throw badRequest(field, 'must be a whole number written in decimal digits');
      }
    }
  };
}

async function strictInputPlugin(app: FastifyInstance) {
  app.addHook('onRoute', (route: RouteOptions) => {
    const checks = [
      ['query', integerFields(route.schema?.querystring)],
      ['params', integerFields(route.schema?.params)],
    ] as const;
    const hooks = checks.filter(([, fields]) => fields.length).map(([part, fields]) => checkIntegers(part, fields));
    if (!hooks.length) return;
    const existing = route.preValidation ? (Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation]) : [];
    route.preValidation = [...existing, ...hooks];
  });
}

export default fp(strictInputPlugin, { name: 'strict-input' });
