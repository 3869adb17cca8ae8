// The red packet API: send one (Idempotency-Key and PIN), claim a share (Idempotency-Key, no PIN:
// it only receives money), and look at one: who got how much, the luckiest, what went back.
import type { FastifyInstance } from 'fastify';
import { requireUserWith, userOf } from '../api/auth.js';
import { sendError, sendProblem } from '../api/errors.js';
import { idempotencyHeaderSchema, idempotencyKey } from '../api/idempotency.js';
import { PHONE_PATTERN } from '../identity/service.js';
import type { Modules } from '../modules.js';
import { parseAmountFen } from '../shared/money.js';
import { RED_PACKET_NOTE_LENGTH_MAX, type RedPacketKind, type RedPacketView } from './red-packets.js';
import { amountSchema, moneyPreflight, pinSchema } from './routes.js';

const tags = ['red packets'];
/** The policy's countMax is per provider; this only bounds the input. */
const COUNT_INPUT_MAX = 10_000;
const packetParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const isoTime = (atMs: bigint) => new Date(Number(atMs)).toISOString();

export const redPacketJson = (packet: RedPacketView) => ({
  id: packet.id,
  kind: packet.kind,
  sender: { user_id: packet.sender.userId, name: packet.sender.name },
  recipient: packet.recipient === null ? null : { user_id: packet.recipient.userId, name: packet.recipient.name },
  total: packet.totalFen.toString(),
  count: packet.count,
  note: packet.note,
  status: packet.status,
  created_at: isoTime(packet.createdAtMs),
  expires_at: isoTime(packet.expiresAtMs),
  claimed_count: packet.claimedCount,
  claimed: packet.claimedFen.toString(),
  refunded: packet.refundedFen === null ? null : packet.refundedFen.toString(),
  shares: packet.shares.map((share) => ({
    index: share.index,
    amount: share.amountFen.toString(),
    claimed_by: share.claimedBy === null ? null : { user_id: share.claimedBy.userId, name: share.claimedBy.name },
    claimed_at: share.claimedAtMs === null ? null : isoTime(share.claimedAtMs),
    luckiest: share.luckiest,
  })),
});

interface SendBody {
  kind: RedPacketKind;
  amount: string;
  count: number;
  to_phone?: string;
  to_user_id?: string;
  note?: string;
  pin: string;
}

export async function redPacketRoutes(app: FastifyInstance, options: { modules: Modules }): Promise<void> {
  const modules = options.modules;
  const { identity, redPackets } = modules;
  const requireUser = requireUserWith(identity);

  app.post<{ Body: SendBody }>(
    '/red-packets',
    {
      schema: {
        tags,
        summary: 'Send a red packet: to one person (single), or a group packet of lucky (random) or equal shares',
        description:
          'At most ¥200 for one person or one share; a group packet has at most 100 shares (the provider policy). ' +
          'Unclaimed money returns to the sender after 24 hours. The same Idempotency-Key with the same body ' +
          'returns the same packet (or the same refusal); with another body it is a 409.',
        headers: idempotencyHeaderSchema,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'amount', 'count', 'pin'],
          properties: {
            kind: { type: 'string', enum: ['single', 'lucky', 'equal'] },
            amount: { ...amountSchema, description: 'The total in whole fen, as a string: "1250" is ¥12.50' },
            count: { type: 'integer', minimum: 1, maximum: COUNT_INPUT_MAX, description: 'Shares; 1 for single' },
            to_phone: { type: 'string', pattern: PHONE_PATTERN, description: 'single: the recipient' },
            to_user_id: { type: 'string', minLength: 1, maxLength: 64, description: 'single: the recipient' },
            note: { type: 'string', maxLength: RED_PACKET_NOTE_LENGTH_MAX, description: 'A greeting (恭喜发财)' },
            pin: pinSchema,
          },
        },
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const body = request.body;
      if (body.to_phone !== undefined && body.to_user_id !== undefined) {
        return sendError(
          reply,
          'invalid_request',
          'name the recipient by one of to_phone and to_user_id',
          'body.to_phone',
        );
      }
      const amount = parseAmountFen(body.amount);
      if (!amount.ok) return sendError(reply, 'invalid_request', amount.error.message, 'body.amount');
      const checked = await moneyPreflight(modules, request, reply, body.pin);
      if (!checked) return reply;
      const sent = await redPackets.send(checked.user, {
        idempotencyKey: checked.key,
        kind: body.kind,
        totalFen: amount.value,
        count: body.count,
        to: { phone: body.to_phone, userId: body.to_user_id },
        note: body.note,
      });
      return sent.ok ? reply.code(201).send(redPacketJson(sent.value)) : sendProblem(reply, sent.error);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/red-packets/:id/claims',
    {
      schema: {
        tags,
        summary: 'Open a red packet and take a share',
        description:
          '201 when this request took a share (paid into the wallet at once); 200 when the person already had ' +
          'one: one claim per person, so a retry or a second claim returns the same share and pays nothing more. ' +
          'Needs an Idempotency-Key like every request that moves money, but no PIN; any body is ignored.',
        headers: idempotencyHeaderSchema,
        params: packetParams,
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      if (idempotencyKey(request, reply) === null) return reply;
      const claimed = await redPackets.claim(userOf(request), request.params.id);
      if (!claimed.ok) return sendProblem(reply, claimed.error);
      const { packet, amountFen, shareIndex, alreadyClaimed } = claimed.value;
      return reply.code(alreadyClaimed ? 200 : 201).send({
        amount: amountFen.toString(),
        share_index: shareIndex,
        already_claimed: alreadyClaimed,
        packet: redPacketJson(packet),
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/red-packets/:id',
    {
      schema: {
        tags,
        summary: 'A red packet: its shares claimed so far, the luckiest once it is over, and what was refunded',
        description:
          'For its sender, the recipient of a one-to-one packet, and any user of the provider for a group packet.',
        params: packetParams,
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const shown = await redPackets.show(userOf(request), request.params.id);
      return shown.ok ? redPacketJson(shown.value) : sendProblem(reply, shown.error);
    },
  );
}
