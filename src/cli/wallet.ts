// `saoma wallet …`: a command-line client of a running Saoma server, acting as one wallet user
// over the native HTTP API. These flags are a public interface (scripts rely on them): add, never
// rename. Exit codes: 0 done, 1 the server refused, 2 usage error or no answer from the server.
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import * as actions from './wallet-actions.js';
import { parseYuanToFen } from './wallet-amount.js';
import { createApiClient, usageFailure, WalletFailure, EXIT_REFUSED } from './wallet-client.js';
import { problemText } from './wallet-format.js';
import { normaliseServerUrl, openSessionStore, walletFilePath } from './wallet-session.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:3000';
const USER_AGENT = 'saoma-wallet-cli/0.1';
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;
const HISTORY_LIMIT_DEFAULT = 20;
/** The statement's page maximum (wallet/statement.ts), repeated here so that the CLI need not load the module. */
const HISTORY_LIMIT_MAX = 100;
const RED_PACKET_KINDS = ['lucky', 'equal', 'single'];
/** `paycode --watch` without a terminal stops after this many codes (about ten minutes), unless told. */
const WATCH_CODES_DEFAULT = 10;
/** A day of codes at one a minute: --max-refreshes is a bound, not a way round one. */
const WATCH_CODES_MAX = 1_440;
/** A typed PIN longer than this is not a PIN; the rest is not kept. */
const SECRET_CHARS_MAX = 64;

interface GlobalFlags {
  server: string;
  json?: boolean;
}

export function registerWalletCommands(program: Command): void {
  const wallet = program
    .command('wallet')
    .description('a command-line wallet: a client of a running server (saoma wallet login first)')
    .addOption(new Option('--server <url>', 'the Saoma server').env('SAOMA_SERVER').default(DEFAULT_SERVER))
    .option('--json', 'print machine-readable JSON (errors too, as {"error":{…}})');
  registerSessionCommands(wallet);
  registerMoneyCommands(wallet);
  registerRedPacketCommands(wallet);
  wallet
    .command('history')
    .description('the statement, newest first')
    .option('--limit <n>', `lines, 1–${HISTORY_LIMIT_MAX}`, String(HISTORY_LIMIT_DEFAULT))
    .option('--kind <kinds>', 'only these kinds, comma-separated (top_up, withdrawal, transfer_in, transfer_out …)')
    .option('--before <cursor>', 'the next page: the cursor the previous page printed')
    .action(
      run((context, flags: { limit: string; kind?: string; before?: string }) =>
        actions.history(context, { ...flags, limit: wholeNumber('--limit', flags.limit, 1, HISTORY_LIMIT_MAX) }),
      ),
    );
  registerPaymentCommands(wallet);
}

const pinOption = (description: string) => new Option('--pin <pin>', description).env('SAOMA_PIN');
const idempotencyKeyOption = (what: string) =>
  new Option('--idempotency-key <key>', `name the ${what} yourself, to retry it safely (default: a fresh one)`);

interface PayOptions {
  amount?: string;
  pin?: string;
  note?: string;
  yes?: boolean;
  idempotencyKey?: string;
}

interface PaycodeOptions {
  watch?: boolean;
  maxRefreshes?: string;
  pin?: string;
}

/** Paying merchants: scanning their codes, and showing ours to their cashiers. */
function registerPaymentCommands(wallet: Command): void {
  wallet
    .command('paycode')
    .description('show a payment code for the cashier to scan: its digits and a QR')
    .option(
      '--watch',
      'a new code every refresh_after_seconds until Ctrl-C, confirming with the PIN what the cashier scanned above the password-free limit',
    )
    .option(
      '--max-refreshes <n>',
      `with --watch: stop after N codes (default: until Ctrl-C on a terminal, else ${WATCH_CODES_DEFAULT})`,
    )
    .addOption(pinOption('with --watch: the PIN that confirms waiting payments (else asked for on a terminal)'))
    .action(run(paycode));
  wallet
    .command('pay')
    .description("pay a merchant's code: says whom and what it pays, asks, then pays")
    .argument('<code>', 'what was scanned: a /c/… URL, the bare code, or an EMV string (000201…)')
    .option(
      '--amount <yuan>',
      "in yuan, for a static code; an order's code carries its amount (if given, it must match)",
    )
    .addOption(pinOption('the six-digit payment PIN: needed above the password-free limit (asked for on a terminal)'))
    .option('--note <text>', "a note: a static code's payment is named by it")
    .option('--yes', 'pay without asking (needed when there is no terminal)')
    .addOption(idempotencyKeyOption('payment'))
    .action(
      run((context, options: PayOptions, code: string) =>
        actions.pay(context, {
          scanned: code,
          amountFen: options.amount === undefined ? undefined : amountFlag(options.amount),
          pin: actions.optionalPin(options.pin),
          note: options.note,
          yes: options.yes === true,
          idempotencyKey: idempotencyKeyOf(options.idempotencyKey),
        }),
      ),
    );
  wallet
    .command('awaiting')
    .description('scanned payment codes waiting for your PIN')
    .action(run((context) => actions.awaiting(context)));
  wallet
    .command('confirm')
    .description('confirm with your PIN a scanned payment code that waits for it')
    .argument('<order_id>', 'the order, as awaiting lists it')
    .addOption(pinOption('the six-digit payment PIN (asked for on a terminal)'))
    .addOption(idempotencyKeyOption('confirmation'))
    .action(
      run((context, options: { pin?: string; idempotencyKey?: string }, orderId: string) =>
        actions.confirm(context, {
          orderId,
          pin: actions.optionalPin(options.pin),
          idempotencyKey: idempotencyKeyOf(options.idempotencyKey),
        }),
      ),
    );
}

async function paycode(context: actions.WalletContext, options: PaycodeOptions): Promise<void> {
  if (!options.watch) {
    if (options.maxRefreshes !== undefined) throw usageFailure('usage', '--max-refreshes goes with --watch');
    return actions.paymentCode(context);
  }
  // Unbounded only with a person at a terminal to press Ctrl-C; a script gets a bound.
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const codesMax =
    options.maxRefreshes !== undefined
      ? wholeNumber('--max-refreshes', options.maxRefreshes, 1, WATCH_CODES_MAX)
      : interactive
        ? null
        : WATCH_CODES_DEFAULT;
  const pin = actions.optionalPin(options.pin);
  const stopping = new AbortController();
  // The first Ctrl-C (or SIGTERM) ends the watch after the request in flight; a second one at once.
  const onSignal = () => (stopping.signal.aborted ? process.exit(130) : stopping.abort());
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const summary = await actions.watchPaymentCode(context, { codesMax, pin }, stopping.signal);
    // Ended by Ctrl-C or its bound, the watch did its job; a refused confirmation is a "no".
    if (summary.refused > 0) process.exitCode = EXIT_REFUSED;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function registerSessionCommands(wallet: Command): void {
  wallet
    .command('login')
    .description('log in and keep the session for this server')
    .requiredOption('--phone <phone>', 'the mobile number')
    .addOption(new Option('--password <password>', 'the password').env('SAOMA_PASSWORD').makeOptionMandatory())
    .option('--provider <id>', 'the wallet provider, when the phone has accounts at several')
    .option('--device-name <name>', 'how the device list shows this computer')
    .action(run(actions.login));
  wallet
    .command('logout')
    .description('sign the session out and forget it')
    .action(run((context) => actions.logout(context)));
  wallet
    .command('signup')
    .description('open a wallet (class I) and log in')
    .requiredOption('--provider <id>', 'the wallet provider: bluepay or greenpay in the demo')
    .requiredOption('--phone <phone>', 'the mobile number')
    .addOption(
      new Option('--password <password>', 'the password, 8 characters or more')
        .env('SAOMA_PASSWORD')
        .makeOptionMandatory(),
    )
    .option('--pin <pin>', 'also set the six-digit payment PIN')
    .option('--device-name <name>', 'how the device list shows this computer')
    .action(run(actions.signup));
  wallet
    .command('whoami')
    .description('who is logged in: class, real name, limits left')
    .action(run((context) => actions.whoami(context)));
  wallet
    .command('balance')
    .description('the available balance')
    .action(run((context) => actions.balance(context)));
  wallet
    .command('cards')
    .description('the linked bank cards (their ids are what --card takes)')
    .action(run((context) => actions.cards(context)));
}

interface MoneyOptions {
  amount: string;
  pin?: string;
  idempotencyKey?: string;
}

/** --amount, --pin and --idempotency-key: every command that moves money takes them. */
function withMoneyOptions(command: Command): Command {
  return command
    .requiredOption('--amount <yuan>', 'in yuan: 12.50, 12.5 or 12')
    .addOption(new Option('--pin <pin>', 'the six-digit payment PIN').env('SAOMA_PIN'))
    .option('--idempotency-key <key>', 'name the operation yourself, to retry it safely (default: a fresh one)');
}

function amountFlag(text: string): bigint {
  const amount = parseYuanToFen(text);
  if (!amount.ok) throw usageFailure(amount.error.code, `--amount: ${amount.error.message}`);
  return amount.value;
}

function moneyFlags(options: MoneyOptions): actions.MoneyFlags {
  return {
    amountFen: amountFlag(options.amount),
    pin: actions.checkedPin(options.pin),
    idempotencyKey: idempotencyKeyOf(options.idempotencyKey),
  };
}

/** The caller's key (a script that retries names its operation), or a fresh one. */
function idempotencyKeyOf(given: string | undefined): string {
  const key = given ?? `cli-${randomUUID()}`;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw usageFailure(
      'invalid_idempotency_key',
      '--idempotency-key must be 1–128 printable ASCII characters without spaces',
    );
  }
  return key;
}

function registerMoneyCommands(wallet: Command): void {
  withMoneyOptions(
    wallet.command('topup').description('top up from a linked debit card').requiredOption('--card <id>', 'the card id'),
  ).action(
    run((context, options: MoneyOptions & { card: string }) =>
      actions.topUp(context, { ...moneyFlags(options), card: options.card }),
    ),
  );
  withMoneyOptions(
    wallet
      .command('withdraw')
      .description('withdraw to a linked debit card: shows the fee and free quota, then asks')
      .requiredOption('--card <id>', 'the card id')
      .option('--yes', 'go ahead without asking (needed when there is no terminal)'),
  ).action(
    run((context, options: MoneyOptions & { card: string; yes?: boolean }) =>
      actions.withdraw(context, { ...moneyFlags(options), card: options.card, yes: options.yes === true }),
    ),
  );
  withMoneyOptions(
    wallet
      .command('transfer')
      .description('send money to another user of the same provider; prints their masked name')
      .option('--to <phone>', "the payee's mobile number")
      .option('--to-user <id>', "the payee's user id")
      .option('--note <text>', 'a note the payee sees'),
  ).action(
    run((context, options: MoneyOptions & { to?: string; toUser?: string; note?: string }) => {
      if ((options.to === undefined) === (options.toUser === undefined)) {
        throw usageFailure('usage', 'name the payee with exactly one of --to PHONE and --to-user ID');
      }
      return actions.transfer(context, {
        ...moneyFlags(options),
        to: options.to,
        toUser: options.toUser,
        note: options.note,
      });
    }),
  );
}

function registerRedPacketCommands(wallet: Command): void {
  const redPacket = wallet.command('redpacket').description('red packets: send, claim, show');
  withMoneyOptions(
    redPacket
      .command('send')
      .description('send a red packet; --amount is the total, shared out among --count people')
      .addOption(
        new Option('--kind <kind>', 'lucky (random shares), equal, or single (one person)')
          .choices(RED_PACKET_KINDS)
          .makeOptionMandatory(),
      )
      .option('--count <n>', 'how many shares (lucky and equal; single is 1)')
      .option('--to <phone>', 'who it is for (required for single)')
      .option('--note <text>', 'the wish written on it'),
  ).action(
    run((context, options: MoneyOptions & { kind: string; count?: string; to?: string; note?: string }) => {
      if (options.kind === 'single' && options.to === undefined) {
        throw usageFailure('usage', 'a single red packet needs --to PHONE');
      }
      if (options.kind !== 'single' && options.count === undefined) {
        throw usageFailure('usage', `a ${options.kind} red packet needs --count N`);
      }
      const count = options.count === undefined ? 1 : wholeNumber('--count', options.count, 1, 1_000);
      return actions.sendRedPacket(context, {
        ...moneyFlags(options),
        kind: options.kind,
        count,
        to: options.to,
        note: options.note,
      });
    }),
  );
  redPacket
    .command('claim')
    .description('claim a share of a red packet')
    .argument('<id>', 'the red packet id')
    .option('--idempotency-key <key>', 'name the claim yourself, to retry it safely')
    .action(
      run((context, options: { idempotencyKey?: string }, id: string) =>
        actions.claimRedPacket(context, id, idempotencyKeyOf(options.idempotencyKey)),
      ),
    );
  redPacket
    .command('show')
    .description('a red packet: who claimed how much, what is left')
    .argument('<id>', 'the red packet id')
    .action(run((context, _options: object, id: string) => actions.showRedPacket(context, id)));
}

/**
 * Wraps a command's action: builds the context from the global flags, runs it, and turns a
 * WalletFailure into its text (stderr) or JSON (stdout) and exit code. Other errors go on to the
 * `saoma` command's own handler (exit 2).
 */
function run<Options>(
  action: (context: actions.WalletContext, options: Options, ...args: string[]) => Promise<void>,
): (...commanderArgs: unknown[]) => Promise<void> {
  return async (...commanderArgs) => {
    // Commander passes the arguments, then the options, then the command itself.
    const command = commanderArgs.at(-1) as Command;
    const globals = command.optsWithGlobals<GlobalFlags>();
    const json = globals.json === true;
    try {
      const context = walletContext(globals);
      await action(context, command.opts() as Options, ...(commanderArgs.slice(0, -2) as string[]));
    } catch (error) {
      if (!(error instanceof WalletFailure)) throw error;
      if (json) console.log(JSON.stringify({ error: error.problem }, null, 2));
      else console.error(problemText(error.problem, error.hint));
      process.exitCode = error.exitCode;
    }
  };
}

function walletContext(globals: GlobalFlags): actions.WalletContext {
  const server = normaliseServerUrl(globals.server);
  if (server === null) {
    throw usageFailure(
      'invalid_server',
      `--server (or SAOMA_SERVER) must be an http:// or https:// URL, not "${globals.server}"`,
    );
  }
  const json = globals.json === true;
  return {
    server,
    json,
    api: createApiClient(server, USER_AGENT),
    sessions: openSessionStore(walletFilePath(process.env)),
    print: (value, text) => console.log(json ? JSON.stringify(value, null, 2) : text()),
    confirm: askYesNo,
    askSecret,
  };
}

/** Asks on the terminal (the question on stderr, so stdout stays the result); null without one. */
async function askYesNo(question: string): Promise<boolean | null> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return null;
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(question)).trim());
  } finally {
    terminal.close();
  }
}

/**
 * Asks on the terminal without echoing what is typed (the PIN); null without a terminal. Raw
 * mode turns Ctrl-C into a character, so it is sent on as the signal it would have been.
 */
async function askSecret(question: string): Promise<string | null> {
  const input = process.stdin;
  if (!input.isTTY || !process.stderr.isTTY) return null;
  process.stderr.write(question);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  try {
    return await new Promise<string>((resolve) => {
      let typed = '';
      const onData = (chunk: string) => {
        for (const char of chunk) {
          if (char === '\r' || char === '\n' || char === '\u0004') return finish(typed);
          if (char === '\u0003') {
            finish('');
            process.kill(process.pid, 'SIGINT');
            return;
          }
          if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
          else if (typed.length < SECRET_CHARS_MAX) typed += char;
        }
      };
      const finish = (value: string) => {
        input.off('data', onData);
        resolve(value);
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    process.stderr.write('\n');
  }
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = /^[0-9]{1,7}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw usageFailure('usage', `${flag} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}
