import type { Logger, ProgressHandler } from '@simkit/core';

/** A row of a summary table: column name → value. */
export type SummaryRow = Readonly<Record<string, string | number | boolean | null>>;

/**
 * Where the façade's `verbose` mode sends what it shows: log lines, progress and
 * summary tables. The package never prints otherwise; apps may pass their own.
 */
export interface Reporter {
  readonly logger: Logger;
  readonly onProgress: ProgressHandler;
  /** Shows a summary table under `title`, one row per object. */
  table(title: string, rows: readonly SummaryRow[]): void;
}
