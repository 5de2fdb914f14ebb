import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { problems } from '../../lib/schemas.js';
import { openSignedFile } from './files.service.js';

export const filesRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/:folder/:name', {
    // The signature is the authorization: the URL was handed out by an endpoint that checked access.
    config: { public: true },
    schema: {
      tags: ['files'],
      summary: 'Download a stored file through a signed, expiring URL',
      params: Type.Object({ folder: Type.String({ pattern: '^[a-z0-9-]+$' }), name: Type.String({ maxLength: 64 }) }),
      querystring: Type.Object({ expires: Type.Integer(), signature: Type.String({ maxLength: 100 }) }),
      response: { 404: Type.Ref('Problem'), ...problems(400) },
    },
    handler: async (request, reply) => {
      const { folder, name } = request.params;
      const file = await openSignedFile(ctx, `${folder}/${name}`, request.query.expires, request.query.signature);
      reply.header('cache-control', 'private, max-age=300').header('content-disposition', 'inline').type(file.contentType);
      return reply.send(file.body);
    },
  });
};
