// Watches a benchmark run: samples the process's resident memory for the peak, and (for people,
// not for JSON output) draws one progress bar per phase on stderr.
import cliProgress from 'cli-progress';
import type { LoadCounter } from './load.js';

/** How often memory is sampled and the bar redrawn. */
const SAMPLE_INTERVAL_MS = 50;

export interface RunMonitor {
  /** Starts a phase of `total` steps; the caller advances the returned counter. */
  phase(name: string, total: number): LoadCounter;
  /** Forgets the peak so far: the next figure covers only what runs after this call. */
  resetPeakRss(): void;
  peakRssBytes(): number;
  stop(): void;
}

export function createRunMonitor(options: { label: string; showProgress: boolean }): RunMonitor {
  let peakBytes = 0;
  let counter: LoadCounter = { done: 0 };
  let bar: cliProgress.SingleBar | null = null;
  const sample = () => {
    peakBytes = Math.max(peakBytes, process.memoryUsage.rss());
    bar?.update(counter.done);
  };
  const timer = setInterval(sample, SAMPLE_INTERVAL_MS);
  const stopBar = () => {
    if (!bar) return;
    bar.update(counter.done);
    bar.stop();
    bar = null;
  };
  return {
    phase(name, total) {
      sample();
      stopBar();
      counter = { done: 0 };
      if (options.showProgress) {
        bar = new cliProgress.SingleBar(
          {
            format: `${options.label} ${name.padEnd(10)} |{bar}| {percentage}% {value}/{total} {duration_formatted}`,
            stream: process.stderr,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0);
      }
      return counter;
    },
    resetPeakRss() {
      peakBytes = process.memoryUsage.rss();
    },
    peakRssBytes() {
      sample();
      return peakBytes;
    },
    stop() {
      clearInterval(timer);
      stopBar();
    },
  };
}
