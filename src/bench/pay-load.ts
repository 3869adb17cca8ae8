// The load process of `saoma bench pay`, forked by pay-bench.ts once per run: C closed loops over
// keep-alive HTTP, each making one payment at a time — a signed POST /v1/merchant/orders, then the
// payer's POST /v1/codes/<code>/pay — or, for the floor, the same two requests to a trivial route.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { signRequest } from '../merchant/signature.js';
import { listenForCommands } from './bench-child.js';
import { summarizeLatency } from './load.js';
import {
  amountOf,
  merchantOf,
  payerOf,
  type BenchWorld,
  type LoadCommand,
  type LoadEvent,
  type LoadPhase,
  type PaymentPlan,
  type PhaseFigures,
} from './pay-plan.js';

/** How often progress goes to the orchestrator. */
const PROGRESS_INTERVAL_MS = 100;
/** A request unanswered this long counts as an error (`timeout`) and its loop goes on. */
const REQUEST_TIMEOUT_MS = 30_000;
const ORDERS_PATH = '/v1/merchant/orders';
/** Routes tried for the floor, cheapest first: the first that answers 2xx is used. */
const FLOOR_PATHS = ['/ping', '/health'];

interface Reply {
  status: number;
  text: string;
}

interface Client {
  request(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<Reply>;
  close(): void;
}

/** node:http over a keep-alive agent with one socket per loop: cheaper per request than fetch. */
function createClient(baseUrl: string, sockets: number): Client {
  const { hostname, port } = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  return {
    request(method, path, headers, body) {
      return new Promise((resolve, reject) => {
        const sent: Record<string, string> = { ...headers };
        if (body !== undefined) {
          sent['content-type'] = 'application/json';
          sent['content-length'] = String(Buffer.byteLength(body));
        }
        const request = http.request({ hostname, port, method, path, headers: sent, agent }, (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
          response.on('error', reject);
        });
        request.setTimeout(REQUEST_TIMEOUT_MS, () =>
          request.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })),
        );
        request.on('error', reject);
        request.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** One payment or one floor pair: the time of each of its two requests, or why it failed. */
type PairOutcome = { ok: true; firstMs: number; secondMs: number } | { ok: false; error: string };

interface Session {
  client: Client;
  world: BenchWorld;
  plan: PaymentPlan;
  keys: KeyObject[];
  concurrency: number;
  floorPath: string;
}

async function pay(session: Session, index: number): Promise<PairOutcome> {
  const merchant = session.world.merchants[merchantOf(session.plan, index)]!;
  const body = JSON.stringify({ out_trade_no: `bench-${index}`, amount: String(amountOf(index)), subject: '压测订单' });
  const signed = signRequest({
    appId: merchant.appId,
    privateKeyPem: session.keys[merchantOf(session.plan, index)]!,
    method: 'POST',
    pathWithQuery: ORDERS_PATH,
    body,
    timestampMs: Date.now(),
  });
  const startedMs = performance.now();
  const order = await session.client.request('POST', ORDERS_PATH, signed, body);
  const orderedMs = performance.now();
  if (order.status !== 201) return { ok: false, error: `order ${refusal(order)}` };
  const { code } = JSON.parse(order.text) as { code: string };
  const paid = await session.client.request(
    'POST',
    `/v1/codes/${code}/pay`,
    {
      authorization: `Bearer ${session.world.payerTokens[payerOf(session.plan, index)]!}`,
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
  const loop = async () => {
    while (next < count) {
      const position = next++;
      const outcome = await (floor ? floorPair(session) : pay(session, firstIndex + position)).catch(
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
  };
}

const errorCode = (error: unknown): string =>
  (error as { code?: unknown } | null)?.code !== undefined ? String((error as { code: unknown }).code) : String(error);

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
    const floorPath = await findFloorPath(client);
    session = { client, world: command.world, plan: command.plan, keys, concurrency: command.concurrency, floorPath };
    return send({ type: 'planned', floorPath });
  }
  if (!session) throw new Error('a phase before the plan');
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
