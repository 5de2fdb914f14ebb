import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { problems } from '../../lib/schemas.js';
import { actorOf } from '../../plugins/auth.js';
import {
  AcceptedSchema,
  EmailBodySchema,
  LoginBodySchema,
  RefreshBodySchema,
  RegisterBodySchema,
  ResetPasswordBodySchema,
  TokenPairSchema,
  UserEnvelopeSchema,
  VerifyEmailBodySchema,
} from './auth.schemas.js';
import * as auth from './auth.service.js';
import { getMe, MeSchema } from './auth.me.js';

const tags = ['auth'];
const accepted = (detail: string) => ({ status: 'accepted' as const, detail });

export const authRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const limits = ctx.config.rateLimits;
  const perIp = (max: number, timeWindow: string) => ({ public: true, rateLimit: { max, timeWindow } });

  app.post('/register', {
    config: perIp(limits.registerIpPerHour, '1 hour'),
    schema: {
      tags,
      summary: 'Create an account and e-mail a 6-digit code',
      body: RegisterBodySchema,
      response: { 201: UserEnvelopeSchema, ...problems(400, 409, 429) },
    },
    handler: async (request, reply) => reply.code(201).send({ user: await auth.registerUser(ctx, request.body) }),
  });

  app.post('/verify-email', {
    config: perIp(limits.authIpPerMinute, '1 minute'),
    schema: {
      tags,
      summary: 'Verify the e-mail address with the code',
      body: VerifyEmailBodySchema,
      response: { 200: UserEnvelopeSchema, ...problems(400, 429) },
    },
    handler: async (request) => ({ user: await auth.verifyEmail(ctx, request.body) }),
  });

  app.post('/resend-verification', {
    config: perIp(limits.authIpPerMinute, '1 minute'),
    schema: {
      tags,
      summary: 'Send a new verification code',
      body: EmailBodySchema,
      response: { 202: AcceptedSchema, ...problems(400, 429) },
    },
    handler: async (request, reply) => {
      await auth.resendVerification(ctx, request.body);
      return reply.code(202).send(accepted('If the account exists and is not verified, a new code is on its way'));
    },
  });

  app.post('/login', {
    config: perIp(limits.loginIpPerMinute, '1 minute'),
    schema: {
      tags,
      summary: 'Sign in with e-mail and password',
      body: LoginBodySchema,
      response: { 200: TokenPairSchema, ...problems(400, 401, 403, 429) },
    },
    handler: async (request) => auth.login(ctx, request.body),
  });

  app.post('/refresh', {
    config: perIp(limits.authIpPerMinute, '1 minute'),
    schema: {
      tags,
      summary: 'Exchange a refresh token for a new token pair (rotation)',
      body: RefreshBodySchema,
      response: { 200: TokenPairSchema, ...problems(400, 401, 429) },
    },
    handler: async (request) => auth.refreshSession(ctx, request.body),
  });

  app.post('/logout', {
    schema: {
      tags,
      summary: 'End the current session (its access and refresh tokens stop working)',
      response: { 204: Type.Null(), ...problems(401) },
    },
    handler: async (request, reply) => {
      await auth.logout(ctx, actorOf(request));
      return reply.code(204).send(null);
    },
  });

  app.post('/forgot-password', {
    config: perIp(limits.authIpPerMinute, '1 minute'),
    schema: {
      tags,
      summary: 'E-mail a password reset link (always 202)',
      body: EmailBodySchema,
      response: { 202: AcceptedSchema, ...problems(400, 429) },
    },
    handler: async (request, reply) => {
      await auth.forgotPassword(ctx, request.body);
      return reply.code(202).send(accepted('If an account exists for this address, a reset link is on its way'));
    },
  });

  app.post('/reset-password', {
    config: perIp(limits.authIpPerMinute, '1 minute'),
    schema: {
      tags,
      summary: 'Set a new password with a reset token; ends every session',
      body: ResetPasswordBodySchema,
      response: { 200: UserEnvelopeSchema, ...problems(400, 429) },
    },
    handler: async (request) => ({ user: await auth.resetPassword(ctx, request.body) }),
  });

  app.get('/me', {
    schema: { tags, summary: 'The current user with their role and profile summary', response: { 200: MeSchema, ...problems(401) } },
    handler: async (request) => getMe(ctx, actorOf(request)),
  });
};
