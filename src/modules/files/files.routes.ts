import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { Int, problems, Text } from '../../lib/schemas.js';
import { openSignedFile } from './files.service.js';

const FileBody = Type.Unsafe<Readable>({ type: 'string', format: 'binary', description: 'The file (PDF, DOCX, JPEG, PNG or WebP)' });

export const filesRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/:folder/:name', {
    // The signature is the authorization: the URL was handed out by an endpoint that checked access.
    config: { public: true },
    schema: {
      tags: ['files'],
      summary: 'Download a stored file through a signed, expiring URL',
      params: Type.Object({ folder: Type.String({ pattern: '^[a-z0-9-]+$', maxLength: 64 }), name: Text({ maxLength: 64 }) }),
      querystring: Type.Object({
        expires: Int({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Unix seconds' }),
        signature: Text({ maxLength: 100 }),
      }),
      // The body is the stored bytes, streamed as they are (never serialized); its type is the file's.
      response: { 200: FileBody, ...problems(400, 404) },
    },
    handler: async (request, reply) => {
      const { folder, name } = request.params;
      const file = await openSignedFile(ctx, `${folder}/${name}`, request.query.expires, request.query.signature);
      reply.header('cache-control', 'private, max-age=300').header('content-disposition', 'inline').type(file.contentType);
      return reply.send(file.body);
    },
  });
};
