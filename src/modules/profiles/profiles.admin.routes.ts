import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';

// Admin verification queue and alumni import.
export const adminProfilesRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (_app, _opts) => {};
