// What each `saoma wallet` command does over the native API: one function a command, given the
// context (server, session store, output mode) and its checked flags. Money-moving commands send
// an Idempotency-Key (fresh, or the caller's for retries) and the PIN.
import { hostname } from 'node:os';
import { usageFailure, WalletFailure, type ApiClient, type ApiRequest } from './wallet-client.js';
import {
  cardsText,
  claimText,
  operationText,
  quoteText,
  redPacketText,
  statementText,
  userLine,
  whoamiText,
  yuan,
  type CardJson,
  type LimitsJson,
  type OperationJson,
  type PayeeJson,
  type QuoteJson,
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

/** A six-digit PIN, checked here so that a typo costs no try against the lockout. */
export function checkedPin(pin: string | undefined): string {
  if (pin === undefined || pin === '') {
    throw usageFailure('pin_required', 'this command moves money: give the payment PIN with --pin or SAOMA_PIN');
  }
  if (!/^[0-9]{6}$/.test(pin)) throw usageFailure('invalid_pin', 'the payment PIN is six digits');
  return pin;
}
