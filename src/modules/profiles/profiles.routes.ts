import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';

// Profiles, directory and search (filled in by the profiles module).
export const profilesRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (_app, _opts) => {};
