import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';

// Job applications.
export const applicationsRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (_app, _opts) => {};
