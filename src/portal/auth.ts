// Who is using the merchant portal: a portal session from the `saoma_portal` cookie (HTTP-only,
// SameSite=Strict, sent only to /v1/portal) or an `Authorization: Bearer` header (scripts and
// tests). Routes behind `requirePortalUser` read the user and their merchant from the request.
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../api/errors.js';
import type { Merchant, MerchantService } from '../merchant/service.js';
import type { PortalSession, PortalUser, PortalUserService } from './users.js';

export const PORTAL_COOKIE = 'saoma_portal';
export const PORTAL_COOKIE_PATH = '/v1/portal';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

export interface PortalAuth {
  user: PortalUser;
  session: PortalSession;
  merchant: Merchant;
}

declare module 'fastify' {
  interface FastifyRequest {
    portal: PortalAuth | null;
  }
}

export function portalToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)$/.exec(header.trim());
    return match && TOKEN_PATTERN.test(match[1]!) ? match[1]! : null;
  }
  const cookie = request.cookies[PORTAL_COOKIE];
  return cookie !== undefined && TOKEN_PATTERN.test(cookie) ? cookie : null;
}

/** A preHandler: 401 unless the request carries a live portal session. */
export function requirePortalUserWith(users: PortalUserService, merchants: Pick<MerchantService, 'get'>) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = portalToken(request);
    if (token === null) return sendError(reply, 'unauthorized', 'log in to the merchant portal first');
    const auth = await users.authenticate(token);
    if (!auth)
      return sendError(reply, 'unauthorized', 'the portal session has expired or was signed out; log in again');
    const merchant = await merchants.get(auth.user.merchantId);
    // A portal user always belongs to a merchant (a foreign key): a missing one is a broken database.
    if (!merchant) throw new Error(`portal user ${auth.user.id} has no merchant ${auth.user.merchantId}`);
    request.portal = { ...auth, merchant };
  };
}

/** The authenticated portal user of a route behind requirePortalUser (a programmer's error otherwise). */
export function portalOf(request: FastifyRequest): PortalAuth {
  if (!request.portal) throw new Error('route reads the portal user without requirePortalUser');
  return request.portal;
}

/** Money-moving and changing routes refuse a suspended merchant, as the merchant API does; reading stays open. */
export function activeMerchantOf(request: FastifyRequest, reply: FastifyReply): Merchant | null {
  const merchant = portalOf(request).merchant;
  if (merchant.status === 'active') return merchant;
  sendError(reply, 'forbidden', 'this merchant is suspended: its orders and bills can be read, but nothing changed');
  return null;
}

export function setPortalCookie(request: FastifyRequest, reply: FastifyReply, session: PortalSession): void {
  reply.setCookie(PORTAL_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    path: PORTAL_COOKIE_PATH,
    expires: new Date(Number(session.expiresAtMs)),
  });
}

export function clearPortalCookie(reply: FastifyReply): void {
  reply.clearCookie(PORTAL_COOKIE, { path: PORTAL_COOKIE_PATH });
}
