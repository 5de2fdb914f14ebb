import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { problems } from '../../lib/schemas.js';
import { actorOf } from '../../plugins/auth.js';
import { SettingsSchema, SettingsUpdateSchema } from './settings.rules.js';
import { getSettings, updateSettings } from './settings.service.js';

export const settingsRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/settings', {
    config: { roles: ['admin'] },
    schema: {
      tags: ['admin'],
      summary: 'Every platform setting (defaults where unchanged)',
      response: { 200: SettingsSchema, ...problems(401, 403) },
    },
    handler: async () => getSettings(ctx),
  });

  app.put('/settings', {
    config: { roles: ['admin'] },
    schema: {
      tags: ['admin'],
      summary: 'Change the settings the body names (unknown name or wrong type: 400); effective on every instance within seconds',
      body: SettingsUpdateSchema,
      response: { 200: SettingsSchema, ...problems(400, 401, 403) },
    },
    handler: async (request) => updateSettings(ctx, actorOf(request), request.body, request.ip),
  });
};
