import { csvField } from './csv.js';

/** How results are written to stdout. */
export const OUTPUT_FORMATS = ['table', 'json', 'csv'] as const;
/** One of OUTPUT_FORMATS. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Where the command writes. */
export interface Out {
  write(text: string): unknown;
}

/** One cell as text: numbers as JavaScript prints them, objects as JSON, null as empty. */
function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** Rows as an aligned text table (numbers right-aligned), CSV with a header, or a JSON array. */
export function formatRows(
  rows: ReadonlyArray<Record<string, unknown>>,
  columns: readonly string[],
  format: OutputFormat,
): string {
  if (format === 'json')
    return `${JSON.stringify(
      rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null]))),
      null,
      2,
    )}\n`;
  if (format === 'csv') {
    const lines = [columns.map((c) => csvField(c)).join(',')];
    for (const r of rows) lines.push(columns.map((c) => csvField(cellText(r[c]))).join(','));
    return `${lines.join('\n')}\n`;
  }
  // A table is for reading: fractions show 6 significant digits (CSV and JSON keep every digit).
  const shown = (v: unknown) =>
    typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toPrecision(6))) : cellText(v);
  const cells = rows.map((r) => columns.map((c) => shown(r[c])));
  const widths = columns.map((c, j) => Math.max(c.length, ...cells.map((row) => (row[j] as string).length)));
  const numericColumn = columns.map(
    (c) => rows.length > 0 && rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number'),
  );
  const pad = (s: string, j: number) =>
    numericColumn[j] ? s.padStart(widths[j] as number) : s.padEnd(widths[j] as number);
  const line = (row: readonly string[]) =>
    row
      .map((s, j) => pad(s, j))
      .join('  ')
      .trimEnd();
  return `${[line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')}\n`;
}

/** A value as the JSON document a command prints: indented, with a final newline. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** A name → value summary: two columns in a table or CSV, one object in JSON. */
export function formatSummary(summary: Record<string, unknown>, format: OutputFormat): string {
  if (format === 'json') return jsonText(summary);
  const rows = Object.entries(summary).map(([name, value]) => ({ name, value }));
  return formatRows(rows, ['name', 'value'], format);
}
