// biome-ignore-all lint/suspicious/noConsole: this module is the console output the user turns on with `verbose: true`.
import type { LogLevel, ProgressEvent } from '@simkit/core';
import type { Reporter, SummaryRow } from './reporter.js';

const BAR_WIDTH = 30;

interface TextStream {
  readonly isTTY?: boolean;
  write(chunk: string): unknown;
}

function stdoutStream(): TextStream | undefined {
  const p = (globalThis as { process?: { stdout?: TextStream } }).process;
  return p?.stdout;
}

function bar(event: ProgressEvent): string {
  if (event.total === undefined || event.total <= 0) return `${event.task}: ${event.done}`;
  const fraction = Math.min(1, event.done / event.total);
  const filled = Math.round(fraction * BAR_WIDTH);
  const percent = Math.floor(fraction * 100)
    .toString()
    .padStart(3);
  return `${event.task} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${percent}% ${event.done}/${event.total}`;
}

/**
 * The reporter behind `verbose: true`: log lines through `console`, a progress bar
 * redrawn in place on a terminal (one line per finished task otherwise), and
 * summaries through `console.table`.
 */
export function consoleReporter(): Reporter {
  const stream = stdoutStream();
  const tty = stream?.isTTY === true;
  let openBar = false;
  const endBar = () => {
    if (openBar) stream?.write('\n');
    openBar = false;
  };
  return {
    logger: {
      log(level: LogLevel, message: string, fields?: Record<string, unknown>) {
        endBar();
        const line = `[simkit] ${message}`;
        const args = fields && Object.keys(fields).length > 0 ? [line, fields] : [line];
        if (level === 'error') console.error(...args);
        else if (level === 'warn') console.warn(...args);
        else if (level === 'debug') console.debug(...args);
        else console.info(...args);
      },
    },
    onProgress(event: ProgressEvent) {
      const finished = event.total !== undefined && event.done >= event.total;
      if (tty && stream) {
        stream.write(`\r${bar(event)}`);
        openBar = true;
        if (finished) endBar();
      } else if (finished) {
        console.info(bar(event));
      }
    },
    table(title: string, rows: readonly SummaryRow[]) {
      endBar();
      console.info(`\n[${title}]`);
      console.table(rows);
    },
  };
}
