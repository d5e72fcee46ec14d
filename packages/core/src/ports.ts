/** One progress report of a long task. `total` is absent when unknown. */
export interface ProgressEvent {
  readonly task: string;
  readonly done: number;
  readonly total?: number;
}

/** Receives the progress reports of a long task, such as adding many embeddings or training. */
export type ProgressHandler = (event: ProgressEvent) => void;

/** How important a log message is. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured log port. Libraries log through it; apps decide where it goes. */
export interface Logger {
  /** Records one message; `fields` holds structured values (counts, paths) that belong with it. */
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** The default: says nothing. */
export const silentLogger: Logger = Object.freeze({ log() {} });

/** The default progress handler: ignores every report. */
export const noProgress: ProgressHandler = () => {};
