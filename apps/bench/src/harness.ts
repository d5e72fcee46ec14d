import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusteredVectors } from '@simkit/core';

/** One measured quantity: the median of several timed repetitions after a warm-up. */
export interface Timing {
  readonly medianMs: number;
  readonly runsMs: number[];
}

/** Runs `fn` once to warm up, then `repeat` times, and returns the median wall time. */
export async function time(fn: () => unknown, repeat = 5, warmup = 1): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const runsMs: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    await fn();
    runsMs.push(performance.now() - t0);
  }
  return { medianMs: median(runsMs), runsMs };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** One warm-up round, then `repeat` rounds; each round runs every contender once, interleaved to share drift. */
export async function rounds(
  repeat: number,
  contenders: Record<string, () => Promise<number>>,
): Promise<Record<string, Timing>> {
  const names = Object.keys(contenders);
  const runs: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r <= repeat; r++) {
    for (const name of names) {
      const ms = await (contenders[name] as () => Promise<number>)();
      if (r > 0) runs[name]?.push(ms);
    }
  }
  return Object.fromEntries(names.map((n) => [n, { medianMs: median(runs[n] ?? []), runsMs: runs[n] ?? [] }]));
}

/**
 * `n` unit vectors of a seeded clustered draw and the `queries` rows drawn after them (for scenarios
 * where cosine is the distance of every system compared).
 */
export function unitClusteredData(
  n: number,
  queries: number,
  dim: number,
  clusters: number,
  seed: number,
): { data: Float32Array; queries: Float32Array } {
  const { data: all } = clusteredVectors(n + queries, dim, clusters, seed);
  for (let i = 0; i < n + queries; i++) {
    const row = all.subarray(i * dim, (i + 1) * dim);
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += (row[j] as number) ** 2;
    const norm = Math.sqrt(sum);
    for (let j = 0; j < dim; j++) row[j] = (row[j] as number) / norm;
  }
  return { data: all.slice(0, n * dim), queries: all.slice(n * dim) };
}

/** Prints rows as an aligned text table. */
export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0] as object);
  const fmt = (v: string | number | undefined) =>
    typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : String(v ?? '');
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  console.log(`\n${title}`);
  console.log(line(cols));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(cols.map((c) => fmt(r[c]))));
}

/** Writes a scenario's results to bench-results/<name>.json at the repository root. */
export function writeResults(name: string, results: unknown): string {
  const dir = join(import.meta.dirname, '..', '..', '..', 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ scenario: name, date: new Date().toISOString(), node: process.version, results }, null, 2)}\n`,
  );
  return file;
}

/** A bench scenario: a name, a one-line description, and a run function that prints and writes results. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(options: { quick: boolean }): Promise<void>;
}
