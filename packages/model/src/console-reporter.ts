// biome-ignore-all lint/suspicious/noConsole: this module is the console output the user turns on with `verbose: true`.
import type { LogLevel } from '@simkit/core';
import type { Reporter, SummaryRow } from './reporter.js';
import { type TextStream, terminalProgress } from './terminal-progress.js';

function stdoutStream(): TextStream | undefined {
  const p = (globalThis as { process?: { stdout?: TextStream } }).process;
  return p?.stdout;
}

/**
 * The reporter behind `verbose: true`: log lines through `console`, progress through
 * `terminalProgress` (a bar redrawn in place on a terminal, one line per finished
 * task otherwise), and summaries through `console.table`.
 */
export function consoleReporter(): Reporter {
  const stdout = stdoutStream();
  // Off a terminal, and in browsers (no process.stdout), finished tasks go through console.info.
  const stream: TextStream =
    stdout?.isTTY === true ? stdout : { write: (text: string) => console.info(text.replace(/\n$/, '')) };
  const progress = terminalProgress(stream);
  const endBar = progress.end;
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
    onProgress: progress.onProgress,
    table(title: string, rows: readonly SummaryRow[]) {
      endBar();
      console.info(`\n[${title}]`);
      console.table(rows);
    },
  };
}
