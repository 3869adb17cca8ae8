// The cards API: the network's banks, and the user's linked cards (link, list, unlink).
import type { FastifyInstance } from 'fastify';
import { requireUserWith, userOf } from '../api/auth.js';
import { sendError, sendProblem } from '../api/errors.js';
import type { Modules } from '../modules.js';
import { PHONE_PATTERN } from '../identity/service.js';
import type { LinkedCard } from './service.js';

const tags = ['cards'];

export const cardJson = (card: LinkedCard) => ({
  id: card.id,
  bank: card.bankId,
  bank_name: card.bankName,
  kind: card.kind,
  number: card.numberMasked,
  holder_name: card.holderNameMasked,
  linked_at: new Date(Number(card.linkedAtMs)).toISOString(),
});

export async function bankingRoutes(app: FastifyInstance, options: { modules: Modules }): Promise<void> {
  const { identity, banking, network } = options.modules;
  const requireUser = requireUserWith(identity);

  app.get(
    '/banks',
    { schema: { tags, summary: 'The banks of the network and their card number prefixes' } },
    async () => ({
      banks: (await network.listBanks()).map((bank) => ({
        id: bank.id,
        name: bank.name,
        name_zh: bank.nameZh,
        bin_prefixes: bank.binPrefixes,
      })),
    }),
  );

  app.get(
    '/me/cards',
    { schema: { tags, summary: 'Linked cards, masked' }, preHandler: requireUser },
    async (request) => ({
      cards: (await banking.listCards(userOf(request))).map(cardJson),
    }),
  );

  app.post<{ Body: { number: string; name: string; phone: string } }>(
    '/me/cards',
    {
      schema: {
        tags,
        summary: "Link a card: the number (Luhn-checked), the holder's name and phone must match the bank's record",
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['number', 'name', 'phone'],
          properties: {
            number: { type: 'string', minLength: 12, maxLength: 30, pattern: '^[0-9 -]+$' },
            name: { type: 'string', minLength: 1, maxLength: 50 },
            phone: { type: 'string', pattern: PHONE_PATTERN },
          },
        },
      },
      preHandler: requireUser,
    },
    async (request, reply) => {
      const linked = await banking.linkCard(userOf(request), request.body);
      if (!linked.ok) return sendProblem(reply, linked.error);
      const user = (await identity.getUser(userOf(request).id))!;
      return reply.code(201).send({
        card: cardJson(linked.value.card),
        tier: user.tier,
        raised_to_class_3: linked.value.raisedToClassThree,
      });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/me/cards/:id',
    { schema: { tags, summary: 'Unlink a card' }, preHandler: requireUser },
    async (request, reply) => {
      if (!(await banking.unlinkCard(userOf(request), request.params.id))) {
        return sendError(reply, 'card_not_linked', `you have no linked card ${request.params.id}`);
      }
      return reply.code(204).send();
    },
  );
}
