// The identity API: sign-up, log-in and log-out, the user's profile and limits, the payment
// PIN, real-name verification and the device list.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireUserWith, setSessionCookie, SESSION_COOKIE, sessionToken, userOf } from '../api/auth.js';
import { sendError, sendProblem } from '../api/errors.js';
import type { Modules } from '../modules.js';
import { howToRaiseTier } from '../network/policy.js';
import { maskPhone } from '../shared/mask.js';
import { PASSWORD_LENGTH_MIN, PHONE_PATTERN, PIN_PATTERN, type Session, type User } from './service.js';

const phone = { type: 'string', pattern: PHONE_PATTERN, description: 'Mainland mobile number, 11 digits' } as const;
const password = { type: 'string', minLength: PASSWORD_LENGTH_MIN, maxLength: 128 } as const;
const pin = { type: 'string', pattern: PIN_PATTERN, description: 'Six-digit payment PIN' } as const;
const deviceName = { type: 'string', minLength: 1, maxLength: 100 } as const;
const tags = ['identity'];

export function userJson(user: User) {
  return {
    id: user.id,
    provider: user.providerId,
    phone: maskPhone(user.phone),
    tier: user.tier,
    real_name: user.realName,
    id_number: user.idNumberMasked,
    status: user.status,
    pin_set: user.pinSet,
    created_at: new Date(Number(user.createdAtMs)).toISOString(),
  };
}

const sessionJson = (session: Session) => ({
  token: session.token,
  device_id: session.deviceId,
  expires_at: new Date(Number(session.expiresAtMs)).toISOString(),
});

const deviceNameOf = (request: FastifyRequest, given: string | undefined) =>
  given ?? (request.headers['user-agent'] ?? 'unknown device').slice(0, 100);

export async function identityRoutes(app: FastifyInstance, options: { modules: Modules }): Promise<void> {
  const { identity, wallet } = options.modules;
  const requireUser = requireUserWith(identity);

  app.post<{ Body: { provider: string; phone: string; password: string; device_name?: string } }>(
    '/users',
    {
      schema: {
        tags,
        summary: 'Sign up with a phone number and a password (class I); answers with a session',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['provider', 'phone', 'password'],
          properties: { provider: { type: 'string', maxLength: 64 }, phone, password, device_name: deviceName },
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const signed = await identity.signUp({
        providerId: body.provider,
        phone: body.phone,
        password: body.password,
        deviceName: deviceNameOf(request, body.device_name),
      });
      if (!signed.ok) return sendProblem(reply, signed.error);
      setSessionCookie(reply, signed.value.session);
      return reply.code(201).send({ user: userJson(signed.value.user), session: sessionJson(signed.value.session) });
    },
  );

  app.post<{ Body: { provider?: string; phone: string; password: string; device_name?: string; device_id?: string } }>(
    '/sessions',
    {
      schema: {
        tags,
        summary: 'Log in; the token works as a Bearer token, and a browser also gets an HTTP-only cookie',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['phone', 'password'],
          properties: {
            provider: { type: 'string', maxLength: 64 },
            phone,
            password: { type: 'string', minLength: 1, maxLength: 128 },
            device_name: deviceName,
            device_id: { type: 'string', maxLength: 64, description: 'Reuse a device from an earlier log-in' },
          },
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const logged = await identity.logIn({
        providerId: body.provider,
        phone: body.phone,
        password: body.password,
        deviceName: deviceNameOf(request, body.device_name),
        deviceId: body.device_id,
      });
      if (!logged.ok) return sendProblem(reply, logged.error);
      setSessionCookie(reply, logged.value.session);
      return reply.code(201).send({ user: userJson(logged.value.user), session: sessionJson(logged.value.session) });
    },
  );

  app.delete(
    '/sessions/current',
    { schema: { tags, summary: 'Log out' }, preHandler: requireUser },
    async (request, reply) => {
      await identity.logOut(sessionToken(request)!);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );

  app.get('/me', { schema: { tags, summary: 'The logged-in user' }, preHandler: requireUser }, async (request) =>
    userJson(userOf(request)),
  );

  app.get(
    '/me/limits',
    {
      schema: { tags, summary: "The tier's allowance and the free withdrawal quota: used and left" },
      preHandler: requireUser,
    },
    async (request) => {
      const user = userOf(request);
      const { allowance, withdrawalQuota, policy } = await wallet.limits(user);
      return {
        tier: user.tier,
        allowance: {
          period: allowance.period,
          limit: allowance.limitFen.toString(),
          used: allowance.usedFen.toString(),
          left: allowance.leftFen.toString(),
        },
        how_to_raise: user.tier < 3 ? howToRaiseTier(user.tier, policy) : null,
        withdrawal: {
          free_quota_period: withdrawalQuota.period,
          free_quota: withdrawalQuota.limitFen.toString(),
          free_quota_left: withdrawalQuota.leftFen.toString(),
          fee_rate_bps: policy.withdrawal.feeRateBps,
          fee_min: policy.withdrawal.feeMinFen.toString(),
        },
        red_packets: {
          share_max: policy.redPackets.shareMaxFen.toString(),
          count_max: policy.redPackets.countMax,
          expiry_seconds: policy.redPackets.expirySeconds,
        },
      };
    },
  );

  app.put<{ Body: { password: string; pin: string } }>(
    '/me/pin',
    {
      schema: {
        tags,
        summary: 'Set or change the six-digit payment PIN (the password confirms it)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['password', 'pin'],
          properties: { password, pin },
        },
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const set = await identity.setPin(userOf(request).id, request.body);
      if (!set.ok) return sendProblem(reply, set.error);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { name: string; id_number: string } }>(
    '/me/real-name',
    {
      schema: {
        tags,
        summary: 'Verify the real name and resident ID number: class II',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'id_number'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 50 },
            id_number: { type: 'string', minLength: 1, maxLength: 32, description: '18-character resident ID number' },
          },
        },
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const verified = await identity.verifyRealName(userOf(request).id, {
        name: request.body.name.trim(),
        idNumber: request.body.id_number.trim(),
      });
      if (!verified.ok) return sendProblem(reply, verified.error);
      return userJson(verified.value);
    },
  );

  app.get(
    '/me/devices',
    { schema: { tags, summary: 'Devices with a live session' }, preHandler: requireUser },
    async (request) => {
      const auth = request.auth!;
      const devices = await identity.listDevices(auth.user.id, auth.session.deviceId);
      return {
        devices: devices.map((device) => ({
          id: device.id,
          name: device.name,
          current: device.current,
          created_at: new Date(Number(device.createdAtMs)).toISOString(),
          last_seen_at: new Date(Number(device.lastSeenAtMs)).toISOString(),
        })),
      };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/me/devices/:id',
    { schema: { tags, summary: 'Sign a device out (all of its sessions)' }, preHandler: requireUser },
    async (request, reply) => {
      const removed = await identity.removeDevice(userOf(request).id, request.params.id);
      if (!removed.ok) return sendProblem(reply, removed.error);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: { phone?: string; user_id?: string } }>(
    '/payees',
    {
      schema: {
        tags,
        summary: 'Who a phone number or user id belongs to (masked name), before paying them',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { phone, user_id: { type: 'string', maxLength: 64 } },
        },
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const query = request.query;
      if (query.phone === undefined && query.user_id === undefined) {
        return sendError(reply, 'invalid_request', 'name the payee by phone or user_id', 'querystring.phone');
      }
      const payee = await wallet.findPayee(userOf(request), { phone: query.phone, userId: query.user_id });
      if (!payee.ok) return sendProblem(reply, payee.error);
      return { user_id: payee.value.user.id, name: payee.value.displayName, phone: maskPhone(payee.value.user.phone) };
    },
  );
}
