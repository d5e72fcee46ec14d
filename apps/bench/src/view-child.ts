// Child process of the usearch-view scenario: opens a saved UsearchSearch in a fresh process
// (view or load), answers lookups, and prints its resident memory at each step as one JSON line.
// Usage: node --expose-gc dist/view-child.js <dir> <view|load> <queries> <seed>
import { readFileSync } from 'node:fs';
import { batch, randomVectors } from '@simkit/core';
import { UsearchSearch } from '@simkit/search-usearch';

const [dir, mode, queryCount, seed] = process.argv.slice(2);
if (dir === undefined || (mode !== 'view' && mode !== 'load')) {
  process.stderr.write('usage: view-child.js <dir> <view|load> <queries> <seed>\n');
  process.exit(2);
}
const DIM = 128;
/** Resident memory: all of it, and its anonymous (heap) and file-backed (mapped file) parts (Linux). */
const rss = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { total: process.memoryUsage().rss, anon: kb('RssAnon'), file: kb('RssFile') };
};
const queries = randomVectors(Number(queryCount), DIM, Number(seed));
// Warm the module and the code paths on a tiny index, so what follows measures the big one.
const warm = new UsearchSearch({ distance: 'cosine', dim: DIM });
await warm.add([0], batch(queries.subarray(0, DIM), DIM));
await warm.lookup(batch(queries.subarray(0, DIM), DIM), 1);
await warm.close();
const before = rss();
const search = new UsearchSearch({ distance: 'cosine', efSearch: 50 });
const t0 = performance.now();
if (mode === 'view') await search.view(dir);
else await search.load(dir);
const openMs = performance.now() - t0;
const opened = rss();
const t1 = performance.now();
const rows = Number(queryCount);
for (let q = 0; q < rows; q++) await search.lookup(batch(queries.subarray(q * DIM, (q + 1) * DIM), DIM), 10);
const perQueryMs = performance.now() - t1;
const t2 = performance.now();
await search.lookup(batch(queries, DIM), 10);
const batchedMs = performance.now() - t2;
const after = rss();
process.stdout.write(
  `${JSON.stringify({ mode, size: search.size(), before, opened, after, openMs, perQueryMs, batchedMs, rows })}\n`,
);
