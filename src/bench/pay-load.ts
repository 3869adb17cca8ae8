// The load process of `saoma bench pay`, forked by pay-bench.ts once per run: C closed loops over
// keep-alive HTTP (undici), each making one payment at a time — a signed POST /v1/merchant/orders,
// then the payer's POST /v1/codes/<code>/pay — or, for the floor, the same two requests to a
// trivial route. It shares the machine with the server it measures, so it is built to cost as
// little CPU as it can: orders are signed before the clock starts, requests go over undici.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { Pool } from 'undici';
import { CLOCK_SKEW_MAX_MS, signRequest } from '../merchant/signature.js';
import { listenForCommands } from './bench-child.js';
import { summarizeLatency } from './load.js';
import {
  amountOf,
  merchantOf,
  payerOf,
  PRESIGNED_ORDERS_MAX,
  type BenchWorld,
  type LoadCommand,
  type LoadEvent,
  type LoadPhase,
  type PaymentPhase,
  type PaymentPlan,
  type PhaseFigures,
  type SignedFigures,
} from './pay-plan.js';

/** How often progress goes to the orchestrator. */
const PROGRESS_INTERVAL_MS = 100;
/** A request unanswered this long (no headers, or a stalled body) counts as an error (`timeout`). */
const REQUEST_TIMEOUT_MS = 30_000;
/** undici's codes for the two timeouts above, reported as `timeout`. */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const ORDERS_PATH = '/v1/merchant/orders';
/** Routes tried for the floor, cheapest first: the first that answers 2xx is used. */
const FLOOR_PATHS = ['/ping', '/health'];
/**
 * The server accepts a signature's timestamp up to CLOCK_SKEW_MAX_MS (five minutes) old. A
 * pre-signed order still unsent this long after its signing (a phase of tens of thousands of
 * payments on a machine doing under ~200 a second) is signed again as it is sent, with a
 * minute to spare, instead of being refused as expired.
 */
const PRESIGNED_AGE_MAX_MS = CLOCK_SKEW_MAX_MS - 60_000;
const JSON_TYPE = 'application/json';

interface Reply {
  status: number;
  text: string;
}

interface Client {
  /** `headers` as sent, a body's content-type among them (undici adds the content-length). */
  request(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<Reply>;
  close(): void;
}

/**
 * undici: one Pool to the server, a connection per loop (each loop has one request in flight,
 * so no pipelining). Per request it costs the client about half the CPU of node:http over a
 * keep-alive agent (on this machine, 64 loops POSTing to a trivial server: 30–50 µs against 75–95).
 */
function createClient(origin: string, connections: number): Client {
  const pool = new Pool(origin, {
    connections,
    pipelining: 1,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  return {
    async request(method, path, headers, body) {
      const reply = await pool.request({ method, path, headers, body });
      return { status: reply.statusCode, text: await reply.body.text() };
    },
    close: () => void pool.destroy().catch(() => undefined),
  };
}

/** One order request, ready to send: its body and the headers that sign it. */
interface SignedOrder {
  body: string;
  headers: Record<string, string>;
  /** Date.now() when it was signed: its Saoma-Timestamp. */
  signedAtMs: number;
}

/** The orders of the payment phase about to run, payment `firstIndex` first. */
interface SignedBatch {
  phase: PaymentPhase;
  firstIndex: number;
  orders: (SignedOrder | undefined)[];
  /** Orders signed while the phase ran: past the batch, or grown too old (PRESIGNED_AGE_MAX_MS). */
  signedInPhase: number;
}

/** One payment or one floor pair: the time of each of its two requests, or why it failed. */
type PairOutcome = { ok: true; firstMs: number; secondMs: number } | { ok: false; error: string };

interface Session {
  client: Client;
  world: BenchWorld;
  plan: PaymentPlan;
  keys: KeyObject[];
  /** `Bearer <token>`, one per payer. */
  authorizations: string[];
  concurrency: number;
  floorPath: string;
  signed: SignedBatch | null;
}

const OUT_TRADE_NO_DIGITS = 10;

/** Payment `index`'s order, signed now with a fresh nonce (signRequest makes one). */
function signOrder(session: Session, index: number): SignedOrder {
  const merchant = merchantOf(session.plan, index);
  // Numbered in order, as merchants' systems number theirs (Alipay's examples: 20150320010101001).
  const outTradeNo = `bench${String(index).padStart(OUT_TRADE_NO_DIGITS, '0')}`;
  const body = JSON.stringify({ out_trade_no: outTradeNo, amount: String(amountOf(index)), subject: '压测订单' });
  const signedAtMs = Date.now();
  const signature = signRequest({
    appId: session.world.merchants[merchant]!.appId,
    privateKeyPem: session.keys[merchant]!,
    method: 'POST',
    pathWithQuery: ORDERS_PATH,
    body,
    timestampMs: signedAtMs,
  });
  return { body, headers: { 'content-type': JSON_TYPE, ...signature }, signedAtMs };
}

/**
 * Signs the phase's orders (PRESIGNED_ORDERS_MAX at most) before its clock starts. A merchant
 * signs its requests on its own machine; here the merchants' signing would run on the same two
 * cores as the server being measured — an RSA-2048 signature costs about 0.28 ms of CPU on this
 * machine (Ed25519 0.06 ms), against roughly 1 ms of server CPU for a whole payment — so it is done
 * beforehand and the timed loops only send. The server still verifies every signature inside the
 * clock, every nonce is fresh (signRequest makes one per request), and the timestamps are the
 * moment of signing, seconds before sending (see PRESIGNED_AGE_MAX_MS). The signing's time is
 * reported beside the figures. Progress goes out as it advances; the event loop is let go in between.
 */
async function signOrders(session: Session, phase: PaymentPhase, firstIndex: number, count: number) {
  const total = Math.min(count, PRESIGNED_ORDERS_MAX);
  const orders = new Array<SignedOrder | undefined>(total);
  const cpu = process.cpuUsage();
  const startedMs = performance.now();
  let reportedMs = startedMs;
  for (let position = 0; position < total; position++) {
    orders[position] = signOrder(session, firstIndex + position);
    if (performance.now() - reportedMs >= PROGRESS_INTERVAL_MS) {
      send({ type: 'progress', done: position + 1 });
      await yieldToEvents();
      reportedMs = performance.now();
    }
  }
  send({ type: 'progress', done: total });
  session.signed = { phase, firstIndex, orders, signedInPhase: 0 };
  const used = process.cpuUsage(cpu);
  const figures: SignedFigures = {
    count: total,
    elapsedMs: performance.now() - startedMs,
    cpuMs: (used.user + used.system) / 1_000,
  };
  return figures;
}

/** The pre-signed order of payment `index`, taken from the batch, or one signed now if there is none fresh. */
function takeOrder(session: Session, batch: SignedBatch, index: number): SignedOrder {
  const position = index - batch.firstIndex;
  const order = batch.orders[position];
  batch.orders[position] = undefined;
  if (order && Date.now() - order.signedAtMs <= PRESIGNED_AGE_MAX_MS) return order;
  batch.signedInPhase++;
  return signOrder(session, index);
}

async function pay(session: Session, batch: SignedBatch, index: number): Promise<PairOutcome> {
  const signed = takeOrder(session, batch, index);
  const startedMs = performance.now();
  const order = await session.client.request('POST', ORDERS_PATH, signed.headers, signed.body);
  const orderedMs = performance.now();
  if (order.status !== 201) return { ok: false, error: `order ${refusal(order)}` };
  const { code } = JSON.parse(order.text) as { code: string };
  const paid = await session.client.request(
    'POST',
    `/v1/codes/${code}/pay`,
    {
      'content-type': JSON_TYPE,
      authorization: session.authorizations[payerOf(session.plan, index)]!,
      'idempotency-key': `bench-pay-${index}`,
    },
    '{}',
  );
  const paidMs = performance.now();
  if (paid.status !== 201) return { ok: false, error: `pay ${refusal(paid)}` };
  const status = (JSON.parse(paid.text) as { status: string }).status;
  if (status !== 'SUCCESS') return { ok: false, error: `pay 201 status ${status}` };
  return { ok: true, firstMs: orderedMs - startedMs, secondMs: paidMs - orderedMs };
}

async function floorPair(session: Session): Promise<PairOutcome> {
  const startedMs = performance.now();
  const first = await session.client.request('GET', session.floorPath, {});
  const firstDoneMs = performance.now();
  if (first.status < 200 || first.status > 299) return { ok: false, error: `floor ${refusal(first)}` };
  const second = await session.client.request('GET', session.floorPath, {});
  if (second.status < 200 || second.status > 299) return { ok: false, error: `floor ${refusal(second)}` };
  return { ok: true, firstMs: firstDoneMs - startedMs, secondMs: performance.now() - firstDoneMs };
}

/** `401 nonce_replayed`: the status and the error code of the API's error shape, when there is one. */
function refusal(reply: Reply): string {
  try {
    const parsed = JSON.parse(reply.text) as { error?: { code?: unknown } };
    if (typeof parsed.error?.code === 'string') return `${reply.status} ${parsed.error.code}`;
  } catch {
    // Not JSON: the status says enough.
  }
  return String(reply.status);
}

/** Pairs firstIndex … firstIndex + count − 1 with `concurrency` loops, each awaiting its own pair. */
async function runPhase(session: Session, phase: LoadPhase, firstIndex: number, count: number): Promise<PhaseFigures> {
  const totalMs = new Float64Array(count);
  const firstMs = new Float64Array(count);
  const secondMs = new Float64Array(count);
  const errors: Record<string, number> = {};
  let next = 0;
  let done = 0;
  let succeeded = 0;
  const floor = phase === 'floor' || phase === 'floor warm';
  // The batch signed for this phase; without one (never, as pay-bench.ts runs it), every order is
  // signed in the clock and counted so.
  const batch: SignedBatch =
    !floor && session.signed?.phase === phase && session.signed.firstIndex === firstIndex
      ? session.signed
      : { phase: phase as PaymentPhase, firstIndex, orders: [], signedInPhase: 0 };
  session.signed = null;
  const loop = async () => {
    while (next < count) {
      const position = next++;
      const outcome = await (floor ? floorPair(session) : pay(session, batch, firstIndex + position)).catch(
        (error: unknown): PairOutcome => ({ ok: false, error: `${floor ? 'floor' : 'request'} ${errorCode(error)}` }),
      );
      done++;
      if (!outcome.ok) {
        errors[outcome.error] = (errors[outcome.error] ?? 0) + 1;
        continue;
      }
      totalMs[succeeded] = outcome.firstMs + outcome.secondMs;
      firstMs[succeeded] = outcome.firstMs;
      secondMs[succeeded++] = outcome.secondMs;
    }
  };
  const progress = setInterval(() => send({ type: 'progress', done }), PROGRESS_INTERVAL_MS);
  const cpu = process.cpuUsage();
  const startedMs = performance.now();
  try {
    await Promise.all(Array.from({ length: Math.min(session.concurrency, count) }, loop));
  } finally {
    clearInterval(progress);
  }
  const elapsedMs = performance.now() - startedMs;
  const used = process.cpuUsage(cpu);
  send({ type: 'progress', done });
  const total = summarizeLatency(totalMs.subarray(0, succeeded));
  const first = summarizeLatency(firstMs.subarray(0, succeeded));
  const second = summarizeLatency(secondMs.subarray(0, succeeded));
  return {
    count,
    elapsedMs,
    ...total,
    ...{ firstP50Ms: first.p50Ms, firstP99Ms: first.p99Ms, secondP50Ms: second.p50Ms, secondP99Ms: second.p99Ms },
    errors,
    cpuMs: (used.user + used.system) / 1_000,
    signedInPhase: batch.signedInPhase,
  };
}

/** undici's error code (`UND_ERR_SOCKET`, `ECONNREFUSED` …), `timeout` for its two timeouts. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === undefined) return String(error);
  return TIMEOUT_CODES.has(String(code)) ? 'timeout' : String(code);
}

/** The first floor route that answers 2xx. */
async function findFloorPath(client: Client): Promise<string> {
  for (const path of FLOOR_PATHS) {
    const reply = await client.request('GET', path, {});
    if (reply.status >= 200 && reply.status <= 299) return path;
  }
  throw new Error(`no floor route answers 2xx (tried ${FLOOR_PATHS.join(', ')})`);
}

const send = (event: LoadEvent): void => void process.send!(event);
let session: Session | null = null;

async function handle(command: LoadCommand): Promise<void> {
  if (command.type === 'plan') {
    const client = createClient(command.world.url, command.concurrency);
    // Parsed once: a PEM per request would cost more than the signature.
    const keys = command.world.merchants.map((merchant) => createPrivateKey(merchant.privateKeyPem));
    const authorizations = command.world.payerTokens.map((token) => `Bearer ${token}`);
    const floorPath = await findFloorPath(client);
    session = {
      client,
      world: command.world,
      plan: command.plan,
      keys,
      authorizations,
      concurrency: command.concurrency,
      floorPath,
      signed: null,
    };
    return send({ type: 'planned', floorPath });
  }
  if (!session) throw new Error(`${command.type} before the plan`);
  if (command.type === 'sign') {
    const figures = await signOrders(session, command.phase, command.firstIndex, command.count);
    return send({ type: 'signed', phase: command.phase, figures });
  }
  const figures = await runPhase(session, command.phase, command.firstIndex, command.count);
  send({ type: 'phase-done', phase: command.phase, figures });
}

listenForCommands(handle, () => {
  process.exitCode = 1;
  process.disconnect?.();
});
process.on('disconnect', () => {
  session?.client.close();
  process.exit(process.exitCode ?? 0);
});
