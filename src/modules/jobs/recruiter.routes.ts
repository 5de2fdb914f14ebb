import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';

// Recruiter dashboard.
export const recruiterRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (_app, _opts) => {};
