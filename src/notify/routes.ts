// The merchant's notifications API: its events newest first with their delivery attempts, one
// event, a resend, and the platform's public key that webhooks are signed with.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../api/errors.js';
import type { Store } from '../store/store.js';
import { platformPublicKeyPem } from './platform-key.js';
import {
  NOTIFICATION_PAGE_DEFAULT,
  NOTIFICATION_PAGE_MAX,
  type DeliveryAttemptView,
  type NotificationView,
} from './queries.js';
import type { OutboxStatus } from './tables.js';
import { WEBHOOK_HEADERS } from './webhook-signature.js';
import type { Notifier } from './worker.js';

export interface NotificationRoutesOptions {
  /** Where the platform's signing key is kept. */
  store: Store;
  notifier: Notifier;
  /** Authenticates the merchant (the signed-request check); answers 401 itself when it fails. */
  preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  /** The authenticated merchant of a request that passed `preHandler`. */
  merchantIdOf(request: FastifyRequest): string;
}

const tags = ['notifications'];
const STATUSES: readonly OutboxStatus[] = ['pending', 'delivered', 'failed'];
const ID_PARAMS = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

const isoTime = (atMs: number | null) => (atMs === null ? null : new Date(atMs).toISOString());

const attemptJson = (attempt: DeliveryAttemptView) => ({
  number: attempt.number,
  started_at: isoTime(attempt.startedAtMs),
  finished_at: isoTime(attempt.finishedAtMs),
  outcome: attempt.outcome,
  http_status: attempt.httpStatus,
  error: attempt.error,
  duration_ms: attempt.durationMs,
});

export const notificationJson = (view: NotificationView) => ({
  id: view.id,
  type: view.type,
  status: view.status,
  url: view.url,
  created_at: isoTime(view.createdAtMs),
  next_attempt_at: isoTime(view.nextAttemptAtMs),
  completed_at: isoTime(view.completedAtMs),
  attempt_count: view.attemptCount,
  in_flight: view.inFlight,
  payload: view.payload,
  attempts: view.attempts.map(attemptJson),
});

interface ListQuerystring {
  status?: OutboxStatus;
  limit?: string;
  before?: string;
}

export async function notificationRoutes(app: FastifyInstance, options: NotificationRoutesOptions): Promise<void> {
  const { notifier, preHandler, merchantIdOf } = options;

  app.get<{ Querystring: ListQuerystring }>(
    '/notifications',
    {
      schema: {
        tags,
        summary: 'Your notifications, newest first, each with its latest delivery attempts',
        description:
          `Paged: at most ${NOTIFICATION_PAGE_MAX} a page; pass next_before as before for the next. Each event ` +
          'lists its latest 20 attempts (GET one event for up to 100); attempt_count counts them all.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...STATUSES] },
            limit: {
              type: 'string',
              pattern: '^[1-9][0-9]{0,2}$',
              description: `Events per page, 1–${NOTIFICATION_PAGE_MAX} (${NOTIFICATION_PAGE_DEFAULT})`,
            },
            before: { type: 'string', minLength: 1, maxLength: 100, description: 'next_before of the previous page' },
          },
        },
      },
      preHandler,
    },
    async (request, reply) => {
      const { status, before } = request.query;
      const limit = Number(request.query.limit ?? NOTIFICATION_PAGE_DEFAULT);
      if (limit > NOTIFICATION_PAGE_MAX) {
        return sendError(reply, 'invalid_request', `limit is at most ${NOTIFICATION_PAGE_MAX}`, 'querystring.limit');
      }
      const page = await notifier.list(merchantIdOf(request), { status, limit, before });
      if (!page.ok) {
        return sendError(reply, 'invalid_request', `before: ${page.error.message}`, 'querystring.before');
      }
      return {
        notifications: page.value.notifications.map(notificationJson),
        next_before: page.value.nextBefore,
      };
    },
  );

  app.get(
    '/notifications/public-key',
    {
      schema: {
        tags,
        summary: 'The public key that every webhook is signed with (Ed25519, SPKI PEM)',
        description:
          `Verify ${WEBHOOK_HEADERS.signature} over five lines: POST, the path and query of your URL, ` +
          `${WEBHOOK_HEADERS.timestamp}, ${WEBHOOK_HEADERS.nonce} and the SHA-256 hex of the body, each ending in a ` +
          `newline. Deduplicate on ${WEBHOOK_HEADERS.eventId}: an event may arrive more than once.`,
      },
      preHandler,
    },
    async () => ({ algorithm: 'ed25519', public_key_pem: await platformPublicKeyPem(options.store) }),
  );

  app.get<{ Params: { id: string } }>(
    '/notifications/:id',
    {
      schema: { tags, summary: 'One notification with its delivery attempts', params: ID_PARAMS },
      preHandler,
    },
    async (request, reply) => {
      const shown = await notifier.show(merchantIdOf(request), request.params.id);
      return shown.ok ? notificationJson(shown.value) : sendError(reply, 'not_found', shown.error.message);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/notifications/:id/resend',
    {
      schema: {
        tags,
        summary: 'Send a notification again',
        description:
          'A delivered or failed notification becomes pending, due now, with a new round of its retry schedule; ' +
          'a pending one waiting for a retry is brought forward to now. Same event id: deduplicate on it. ' +
          'Answers 202 with the notification; any body is ignored.',
        params: ID_PARAMS,
      },
      preHandler,
    },
    async (request, reply) => {
      const resent = await notifier.resend(merchantIdOf(request), request.params.id);
      return resent.ok
        ? reply.code(202).send(notificationJson(resent.value))
        : sendError(reply, 'not_found', resent.error.message);
    },
  );
}
