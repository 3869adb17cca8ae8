// A task the server runs on a timer (the sweeps, the settlement scheduler, the webhook worker):
// a timeout chain rather than setInterval, so a slow run never overlaps the next; unref'd, so it
// never keeps the process alive; a failure is logged and the next run tries again.

/** The part of the logger a periodic task uses (Fastify's pino logger has it). */
export interface PeriodicLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface PeriodicTask<Outcome> {
  /** One run now (or the one in progress); null after logging a failure. */
  runOnce(): Promise<Outcome | null>;
  /** Cancels the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export function startPeriodic<Outcome>(options: {
  /** Names the task in the log: a failure is logged as `<name> failed`. */
  name: string;
  run: () => Promise<Outcome>;
  log: PeriodicLog;
  intervalMs: number;
  /** A full run means more is due (after downtime, say): the next run starts at once. */
  wasFull: (outcome: Outcome) => boolean;
}): PeriodicTask<Outcome> {
  const { name, run, log, intervalMs, wasFull } = options;
  let timer: NodeJS.Timeout | null = null;
  let inProgress: Promise<Outcome | null> | null = null;
  let stopped = false;

  const runOnce = (): Promise<Outcome | null> => {
    inProgress ??= run()
      .catch((error: unknown) => {
        log.error({ err: error }, `${name} failed`);
        return null;
      })
      .finally(() => (inProgress = null));
    return inProgress;
  };
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(async () => {
      const outcome = await runOnce();
      schedule(outcome !== null && wasFull(outcome) ? 0 : intervalMs);
    }, delayMs);
    timer.unref();
  };
  schedule(intervalMs);
  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inProgress;
    },
  };
}
