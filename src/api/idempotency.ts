// Every request that moves money names itself with an `Idempotency-Key` header (1–128 printable
// ASCII characters): a retry with the same key returns the first result, the same key with
// another body is a 409. The modules keep the keys with what they made; this checks the header.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.js';

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** The key, or null after answering 400. */
export function idempotencyKey(request: FastifyRequest, reply: FastifyReply): string | null {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || key.length === 0) {
    sendError(
      reply,
      'idempotency_key_required',
      'this request moves money: send an Idempotency-Key header (a unique string per operation, reused on retries)',
      'headers.idempotency-key',
    );
    return null;
  }
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    sendError(
      reply,
      'invalid_request',
      'the Idempotency-Key must be 1–128 printable ASCII characters',
      'headers.idempotency-key',
    );
    return null;
  }
  return key;
}

/** For the OpenAPI document: the header every money-moving route declares. */
export const idempotencyHeaderSchema = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      minLength: 1,
      maxLength: 128,
      description: 'Unique per operation; reuse it to retry',
    },
  },
} as const;
