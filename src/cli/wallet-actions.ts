// What each `saoma wallet` command does over the native API: one function a command, given the
// context (server, session store, output mode) and its checked flags. Money-moving commands send
// an Idempotency-Key (fresh, or the caller's for retries) and the PIN.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT_REFUSED, usageFailure, WalletFailure, type ApiClient, type ApiRequest } from './wallet-client.js';
import {
  awaitingLine,
  awaitingText,
  cardsText,
  claimText,
  confirmedText,
  operationText,
  paidText,
  payingText,
  paymentCodeText,
  problemText,
  quoteText,
  redPacketText,
  statementText,
  userLine,
  whoamiText,
  yuan,
  type CardJson,
  type LimitsJson,
  type OperationJson,
  type OrderJson,
  type PayeeJson,
  type PaymentCodeJson,
  type QuoteJson,
  type ScannedJson,
  type StatementJson,
  type UserJson,
} from './wallet-format.js';
import type { SessionStore } from './wallet-session.js';

export interface WalletContext {
  server: string;
  json: boolean;
  api: ApiClient;
  sessions: SessionStore;
  /** The result: JSON on stdout with --json, otherwise the text. */
  print(json: unknown, text: () => string): void;
  /** Asks yes or no on the terminal; null when there is no terminal to ask on. */
  confirm(question: string): Promise<boolean | null>;
  /** Asks for the PIN on the terminal without echoing it; null when there is no terminal to ask on. */
  askSecret(question: string): Promise<string | null>;
}

/** A call as the logged-in user; without a saved session there is nothing to send. */
function asUser(context: WalletContext, request: ApiRequest): Promise<unknown> {
  const session = context.sessions.get(context.server);
  if (!session) {
    throw usageFailure(
      'not_logged_in',
      `not logged in at ${context.server}`,
      'log in with: saoma wallet login --phone PHONE --password PASSWORD',
    );
  }
  return context.api({ ...request, token: session.token });
}

const defaultDeviceName = () => `saoma wallet on ${hostname()}`.slice(0, 100);

interface SessionAnswer {
  user: UserJson;
  session: { token: string; device_id: string; expires_at: string };
}

function saveSession(context: WalletContext, phone: string, answer: SessionAnswer): void {
  context.sessions.save(context.server, {
    token: answer.session.token,
    userId: answer.user.id,
    phone,
    provider: answer.user.provider,
    deviceId: answer.session.device_id,
    expiresAt: answer.session.expires_at,
  });
}

/** What --json prints for a session: never the token, which stays in the wallet file. */
const sessionJson = (context: WalletContext, answer: SessionAnswer) => ({
  server: context.server,
  user: answer.user,
  session: { device_id: answer.session.device_id, expires_at: answer.session.expires_at },
  wallet_file: context.sessions.path,
});

export async function login(
  context: WalletContext,
  flags: { phone: string; password: string; provider?: string; deviceName?: string },
): Promise<void> {
  const previous = context.sessions.get(context.server);
  const answer = (await context.api({
    method: 'POST',
    path: '/v1/sessions',
    body: {
      phone: flags.phone,
      password: flags.password,
      ...(flags.provider !== undefined && { provider: flags.provider }),
      device_name: flags.deviceName ?? defaultDeviceName(),
      // The same device as last time, so that logging in again does not add one each time.
      ...(previous !== null && { device_id: previous.deviceId }),
    },
  })) as SessionAnswer;
  saveSession(context, flags.phone, answer);
  if (previous !== null && previous.token !== answer.session.token) {
    // The replaced session is signed out; if that fails it simply expires.
    await context.api({ method: 'DELETE', path: '/v1/sessions/current', token: previous.token }).catch(() => undefined);
  }
  context.print(sessionJson(context, answer), () => `Logged in to ${context.server} as ${userLine(answer.user)}.`);
}

export async function logout(context: WalletContext): Promise<void> {
  const session = context.sessions.get(context.server);
  if (!session) {
    context.print({ server: context.server, logged_out: false }, () => `Not logged in at ${context.server}.`);
    return;
  }
  try {
    await context.api({ method: 'DELETE', path: '/v1/sessions/current', token: session.token });
  } catch (error) {
    // Expired or signed out elsewhere: logged out already. Anything else is reported, after forgetting the token.
    if (!(error instanceof WalletFailure && error.problem.code === 'unauthorized')) {
      context.sessions.forget(context.server);
      throw error;
    }
  }
  context.sessions.forget(context.server);
  context.print({ server: context.server, logged_out: true }, () => `Logged out of ${context.server}.`);
}

export async function signup(
  context: WalletContext,
  flags: { provider: string; phone: string; password: string; deviceName?: string; pin?: string },
): Promise<void> {
  const pin = flags.pin === undefined ? undefined : checkedPin(flags.pin);
  const answer = (await context.api({
    method: 'POST',
    path: '/v1/users',
    body: {
      provider: flags.provider,
      phone: flags.phone,
      password: flags.password,
      device_name: flags.deviceName ?? defaultDeviceName(),
    },
  })) as SessionAnswer;
  saveSession(context, flags.phone, answer);
  if (pin !== undefined) {
    await asUser(context, { method: 'PUT', path: '/v1/me/pin', body: { password: flags.password, pin } });
  }
  const user = { ...answer.user, pin_set: pin !== undefined };
  context.print(
    { ...sessionJson(context, answer), user },
    () =>
      `Signed up and logged in to ${context.server} as ${userLine(user)}.` +
      (pin === undefined ? '\nSet a payment PIN (PUT /v1/me/pin) before moving money.' : ' Payment PIN set.'),
  );
}

export async function whoami(context: WalletContext): Promise<void> {
  const [user, limits] = (await Promise.all([
    asUser(context, { method: 'GET', path: '/v1/me' }),
    asUser(context, { method: 'GET', path: '/v1/me/limits' }),
  ])) as [UserJson, LimitsJson];
  context.print({ server: context.server, user, limits }, () => whoamiText(context.server, user, limits));
}

export async function balance(context: WalletContext): Promise<void> {
  const answer = (await asUser(context, { method: 'GET', path: '/v1/wallet' })) as {
    available: string;
    pending: string;
  };
  context.print(answer, () =>
    answer.pending === '0'
      ? `${yuan(answer.available)} available`
      : `${yuan(answer.available)} available, ${yuan(answer.pending)} reserved`,
  );
}

export async function cards(context: WalletContext): Promise<void> {
  const answer = (await asUser(context, { method: 'GET', path: '/v1/me/cards' })) as { cards: CardJson[] };
  context.print(answer, () => cardsText(answer.cards));
}

export interface MoneyFlags {
  amountFen: bigint;
  pin: string;
  idempotencyKey: string;
}

export async function topUp(context: WalletContext, flags: MoneyFlags & { card: string }): Promise<void> {
  const operation = (await asUser(context, {
    method: 'POST',
    path: '/v1/wallet/top-ups',
    idempotencyKey: flags.idempotencyKey,
    body: { card_id: flags.card, amount: flags.amountFen.toString(), pin: flags.pin },
  })) as OperationJson;
  context.print(operation, () => operationText(operation));
}

/** The quote first; then, unless --yes, the person confirms; the fee they saw is sent along as expected_fee. */
export async function withdraw(
  context: WalletContext,
  flags: MoneyFlags & { card: string; yes: boolean },
): Promise<void> {
  const amount = flags.amountFen.toString();
  const quote = (await asUser(context, {
    method: 'GET',
    path: `/v1/wallet/withdrawals/quote?amount=${amount}`,
  })) as QuoteJson;
  if (!context.json) console.log(quoteText(flags.card, quote));
  if (!flags.yes) {
    const confirmed = await context.confirm(`Withdraw ${yuan(quote.amount)} with a fee of ${yuan(quote.fee)}? [y/N] `);
    if (confirmed === null) {
      throw usageFailure(
        'confirmation_required',
        'a withdrawal asks for confirmation and there is no terminal to ask on',
        'add --yes to go ahead without asking',
      );
    }
    if (!confirmed) {
      context.print({ quote, withdrawal: null }, () => 'Not withdrawn.');
      return;
    }
  }
  const withdrawal = (await asUser(context, {
    method: 'POST',
    path: '/v1/wallet/withdrawals',
    idempotencyKey: flags.idempotencyKey,
    body: { card_id: flags.card, amount, pin: flags.pin, expected_fee: quote.fee },
  })) as OperationJson;
  context.print({ quote, withdrawal }, () => operationText(withdrawal));
}

/** The payee is looked up first and paid by user id, so the money goes to exactly the person shown. */
export async function transfer(
  context: WalletContext,
  flags: MoneyFlags & { to?: string; toUser?: string; note?: string },
): Promise<void> {
  const query =
    flags.to !== undefined ? `phone=${encodeURIComponent(flags.to)}` : `user_id=${encodeURIComponent(flags.toUser!)}`;
  const payee = (await asUser(context, { method: 'GET', path: `/v1/payees?${query}` })) as PayeeJson;
  if (!context.json) console.log(`Paying ${payee.name} (${payee.phone})`);
  const operation = (await asUser(context, {
    method: 'POST',
    path: '/v1/wallet/transfers',
    idempotencyKey: flags.idempotencyKey,
    body: {
      to_user_id: payee.user_id,
      amount: flags.amountFen.toString(),
      pin: flags.pin,
      ...(flags.note !== undefined && { note: flags.note }),
    },
  })) as OperationJson;
  context.print({ payee, transfer: operation }, () => operationText(operation, payee));
}

export async function sendRedPacket(
  context: WalletContext,
  flags: MoneyFlags & { kind: string; count: number; to?: string; note?: string },
): Promise<void> {
  const packet = (await asUser(context, {
    method: 'POST',
    path: '/v1/red-packets',
    idempotencyKey: flags.idempotencyKey,
    body: {
      kind: flags.kind,
      amount: flags.amountFen.toString(),
      count: flags.count,
      pin: flags.pin,
      ...(flags.to !== undefined && { to_phone: flags.to }),
      ...(flags.note !== undefined && { note: flags.note }),
    },
  })) as Record<string, unknown>;
  context.print(
    packet,
    () => `${redPacketText(packet)}\nTo claim it: saoma wallet redpacket claim ${String(packet.id)}`,
  );
}

export async function claimRedPacket(context: WalletContext, packetId: string, idempotencyKey: string): Promise<void> {
  const answer = (await asUser(context, {
    method: 'POST',
    path: `/v1/red-packets/${encodeURIComponent(packetId)}/claims`,
    idempotencyKey,
    body: {},
  })) as Record<string, unknown>;
  context.print(answer, () => claimText(answer));
}

export async function showRedPacket(context: WalletContext, packetId: string): Promise<void> {
  const packet = (await asUser(context, {
    method: 'GET',
    path: `/v1/red-packets/${encodeURIComponent(packetId)}`,
  })) as Record<string, unknown>;
  context.print(packet, () => redPacketText(packet));
}

export async function history(
  context: WalletContext,
  flags: { limit: number; kind?: string; before?: string },
): Promise<void> {
  const query = new URLSearchParams({ limit: String(flags.limit) });
  if (flags.kind !== undefined) query.set('kind', flags.kind);
  if (flags.before !== undefined) query.set('before', flags.before);
  const page = (await asUser(context, { method: 'GET', path: `/v1/wallet/statement?${query}` })) as StatementJson;
  context.print(page, () => statementText(page, flags.limit));
}

export interface PayFlags {
  /** What was scanned: a `/c/…` URL, the bare code, or an EMV string. */
  scanned: string;
  /** Typed for a static code; for an order's code, only checked against the order's amount. */
  amountFen?: bigint;
  pin?: string;
  note?: string;
  yes: boolean;
  idempotencyKey: string;
}

/**
 * Scans first and says whom and what it pays, then (unless --yes) the person confirms, then it
 * pays. The PIN goes along when given; a refusal for want of one is asked for on a terminal and
 * sent again under the same key, which for a static code names the same order.
 */
export async function pay(context: WalletContext, flags: PayFlags): Promise<void> {
  const scanned = (await asUser(context, {
    method: 'POST',
    path: '/v1/codes/scan',
    body: { text: flags.scanned },
  })) as ScannedJson;
  const amountFen = amountToPay(scanned, flags.amountFen);
  if (!context.json) console.log(payingText(scanned, amountFen));
  if (!flags.yes) {
    const confirmed = await context.confirm(`Pay ${yuan(amountFen)} to ${scanned.merchant.name}? [y/N] `);
    if (confirmed === null) {
      throw usageFailure(
        'confirmation_required',
        'paying asks for confirmation and there is no terminal to ask on',
        'add --yes to pay without asking',
      );
    }
    if (!confirmed) {
      context.print({ scanned, order: null }, () => 'Not paid.');
      return;
    }
  }
  const send = (pin: string | undefined) =>
    asUser(context, {
      method: 'POST',
      path: `/v1/codes/${encodeURIComponent(scanned.code)}/pay`,
      idempotencyKey: flags.idempotencyKey,
      body: {
        ...(scanned.kind === 'static' && { amount: amountFen }),
        ...(pin !== undefined && { pin }),
        ...(flags.note !== undefined && { note: flags.note }),
      },
    }) as Promise<OrderJson>;
  let order: OrderJson;
  try {
    order = await send(flags.pin);
  } catch (error) {
    if (flags.pin !== undefined || !isRefusal(error, 'pin_required')) throw error;
    const typed = await context.askSecret(`${error.problem.message}. Payment PIN: `);
    // No terminal (or nothing typed): the refusal stands, and says what is missing.
    if (typed === null || typed === '') {
      throw new WalletFailure(error.exitCode, error.problem, 'add --pin PIN (or set SAOMA_PIN)');
    }
    order = await send(checkedPin(typed));
  }
  context.print({ scanned, order }, () => paidText(scanned, order));
}

/** In fen, as a string: the order's amount, or the one typed for a static code (which needs one). */
function amountToPay(scanned: ScannedJson, typedFen: bigint | undefined): string {
  if (scanned.kind === 'static') {
    if (typedFen === undefined) {
      throw usageFailure(
        'amount_required',
        `this is a static collection code of ${scanned.merchant.name}: say how much to pay`,
        'add --amount YUAN',
      );
    }
    return typedFen.toString();
  }
  // An order's code always names its order; anything else is not this API.
  if (scanned.order === null) throw new Error(`the server described order code ${scanned.code} without its order`);
  if (typedFen !== undefined && typedFen.toString() !== scanned.order.amount) {
    throw usageFailure(
      'amount_mismatch',
      `order ${scanned.order.out_trade_no} asks for ${yuan(scanned.order.amount)}, not the ${yuan(typedFen.toString())} of --amount`,
      "leave --amount out to pay the order's amount",
    );
  }
  return scanned.order.amount;
}

const isRefusal = (error: unknown, code: string): error is WalletFailure =>
  error instanceof WalletFailure && error.exitCode === EXIT_REFUSED && error.problem.code === code;

async function issuePaymentCode(context: WalletContext): Promise<PaymentCodeJson> {
  return (await asUser(context, { method: 'POST', path: '/v1/wallet/payment-codes' })) as PaymentCodeJson;
}

/** The code as a QR made of block characters, two rows a line, for a cashier's scanner to read off the screen. */
async function terminalQr(code: string): Promise<string> {
  // Loaded here: only paycode draws, and every other command would pay for the load.
  const { default: qrcode } = await import('qrcode');
  return qrcode.toString(code, { type: 'terminal', small: true });
}

export async function paymentCode(context: WalletContext): Promise<void> {
  const answer = await issuePaymentCode(context);
  const qr = context.json ? '' : await terminalQr(answer.code);
  context.print(answer, () => paymentCodeText(answer, qr));
}

export async function awaiting(context: WalletContext): Promise<void> {
  const answer = (await asUser(context, { method: 'GET', path: '/v1/wallet/payments/awaiting' })) as {
    orders: OrderJson[];
  };
  context.print(answer, () => awaitingText(answer.orders));
}

async function confirmPayment(
  context: WalletContext,
  orderId: string,
  pin: string,
  idempotencyKey: string,
): Promise<OrderJson> {
  return (await asUser(context, {
    method: 'POST',
    path: `/v1/wallet/payments/${encodeURIComponent(orderId)}/confirm`,
    idempotencyKey,
    body: { pin },
  })) as OrderJson;
}

export async function confirm(
  context: WalletContext,
  flags: { orderId: string; pin?: string; idempotencyKey: string },
): Promise<void> {
  const pin = flags.pin ?? (await context.askSecret(`Payment PIN to confirm ${flags.orderId}: `)) ?? undefined;
  const order = await confirmPayment(context, flags.orderId, checkedPin(pin), flags.idempotencyKey);
  context.print(order, () => confirmedText(order));
}

export interface WatchFlags {
  /** How many codes to show before stopping; null: until stopped. */
  codesMax: number | null;
  pin?: string;
}

export interface WatchSummary {
  codesShown: number;
  confirmed: number;
  refused: number;
  stoppedBy: 'signal' | 'max_refreshes';
}

/** How often, while a code is shown, the wallet asks what waits for the PIN: the payer has 45 s to confirm. */
const AWAITING_POLL_MS = 2_000;
/** Orders already shown or tried are remembered up to this many, so nothing is asked about twice. */
const SEEN_ORDERS_MAX = 1_000;
/** Clear the screen and go to its top: ANSI, which every terminal Node runs in understands. */
const CLEAR_SCREEN = '\x1b[2J\x1b[H';

/**
 * `paycode --watch`: a new code every refresh_after_seconds (at once after a confirmed payment,
 * which spent the code), and meanwhile what the cashier scanned above the password-free limit,
 * confirmed with the PIN. With --json, one JSON object a line: payment_code, awaiting,
 * confirmed, error, stopped.
 */
export async function watchPaymentCode(
  context: WalletContext,
  flags: WatchFlags,
  stop: AbortSignal,
): Promise<WatchSummary> {
  const state: WatchState = { pin: flags.pin, seen: new Set(), confirmed: 0, refused: 0, lastPaid: null };
  let codesShown = 0;
  while (!stop.aborted && (flags.codesMax === null || codesShown < flags.codesMax)) {
    const answer = await issuePaymentCode(context);
    codesShown += 1;
    const qr = context.json ? '' : await terminalQr(answer.code);
    // On a terminal the new code replaces the old one, rather than scrolling it up.
    if (!context.json && process.stdout.isTTY) process.stdout.write(CLEAR_SCREEN);
    emit(context, 'payment_code', answer, () => paymentCodeText(answer, qr));
    // Said again under the new code, which would otherwise have cleared it off the screen.
    if (!context.json && state.lastPaid !== null) console.log(`Last: ${confirmedText(state.lastPaid)}`);
    const refreshAtMs = Date.now() + answer.refresh_after_seconds * 1000;
    let spent = false;
    while (!stop.aborted && !spent && Date.now() < refreshAtMs) {
      spent = await handleAwaiting(context, state, stop);
      if (!spent) await sleepUnlessStopped(Math.min(AWAITING_POLL_MS, refreshAtMs - Date.now()), stop);
    }
  }
  const summary: WatchSummary = {
    codesShown,
    confirmed: state.confirmed,
    refused: state.refused,
    stoppedBy: stop.aborted ? 'signal' : 'max_refreshes',
  };
  const stopped = {
    codes_shown: codesShown,
    confirmed: state.confirmed,
    refused: state.refused,
    stopped_by: summary.stoppedBy,
  };
  emit(
    context,
    'stopped',
    stopped,
    () => `Stopped after ${codesShown} code(s); ${state.confirmed} payment(s) confirmed.`,
  );
  return summary;
}

interface WatchState {
  /** The PIN from --pin or SAOMA_PIN; dropped once the server calls it wrong, so it cannot lock the PIN. */
  pin: string | undefined;
  seen: Set<string>;
  confirmed: number;
  refused: number;
  lastPaid: OrderJson | null;
}

/** Shows and confirms what newly waits; true when a payment was confirmed (the shown code is spent). */
async function handleAwaiting(context: WalletContext, state: WatchState, stop: AbortSignal): Promise<boolean> {
  const { orders } = (await asUser(context, { method: 'GET', path: '/v1/wallet/payments/awaiting' })) as {
    orders: OrderJson[];
  };
  let spent = false;
  for (const order of orders) {
    if (stop.aborted || state.seen.has(order.order_id)) continue;
    remember(state.seen, order.order_id);
    emit(context, 'awaiting', order, () => `Waiting for your PIN: ${awaitingLine(order)}`);
    const given = state.pin;
    const pin = given ?? (await context.askSecret(`PIN to pay ${yuan(order.amount)} (Enter to skip): `));
    if (pin === null) {
      if (!context.json) console.log(`  confirm with: saoma wallet confirm ${order.order_id} --pin PIN`);
      continue;
    }
    if (pin === '') continue;
    if (!PIN_PATTERN.test(pin)) {
      // A slip of the finger: nothing is sent (no try is used up), and the next look asks again.
      console.error('saoma: the payment PIN is six digits; not sent');
      state.seen.delete(order.order_id);
      continue;
    }
    try {
      const paid = await confirmPayment(context, order.order_id, pin, `cli-${randomUUID()}`);
      state.confirmed += 1;
      state.lastPaid = paid;
      spent = true;
      emit(context, 'confirmed', paid, () => confirmedText(paid));
    } catch (error) {
      if (!(error instanceof WalletFailure && error.exitCode === EXIT_REFUSED)) throw error;
      state.refused += 1;
      if (context.json) console.log(JSON.stringify({ error: error.problem }));
      else console.error(problemText(error.problem, error.hint));
      const code = error.problem.code;
      // A wrong --pin is never tried again (each try counts towards the lockout); a mistyped one
      // is asked for again at the next look, while the order still waits.
      if (given !== undefined && (code === 'wrong_pin' || code === 'pin_locked')) state.pin = undefined;
      else if (given === undefined && code === 'wrong_pin') state.seen.delete(order.order_id);
    }
  }
  return spent;
}

function remember(seen: Set<string>, orderId: string): void {
  seen.add(orderId);
  // A Set iterates in insertion order: the first is the oldest.
  if (seen.size > SEEN_ORDERS_MAX) seen.delete(seen.values().next().value!);
}

/** --watch's output: a JSON object a line with --json (a stream), else the text. */
function emit(context: WalletContext, event: string, value: unknown, text: () => string): void {
  console.log(context.json ? JSON.stringify({ [event]: value }) : text());
}

async function sleepUnlessStopped(ms: number, stop: AbortSignal): Promise<void> {
  if (ms <= 0 || stop.aborted) return;
  try {
    await sleep(ms, undefined, { signal: stop });
  } catch (error) {
    if (!(error instanceof Error && error.name === 'AbortError')) throw error;
  }
}

/** A PIN given with --pin or SAOMA_PIN, checked; undefined when none was given (an empty SAOMA_PIN is none). */
export function optionalPin(pin: string | undefined): string | undefined {
  return pin === undefined || pin === '' ? undefined : checkedPin(pin);
}

const PIN_PATTERN = /^[0-9]{6}$/;

/** A six-digit PIN, checked here so that a typo costs no try against the lockout. */
export function checkedPin(pin: string | undefined): string {
  if (pin === undefined || pin === '') {
    throw usageFailure('pin_required', 'this command moves money: give the payment PIN with --pin or SAOMA_PIN');
  }
  if (!PIN_PATTERN.test(pin)) throw usageFailure('invalid_pin', 'the payment PIN is six digits');
  return pin;
}
