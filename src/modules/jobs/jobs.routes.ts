import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';

// Job board.
export const jobsRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (_app, _opts) => {};
