import { checkOptions, describe, invalidArgument } from '@simkit/core';
import type { CalibrationResult, Cutpoint } from './cutpoint.js';

/** Options of the text-table formatters. */
export interface FormatOptions {
  /** Decimals shown for numbers (default 2); display only. */
  readonly rounding?: number;
}

type Cell = string | number | undefined;

/**
 * Cutpoints as a plain-text table: `name`, `value`, `distance`, then every
 * metric, one row per cutpoint. The library never prints; apps do.
 */
export function formatCutpoints(
  result: CalibrationResult | Readonly<Record<string, Cutpoint>>,
  options?: FormatOptions,
): string {
  const rounding = checkRounding(options);
  if (typeof result !== 'object' || result === null) {
    throw invalidArgument(`formatCutpoints expects a calibration result or its cutpoints; got ${describe(result)}.`);
  }
  const cutpoints = isCalibrationResult(result) ? result.cutpoints : (result as Readonly<Record<string, Cutpoint>>);
  const rows = Object.values(cutpoints);
  const columns = ['name', 'value', 'distance'];
  for (const cp of rows) {
    if (typeof cp !== 'object' || cp === null) {
      throw invalidArgument(`Each cutpoint must be an object { name, value, distance, … }; got ${describe(cp)}.`);
    }
    for (const key of Object.keys(cp)) if (!columns.includes(key)) columns.push(key);
  }
  return table(
    columns,
    rows.map((cp) => columns.map((c) => (cp as Record<string, Cell>)[c])),
    rounding,
  );
}

/**
 * Metrics as a plain-text table: a `metric | value` table for scalar results
 * (evaluateRetrieval), or one column per key and one row per threshold for
 * curves (evaluateClassification).
 */
export function formatMetrics(
  record: Readonly<Record<string, number | ArrayLike<number>>>,
  options?: FormatOptions,
): string {
  const rounding = checkRounding(options);
  if (typeof record !== 'object' || record === null) {
    throw invalidArgument(`formatMetrics expects an object of metric name → value(s); got ${describe(record)}.`);
  }
  const entries = Object.entries(record);
  if (entries.every(([, v]) => typeof v === 'number')) {
    return table(
      ['metric', 'value'],
      entries.map(([k, v]) => [k, v as number]),
      rounding,
    );
  }
  const arrays = entries.filter(([, v]) => typeof v === 'object' && v !== null && typeof v.length === 'number');
  if (arrays.length !== entries.length) {
    throw invalidArgument(
      'formatMetrics: pass either all numbers (one per metric) or all arrays (one value per threshold).',
    );
  }
  const length = Math.max(0, ...arrays.map(([, v]) => (v as ArrayLike<number>).length));
  const rows: Cell[][] = [];
  for (let i = 0; i < length; i++) rows.push(arrays.map(([, v]) => (v as ArrayLike<number>)[i]));
  return table(
    arrays.map(([k]) => k),
    rows,
    rounding,
  );
}

function isCalibrationResult(value: object): value is CalibrationResult {
  const v = value as Record<string, unknown>;
  return (
    typeof v.cutpoints === 'object' &&
    v.cutpoints !== null &&
    typeof v.thresholds === 'object' &&
    v.thresholds !== null &&
    typeof v.name !== 'string'
  );
}

function checkRounding(options: FormatOptions | undefined): number {
  const r = checkOptions(options, 'format options { rounding }').rounding ?? 2;
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 0 || r > 20) {
    throw invalidArgument(`rounding must be an integer from 0 to 20; got ${describe(r)}.`);
  }
  return r;
}

function cellText(v: Cell, rounding: number): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return v.toFixed(rounding);
}

/** Header, a rule, then rows; numbers right-aligned, text left-aligned, two spaces apart. */
function table(columns: string[], rows: Cell[][], rounding: number): string {
  const text = rows.map((r) => r.map((v) => cellText(v, rounding)));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => (r[i] ?? '').length)));
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] !== 'string'));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}
