/** One progress report of a long task. `total` is absent when unknown. */
export interface ProgressEvent {
  readonly task: string;
  readonly done: number;
  readonly total?: number;
}

export type ProgressHandler = (event: ProgressEvent) => void;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured log port. Libraries log through it; apps decide where it goes. */
export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** The default: says nothing. */
export const silentLogger: Logger = Object.freeze({ log() {} });

export const noProgress: ProgressHandler = () => {};
