// Who is calling: a session token from the `saoma_session` cookie (browsers, HTTP-only) or an
// `Authorization: Bearer` header (API clients and the command-line wallet). Routes that need a
// user add `preHandler: requireUser`; the handler then reads `request.auth`.
import type {} from '@fastify/cookie';
import type {} from '@fastify/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IdentityService, Session, User } from '../identity/service.js';
import { sendError } from './errors.js';

export const SESSION_COOKIE = 'saoma_session';

declare module 'fastify' {
  interface FastifyRequest {
    auth: { user: User; session: Session } | null;
  }
}

export function sessionToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+([A-Za-z0-9_-]{16,128})$/.exec(header.trim());
    return match ? match[1]! : null;
  }
  const cookie = request.cookies[SESSION_COOKIE];
  return cookie && /^[A-Za-z0-9_-]{16,128}$/.test(cookie) ? cookie : null;
}

/** A preHandler: 401 unless the request carries a live session. */
export function requireUserWith(identity: IdentityService) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = sessionToken(request);
    if (token === null) {
      return sendError(
        reply,
        'unauthorized',
        'log in first: send the session cookie or an Authorization: Bearer token',
      );
    }
    const auth = await identity.authenticate(token);
    if (!auth) return sendError(reply, 'unauthorized', 'the session has expired or was signed out; log in again');
    request.auth = auth;
  };
}

/** The authenticated user of a route behind requireUser (a programmer's error otherwise). */
export function userOf(request: FastifyRequest): User {
  if (!request.auth) throw new Error('route reads the user without requireUser');
  return request.auth.user;
}

export function setSessionCookie(reply: FastifyReply, session: Session): void {
  reply.setCookie(SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    expires: new Date(Number(session.expiresAtMs)),
  });
}
