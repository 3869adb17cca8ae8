// Who is calling the merchant native API: a hook that checks the request signature (scheme in
// signature.ts) against the app's registered key, refuses replays, and names the app and merchant.
//
// Use both helpers together, inside the encapsulated plugin of the merchant routes:
//
//   app.register(async (merchantApi) => {
//     registerSignedJson(merchantApi); // JSON bodies only, with their raw bytes kept for the signature
//     merchantApi.addHook('preValidation', merchantAuth({ store, clock })); // or per route
//     merchantApi.addHook('onSend', nonceLeftOver({ store })); // with `nonceWithEffect` routes
//     merchantApi.post('/orders', { schema }, async (request) => {
//       const { merchantId } = merchantAppOf(request);
//       …
//     });
//   }, { prefix: '/v1/merchant' });
//
// `preValidation` is the better place: an unsigned request is refused before its body is
// validated, so it learns nothing about the schema; `preHandler` works the same way otherwise.
//
// The nonce is recorded by the hook, before the route runs — or, on a route whose config says
// `nonceWithEffect: true`, by the route itself, in the same unit as the change it makes
// (`takeRequestNonce`, `nonceWrite`): one write instead of two for every order created. A nonce
// such a route leaves untaken (a refusal before any change) is recorded before its answer goes
// out (`nonceLeftOver`).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../api/errors.js';
import type { Clock } from '../shared/clock.js';
import { ok, problem, problemWith, type Problem, type Result } from '../shared/result.js';
import { createRecentCache, type RecentCache } from '../shared/recent-cache.js';
import { runAtomically, type AtomicStep } from '../store/atomic.js';
import type { Store } from '../store/store.js';
import { paramsOf, queryTemplate, type Param } from '../store/templates.js';
import {
  canonicalRequest,
  checkTimestamp,
  NONCE_RETENTION_MS,
  readSignatureHeaders,
  SIGNATURE_HEADERS,
  verifyRequestSignature,
} from './signature.js';

export interface MerchantApp {
  appId: string;
  merchantId: string;
}

/** A signed request's nonce, to be recorded with the change the request makes. */
export interface RequestNonce {
  appId: string;
  nonce: string;
  seenAtMs: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route records the request's nonce in the unit of its change (takeRequestNonce). */
    nonceWithEffect?: boolean;
  }
  interface FastifyRequest {
    /** Set by merchantAuth; null on routes without it. */
    merchantApp: MerchantApp | null;
    /** Set by merchantAuth on `nonceWithEffect` routes until the route takes it. */
    requestNonce: RequestNonce | null;
    /** The body's bytes as received, kept by registerSignedJson; null without a body. */
    rawBody: Buffer | null;
  }
}

export type MerchantAuthError = 'signature_invalid' | 'signature_expired' | 'nonce_replayed' | 'unknown_app';

export interface MerchantAuthDeps {
  store: Store;
  clock: Clock;
}

/** A purge runs after this many accepted requests, or after this long, whichever comes first. */
const PURGE_EVERY_ACCEPTED = 500;
const PURGE_INTERVAL_MS = 60_000;
/** Twice the accepted requests between purges, so a steady stream of requests is kept up with. */
const PURGE_ROWS_MAX = 2 * PURGE_EVERY_ACCEPTED;

/**
 * For the encapsulated plugin of signed routes: accepts only `application/json` bodies (others get
 * 415), keeps their exact bytes in `request.rawBody`, and parses them with Fastify's own JSON parser
 * (secure-json-parse, refusing `__proto__` and `constructor.prototype` keys), so schema validation
 * sees the same object it would anywhere else in the server.
 */
export function registerSignedJson(app: FastifyInstance): void {
  if (!app.hasRequestDecorator('rawBody')) app.decorateRequest('rawBody', null);
  if (!app.hasRequestDecorator('merchantApp')) app.decorateRequest('merchantApp', null);
  if (!app.hasRequestDecorator('requestNonce')) app.decorateRequest('requestNonce', null);
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser<Buffer>('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    request.rawBody = body;
    parseJson.call(app, request, body.toString('utf8'), done);
  });
}

/** A preValidation (or preHandler) hook: 401 in the error shape unless the request is signed by a known app. */
export function merchantAuth(deps: MerchantAuthDeps) {
  const purgeNowAndThen = createNoncePurger(deps);
  return async function authenticateMerchant(request: FastifyRequest, reply: FastifyReply) {
    const verified = await verifyRequest(deps, request);
    if (!verified.ok) return sendProblem(reply, verified.error);
    const { app, nonce } = verified.value;
    if (request.routeOptions.config.nonceWithEffect) {
      // Recorded by the route with its change, or else by nonceLeftOver as the answer goes out.
      request.requestNonce = nonce;
    } else if (!(await recordNonce(deps.store, nonce))) {
      return sendProblem(reply, nonceReplayed(nonce.nonce));
    }
    request.merchantApp = app;
    await purgeNowAndThen(request);
  };
}

/** The request's nonce for the route to record in its own unit (`nonceWrite`); null once taken. */
export function takeRequestNonce(request: FastifyRequest): RequestNonce | null {
  const nonce = request.requestNonce;
  request.requestNonce = null;
  return nonce;
}

/** What a route writes with its change (NewOrder.nonce): the nonce's step, and the answer when it was used. */
export function nonceWrite(
  store: Store,
  nonce: RequestNonce,
): { step: AtomicStep; replayed: Problem<'nonce_replayed'> } {
  return { step: nonceStep(store, nonce), replayed: nonceReplayed(nonce.nonce) };
}

/** The nonce's INSERT as a step of a unit: it changes no row (`mustChangeRow`) when replayed. */
function nonceStep(store: Store, nonce: RequestNonce): AtomicStep {
  const query = insertNonce.compile(store, {
    app_id: nonce.appId,
    nonce: nonce.nonce,
    seen_at_ms: BigInt(nonce.seenAtMs),
  });
  return { query, mustChangeRow: true };
}

const nonceReplayed = (nonce: string): Problem<'nonce_replayed'> => ({
  code: 'nonce_replayed',
  message: `the ${SIGNATURE_HEADERS.nonce} ${nonce} was already used; send a fresh one`,
});

/**
 * An onSend hook for the plugin of `nonceWithEffect` routes: a request refused before the route
 * took its nonce (a body that fails validation, a suspended merchant) still uses it up, before
 * the answer goes out, so that a replay can never succeed later where it failed once.
 */
export function nonceLeftOver(deps: Pick<MerchantAuthDeps, 'store'>) {
  return async function recordNonceLeftOver(request: FastifyRequest, _reply: FastifyReply, payload: unknown) {
    const nonce = takeRequestNonce(request);
    if (nonce) await recordNonce(deps.store, nonce);
    return payload;
  };
}

/** The app of a route behind merchantAuth (a programmer's error otherwise). */
export function merchantAppOf(request: FastifyRequest): MerchantApp {
  if (!request.merchantApp) throw new Error('route reads the merchant app without merchantAuth');
  return request.merchantApp;
}

async function verifyRequest(
  deps: MerchantAuthDeps,
  request: FastifyRequest,
): Promise<Result<{ app: MerchantApp; nonce: RequestNonce }, MerchantAuthError>> {
  const headers = readSignatureHeaders(request.headers);
  if (!headers.ok) return headers;
  const { appId, timestampMs, nonce, signature } = headers.value;
  const nowMs = deps.clock.nowMs();
  const fresh = checkTimestamp(timestampMs, nowMs);
  if (!fresh.ok) return fresh;
  const app = await findApp(deps.store, appId);
  if (!app) {
    return problem('unknown_app', `no app is registered as ${SIGNATURE_HEADERS.appId} ${JSON.stringify(appId)}`);
  }
  const body = signedBody(request);
  const canonical = canonicalRequest({
    method: request.method,
    pathWithQuery: request.url,
    appId,
    timestampMs,
    nonce,
    body,
  });
  const toVerify = { algorithm: app.key_algorithm, publicKeyPem: app.public_key_pem, canonical, signature };
  if (!(await verifyRequestSignature(toVerify))) {
    // The string the server checked is no secret (the client sent all of it) and shows what differs.
    return problemWith(
      'signature_invalid',
      `the signature does not match the request for app ${appId}'s ${app.key_algorithm} key: ` +
        'sign the method, path with query, app id, timestamp, nonce and body SHA-256 exactly as sent',
      { signed_string: canonical },
    );
  }
  // The nonce is recorded only after the signature holds, so nobody can use up another app's nonces.
  return ok({ app: { appId, merchantId: app.merchant_id }, nonce: { appId, nonce, seenAtMs: nowMs } });
}

/** Every signed request reads its app; a key registered elsewhere is seen at once, a change within the TTL. */
const APP_CACHE_TTL_MS = 1_000;
const APP_CACHE_ENTRIES_MAX = 10_000;
type AppRow = { merchant_id: string; key_algorithm: 'rsa' | 'ed25519'; public_key_pem: string };
const recentApps = new WeakMap<Store, RecentCache<string, AppRow>>();

async function findApp(store: Store, appId: string): Promise<AppRow | undefined> {
  let cache = recentApps.get(store);
  if (!cache) recentApps.set(store, (cache = createRecentCache(APP_CACHE_TTL_MS, APP_CACHE_ENTRIES_MAX)));
  const cached = cache.get(appId);
  if (cached) return cached;
  const app = await store.db
    .selectFrom('merchant_apps')
    .select(['merchant_id', 'key_algorithm', 'public_key_pem'])
    .where('app_id', '=', appId)
    .executeTakeFirst();
  if (app) cache.set(appId, app);
  return app;
}

/** The bytes that were signed: the raw body kept by registerSignedJson, or none for a bodiless request. */
function signedBody(request: FastifyRequest): Buffer | undefined {
  if (request.rawBody) return request.rawBody;
  if (request.body !== undefined) {
    throw new Error('merchantAuth on a route whose plugin did not call registerSignedJson: the raw body is lost');
  }
  return undefined;
}

const insertNonce = queryTemplate((db, p: Param<{ app_id: string; nonce: string; seen_at_ms: bigint }>) =>
  db
    .insertInto('request_nonces')
    .values(paramsOf(p, ['app_id', 'nonce', 'seen_at_ms']))
    .onConflict((conflict) => conflict.columns(['app_id', 'nonce']).doNothing()),
);

/** One statement, so of two requests racing with one nonce exactly one inserts the row. */
async function recordNonce(store: Store, nonce: RequestNonce): Promise<boolean> {
  return runAtomically(store, [nonceStep(store, nonce)]);
}

/** Deletes at most `rowsMax` nonces too old to matter (seen more than NONCE_RETENTION_MS ago). */
export async function purgeExpiredNonces(store: Store, nowMs: number, rowsMax: number): Promise<number> {
  const cutoffMs = BigInt(nowMs - NONCE_RETENTION_MS);
  const deleted = await store.db
    .deleteFrom('request_nonces')
    .where(({ eb, refTuple, selectFrom }) =>
      eb(
        refTuple('app_id', 'nonce'),
        'in',
        selectFrom('request_nonces')
          .select(['app_id', 'nonce'])
          .where('seen_at_ms', '<', cutoffMs)
          .limit(rowsMax)
          .$asTuple('app_id', 'nonce'),
      ),
    )
    .executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/** Purges in the request that comes due, one at a time; a failed purge is logged and retried later. */
function createNoncePurger(deps: MerchantAuthDeps) {
  let acceptedSincePurge = 0;
  let lastPurgeMs = deps.clock.nowMs();
  let purging = false;
  return async (request: FastifyRequest): Promise<void> => {
    acceptedSincePurge += 1;
    const nowMs = deps.clock.nowMs();
    const due = acceptedSincePurge >= PURGE_EVERY_ACCEPTED || nowMs - lastPurgeMs >= PURGE_INTERVAL_MS;
    if (!due || purging) return;
    purging = true;
    acceptedSincePurge = 0;
    lastPurgeMs = nowMs;
    try {
      await purgeExpiredNonces(deps.store, nowMs, PURGE_ROWS_MAX);
    } catch (error) {
      // The request itself is authentic; old nonces only take space until the next purge.
      request.log.warn({ err: error }, 'purging old request nonces failed; the next purge retries');
    } finally {
      purging = false;
    }
  };
}
