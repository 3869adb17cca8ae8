// A benchmark's helper process (a server, a load generator) forked from a compiled module, spoken
// to by typed messages over IPC: progress is passed on as it comes, other events are awaited by
// type, and a `failed` event or an exit rejects whatever is awaited.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** How long a child gets to exit after it is disconnected, before it is killed. */
const EXIT_GRACE_MS = 30_000;

/** What a child sends once it listens for commands (see listenForCommands). */
export const CHILD_UP = 'up';

interface ChildEvent {
  type: string;
}

export interface BenchChild<Command, Event extends ChildEvent> {
  send(command: Command): void;
  /** The next event of `type` (events of other types wait their turn); `failed` or an exit rejects. */
  expect<Type extends Event['type']>(type: Type): Promise<Extract<Event, { type: Type }>>;
  /** Disconnects, then waits for the exit (killing the child after EXIT_GRACE_MS). */
  stop(): Promise<void>;
}

/**
 * Forks `module` (a URL beside the caller's compiled file). The child inherits Node's flags (so
 * `node --cpu-prof` profiles it too); its stdout goes to our stderr, keeping `--json` output clean.
 */
export function forkBenchChild<Command, Event extends ChildEvent>(
  name: string,
  module: URL,
  onProgress: (done: number) => void,
): BenchChild<Command, Event> {
  const child: ChildProcess = fork(fileURLToPath(module), [], { stdio: ['ignore', 2, 2, 'ipc'] });
  // Commands wait for the child's `up`: a message that arrives before it listens would be lost.
  const held: Command[] = [];
  let up = false;
  const queued: Event[] = [];
  let waiter: { type: string; resolve(event: Event): void; reject(error: Error): void } | null = null;
  let failure: Error | null = null;
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const fail = (error: Error) => {
    failure ??= error;
    waiter?.reject(failure);
    waiter = null;
  };
  child.on('message', (event: Event & { done?: number; message?: string }) => {
    if (event.type === 'progress') return onProgress(event.done ?? 0);
    if (event.type === CHILD_UP) {
      up = true;
      for (const command of held.splice(0)) child.send(command as object);
      return;
    }
    if (event.type === 'failed') return fail(new Error(`the bench ${name} failed: ${event.message ?? ''}`));
    queued.push(event);
    if (waiter && event.type === waiter.type) {
      queued.pop();
      waiter.resolve(event);
      waiter = null;
    }
  });
  child.once('exit', (code, signal) => {
    exited = true;
    fail(new Error(`the bench ${name} process exited (${signal ?? `code ${code}`})`));
  });
  child.once('error', (error) => fail(error));

  return {
    send(command) {
      if (failure) throw failure;
      if (up) child.send(command as object);
      else held.push(command);
    },
    expect(type) {
      const index = queued.findIndex((event) => event.type === type);
      if (index >= 0) return Promise.resolve(queued.splice(index, 1)[0] as Extract<Event, { type: typeof type }>);
      if (failure) return Promise.reject(failure);
      if (waiter) throw new Error(`already waiting for ${waiter.type} from the bench ${name}`);
      return new Promise((resolve, reject) => {
        waiter = { type, resolve: resolve as (event: Event) => void, reject };
      });
    },
    async stop() {
      if (exited) return;
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
      await exit;
      clearTimeout(timer);
    },
  };
}

/**
 * In the child: handles each command in turn, reports a thrown error as `failed` (then `onFailure`),
 * and tells the parent it listens.
 */
export function listenForCommands<Command>(handle: (command: Command) => Promise<void>, onFailure: () => void): void {
  process.on('message', (command: Command) => {
    handle(command).catch((error: unknown) => {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      // onFailure (which may exit) once the message is out.
      process.send!({ type: 'failed', message }, undefined, {}, () => onFailure());
    });
  });
  process.send!({ type: CHILD_UP });
}
