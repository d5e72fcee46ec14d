// The exact-search workload measured in Chromium and, by the test, in Node: unit vectors,
// the WebAssembly kernel against LinearSearch's JavaScript scan on the same data.
import { batch } from '@simkit/core';
import { LinearSearch } from '@simkit/search-linear';

export const KEYS = 20_000;
export const DIM = 128;
export const QUERIES = 200;
export const K = 10;

/** Deterministic unit vectors. */
function unitRows(rows: number, seed: number): Float32Array {
  const out = new Float32Array(rows * DIM);
  let a = seed | 0;
  for (let i = 0; i < out.length; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  }
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = 0; i < DIM; i++) s += (out[r * DIM + i] as number) ** 2;
    for (let i = 0; i < DIM; i++) out[r * DIM + i] = (out[r * DIM + i] as number) / Math.sqrt(s);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

type Rows = Awaited<ReturnType<LinearSearch['lookup']>>;

/** Lookups of `queries` on `search`: the last answers and the median time of 3 after a warm-up. */
async function timedLookups(search: LinearSearch, queries: ReturnType<typeof batch>) {
  await search.lookup(queries, K);
  const times: number[] = [];
  let got = await search.lookup(queries, K);
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    got = await search.lookup(queries, K);
    times.push(performance.now() - t);
  }
  return { got, queriesPerSecond: (QUERIES * 1000) / median(times) };
}

const same = (got: Rows, want: Rows) =>
  got.every(
    (row, q) =>
      row.ids.every((id, i) => id === want[q]?.ids[i]) &&
      row.distances.every((d, i) => Object.is(d, want[q]?.distances[i])),
  );

/**
 * Times `QUERIES` cosine lookups (median of 3 after a warm-up) on the float32 kernel and on the
 * int16 screen, and checks both against the JavaScript scan.
 */
export async function kernelWorkload(threads: number) {
  const ids = Int32Array.from({ length: KEYS }, (_, i) => i);
  const keys = batch(unitRows(KEYS, 1), DIM);
  const queries = batch(unitRows(QUERIES, 2), DIM);
  const wasm = new LinearSearch({ distance: 'cosine', threads });
  const screened = new LinearSearch({ distance: 'cosine', threads, screen: 'int16' });
  const js = new LinearSearch({ distance: 'cosine', kernel: 'js' });
  await wasm.add(ids, keys);
  await screened.add(ids, keys);
  await js.add(ids, keys);
  const float32 = await timedLookups(wasm, queries);
  const screen = await timedLookups(screened, queries);
  const jsStart = performance.now();
  const want = await js.lookup(queries, K);
  const jsMs = performance.now() - jsStart;
  const stats = wasm.stats();
  await wasm.close();
  await screened.close();
  return {
    kernel: stats.kernel,
    threads: stats.threads,
    sharedMemory: stats.sharedMemory,
    identical: same(float32.got, want),
    queriesPerSecond: float32.queriesPerSecond,
    screenIdentical: same(screen.got, want),
    screenQueriesPerSecond: screen.queriesPerSecond,
    jsQueriesPerSecond: (QUERIES * 1000) / jsMs,
  };
}
