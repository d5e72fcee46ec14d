import { SimkitError } from '@simkit/core';

/** Exit codes of the `simkit` command. */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2 });

/** A mistake in how the command was called: printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  /** The command whose help the message points to (undefined: the top-level help). */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** True for a UsageError, also across module copies. */
export function isUsageError(error: unknown): error is UsageError {
  return error instanceof Error && error.name === 'UsageError';
}

/** A failure of the input files the user named (bad numbers, wrong shape): a SimkitError INVALID_ARGUMENT naming the file. */
export function badInput(source: string, problem: string): SimkitError {
  return new SimkitError('INVALID_ARGUMENT', `${source}: ${problem}`, { details: { source } });
}
