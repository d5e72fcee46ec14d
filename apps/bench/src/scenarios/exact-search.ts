import { availableParallelism } from 'node:os';
import { batch, clusteredVectors } from '@simkit/core';
import { normalizeRows } from '@simkit/distances';
import { LinearSearch } from '@simkit/search-linear';
import { type Scenario, median, printTable, writeResults } from '../harness.js';
import type { ExactPeer, KnnRows } from '../peers/exact-peer.js';
import { type Tf, TfjsWasmExact, loadTfjsWasm } from '../peers/tfjs-wasm-exact.js';
import { type Usearch, UsearchExact, loadUsearch } from '../peers/usearch-exact.js';

const DIM = 128;
const QUERIES = 1_000;
const K = 10;
const CLUSTERS = 100;
const SEED = 7;
const REPEAT = 3;
const WARMUP_QUERIES = 100;
/** Queries per matMul + topk: 256 × 100k float32 scores is 102 MB of wasm heap per block. */
const TFJS_QUERY_BLOCK = 256;
/** Queries per exactSearch call: small blocks keep usearch's queries × n distance matrix in cache. */
const USEARCH_QUERY_BLOCK = 16;
/** Tolerance of the tie rule in recall, relative to the k-th exact distance. */
const TIE_TOLERANCE = 1e-6;

interface Measured {
  medianMs: number;
  runsMs: number[];
  /** Median CPU time of this process per run: less sensitive than wall time to other load on the machine. */
  medianCpuMs: number;
}

/**
 * Times the contenders in alternation (a, b, a, b, …) after one warm-up each, so that
 * changes in machine load hit all alike; returns wall and CPU medians per contender.
 */
async function interleaved(
  contenders: ReadonlyArray<{ warmup: () => unknown; run: () => unknown }>,
  repeat: number,
): Promise<Measured[]> {
  for (const c of contenders) await c.warmup();
  const wall = contenders.map(() => [] as number[]);
  const cpu = contenders.map(() => [] as number[]);
  for (let r = 0; r < repeat; r++) {
    for (const [i, c] of contenders.entries()) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await c.run();
      wall[i]!.push(performance.now() - t0);
      const used = process.cpuUsage(c0);
      cpu[i]!.push((used.user + used.system) / 1000);
    }
  }
  return contenders.map((_, i) => ({ medianMs: median(wall[i]!), runsMs: wall[i]!, medianCpuMs: median(cpu[i]!) }));
}

function squaredDistance(data: Float32Array, i: number, queries: Float32Array, q: number): number {
  const o = i * DIM;
  const qo = q * DIM;
  let s = 0;
  for (let t = 0; t < DIM; t++) {
    const d = (queries[qo + t] as number) - (data[o + t] as number);
    s += d * d;
  }
  return s;
}

/**
 * The reference: one query at a time, squared euclidean by a plain loop over a Float32Array,
 * top-k kept in a small sorted buffer. Squared distances rank exactly like euclidean ones.
 */
function naiveKnn(data: Float32Array, n: number, queries: Float32Array, rows: number, k: number) {
  const ids = new Int32Array(rows * k);
  const dists = new Float64Array(rows * k);
  for (let q = 0; q < rows; q++) {
    const base = q * k;
    let size = 0;
    for (let i = 0; i < n; i++) {
      const s = squaredDistance(data, i, queries, q);
      if (size === k && s >= (dists[base + k - 1] as number)) continue;
      let j = size < k ? size++ : k - 1;
      while (j > 0 && (dists[base + j - 1] as number) > s) {
        dists[base + j] = dists[base + j - 1] as number;
        ids[base + j] = ids[base + j - 1] as number;
        j--;
      }
      dists[base + j] = s;
      ids[base + j] = i;
    }
  }
  return { ids, dists };
}

/**
 * recall@k of `got` against the naive answer. A returned id that is not among the naive ids
 * still counts when its true distance (recomputed here, not the one the system reported)
 * ties the naive k-th distance: either order is then correct. Also returns the largest gap
 * between a reported distance and the recomputed one.
 */
function recallAgainst(
  got: KnnRows,
  naive: { ids: Int32Array; dists: Float64Array },
  data: Float32Array,
  queries: Float32Array,
): { recall: number; maxDistanceError: number } {
  let hits = 0;
  let maxDistanceError = 0;
  for (let q = 0; q < QUERIES; q++) {
    const want = new Set(naive.ids.subarray(q * K, (q + 1) * K));
    const kth = Math.sqrt(naive.dists[q * K + K - 1] as number);
    for (let j = q * K; j < (q + 1) * K; j++) {
      const id = got.ids[j] as number;
      const d = Math.sqrt(squaredDistance(data, id, queries, q));
      maxDistanceError = Math.max(maxDistanceError, Math.abs((got.distances[j] as number) - d));
      if (want.has(id) || Math.abs(d - kth) <= TIE_TOLERANCE * Math.max(1, kth)) hits++;
    }
  }
  return { recall: hits / (QUERIES * K), maxDistanceError };
}

/** LinearSearch's answer as flat rows, like the peers'. */
function flatten(rows: ReadonlyArray<{ ids: Int32Array; distances: Float32Array }>, k: number): KnnRows {
  const ids = new Int32Array(rows.length * k);
  const distances = new Float32Array(rows.length * k);
  rows.forEach((r, q) => {
    ids.set(r.ids.subarray(0, k), q * k);
    distances.set(r.distances.subarray(0, k), q * k);
  });
  return { ids, distances };
}

const gc = (globalThis as { gc?: () => void }).gc;

interface Memory {
  /** Bytes the system holds to answer queries; how they were counted is in `measuredAs`. */
  indexBytes: number;
  measuredAs: string;
  /** process.memoryUsage() deltas around the build, after a forced GC (NaN where nothing is built). */
  externalDeltaBytes: number;
  rssDeltaBytes: number;
}

/** Builds with a forced GC before and after, and returns the external and rss deltas. */
async function measuredBuild<T>(build: () => T | Promise<T>): Promise<{ value: T; external: number; rss: number }> {
  gc?.();
  const before = process.memoryUsage();
  const value = await build();
  gc?.();
  const after = process.memoryUsage();
  return { value, external: after.external - before.external, rss: after.rss - before.rss };
}

interface Row {
  method: string;
  result: KnnRows;
  warmup: () => unknown;
  run: () => unknown;
  memory: Memory;
  settings: Readonly<Record<string, string | number | boolean>>;
  close?: () => Promise<void>;
  stats?: () => unknown;
}

async function runSize(n: number, tf: Tf | string, usearch: Usearch | string, threads: number, quick: boolean) {
  // One draw for keys and queries, so queries come from the same clusters as the keys.
  const { data: all } = clusteredVectors(n + QUERIES, DIM, CLUSTERS, SEED);
  normalizeRows(all, DIM, all);
  const data = all.slice(0, n * DIM);
  const queries = all.slice(n * DIM);
  const warmupQueries = queries.subarray(0, WARMUP_QUERIES * DIM);
  const empty: KnnRows = { ids: new Int32Array(0), distances: new Float32Array(0) };
  const keysArray: Memory = {
    indexBytes: data.byteLength,
    measuredAs: 'keys array, not copied',
    externalDeltaBytes: Number.NaN,
    rssDeltaBytes: Number.NaN,
  };

  let naive = { ids: new Int32Array(0), dists: new Float64Array(0) };
  const rows: Row[] = [];
  const naiveRow: Row = {
    method: 'naive JS loop',
    result: empty,
    warmup: () => naiveKnn(data, n, warmupQueries, WARMUP_QUERIES, K),
    run: () => {
      naive = naiveKnn(data, n, queries, QUERIES, K);
      naiveRow.result = { ids: naive.ids, distances: Float32Array.from(naive.dists, Math.sqrt) };
    },
    memory: keysArray,
    settings: {},
  };
  rows.push(naiveRow);

  /** A LinearSearch row; the first one (the JavaScript kernel, as before the WebAssembly one) is what "vs LinearSearch" compares with. */
  const addLinear = async (
    method: string,
    options: { kernel?: 'auto' | 'js'; threads?: number; precision?: 'f32' | 'int8'; screen?: 'int16' },
  ) => {
    const built = await measuredBuild(async () => {
      const s = new LinearSearch({ distance: 'euclidean', dim: DIM, ...options });
      await s.add(
        Int32Array.from({ length: n }, (_, i) => i),
        batch(data, DIM),
      );
      return s;
    });
    const search = built.value;
    const row: Row = {
      method,
      result: empty,
      warmup: () => search.lookup(batch(warmupQueries, DIM), K),
      run: async () => {
        row.result = flatten(await search.lookup(batch(queries, DIM), K), K);
      },
      memory: {
        indexBytes: Math.max(built.external, built.rss),
        measuredAs: 'max(external Δ, rss Δ)',
        externalDeltaBytes: built.external,
        rssDeltaBytes: built.rss,
      },
      settings: { ...options },
      close: () => search.close(),
      stats: () => search.stats(),
    };
    rows.push(row);
  };
  await addLinear('LinearSearch (JS kernel)', { kernel: 'js' });
  await addLinear('LinearSearch (wasm, 1 thread)', { threads: 1 });
  if (threads > 1) await addLinear(`LinearSearch (wasm, ${threads} threads)`, { threads });
  await addLinear('LinearSearch (wasm, int16 screen, 1 thread)', { threads: 1, screen: 'int16' });
  if (threads > 1) {
    await addLinear(`LinearSearch (wasm, int16 screen, ${threads} threads)`, { threads, screen: 'int16' });
  }
  await addLinear('LinearSearch (wasm int8, 1 thread)', { threads: 1, precision: 'int8' });
  if (threads > 1) await addLinear(`LinearSearch (wasm int8, ${threads} threads)`, { threads, precision: 'int8' });

  const peers: ExactPeer[] = [];
  const addPeer = (peer: ExactPeer, memory: Memory) => {
    peers.push(peer);
    const row: Row = {
      method: peer.label,
      result: empty,
      warmup: () => peer.search(warmupQueries, WARMUP_QUERIES, K),
      run: () => {
        row.result = peer.search(queries, QUERIES, K);
      },
      memory,
      settings: peer.settings,
    };
    rows.push(row);
  };
  if (typeof tf !== 'string') {
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    const wasmThreads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
    const tensorBytes = tf.memory().numBytes;
    const b = await measuredBuild(() => new TfjsWasmExact(tf, data, n, DIM, TFJS_QUERY_BLOCK, simd, wasmThreads));
    addPeer(b.value, {
      indexBytes: tf.memory().numBytes - tensorBytes,
      measuredAs: 'tensor bytes',
      externalDeltaBytes: b.external,
      rssDeltaBytes: b.rss,
    });
  }
  if (typeof usearch !== 'string') {
    for (const t of threads > 1 ? [1, threads] : [1]) {
      addPeer(new UsearchExact(usearch, data, DIM, t, USEARCH_QUERY_BLOCK), keysArray);
    }
  }

  const times = await interleaved(rows, REPEAT);
  for (const p of peers) p.dispose();
  const kernelStats = rows
    .filter((r) => r.stats !== undefined)
    .map((r) => ({ method: r.method, ...(r.stats?.() as object) }));
  for (const r of rows) await r.close?.();

  const naiveTime = times[0]!;
  const oursTime = times[1]!;
  const qps = (ms: number) => (QUERIES * 1000) / ms;
  const systems = rows.map((row, i) => {
    const t = times[i]!;
    const { recall, maxDistanceError } = recallAgainst(row.result, naive, data, queries);
    return {
      method: row.method,
      queriesPerSecond: qps(t.medianMs),
      queriesPerCpuSecond: qps(t.medianCpuMs),
      vsNaive: naiveTime.medianMs / t.medianMs,
      vsNaiveCpu: naiveTime.medianCpuMs / t.medianCpuMs,
      vsLinearSearch: oursTime.medianMs / t.medianMs,
      vsLinearSearchCpu: oursTime.medianCpuMs / t.medianCpuMs,
      recallAtK: recall,
      maxDistanceError,
      ...row.memory,
      bytesPerVector: row.memory.indexBytes / n,
      settings: row.settings,
      ...t,
    };
  });

  printTable(
    `exact-search: ${n} × ${DIM} unit vectors, euclidean, ${QUERIES} queries, k=${K} (median of ${REPEAT}, all systems alternating, after a warm-up)`,
    systems.map((s) => ({
      method: s.method,
      'queries/s': s.queriesPerSecond,
      'median ms': Math.round(s.medianMs),
      'vs naive': s.vsNaive,
      'vs LinearSearch': s.vsLinearSearch,
      'queries/s (CPU)': s.queriesPerCpuSecond,
      'vs naive (CPU)': s.vsNaiveCpu,
      'vs LinearSearch (CPU)': s.vsLinearSearchCpu,
    })),
  );
  const mb = (bytes: number) => (Number.isNaN(bytes) ? '—' : bytes / 1e6);
  printTable(
    `exact-search: ${n} × ${DIM}, recall@${K} against the naive loop (ties at the k-th distance count) and memory`,
    systems.map((s) => ({
      method: s.method,
      [`recall@${K}`]: s.recallAtK,
      'index MB': mb(s.indexBytes),
      'bytes/vector': Math.round(s.bytesPerVector),
      'measured as': s.measuredAs,
      'external Δ MB': mb(s.externalDeltaBytes),
      'rss Δ MB': mb(s.rssDeltaBytes),
    })),
  );
  for (const s of systems) {
    // int8 rows answer for rounded vectors: their recall is reported, not required to be 1.
    if (s.method.startsWith('LinearSearch') && !s.method.includes('int8') && s.recallAtK < 1)
      console.log(`WARNING: ${s.method} disagrees with the naive loop.`);
  }
  // The WebAssembly rows must return exactly what the JavaScript kernel returns: ids and distances, bit for bit.
  const reference = rows[1]!.result;
  const identical = rows
    .filter((r) => r.method.startsWith('LinearSearch (wasm,'))
    .map((r) => ({
      method: r.method,
      identicalToJsKernel:
        r.result.ids.every((id, i) => id === reference.ids[i]) &&
        r.result.distances.every((d, i) => Object.is(d, reference.distances[i])),
    }));
  for (const i of identical)
    if (!i.identicalToJsKernel) console.log(`WARNING: ${i.method} differs from the JS kernel.`);
  console.log(JSON.stringify({ n, kernelStats, identical }));
  return { n, quick, systems, kernelStats, identical };
}

export const exactSearch: Scenario = {
  name: 'exact-search',
  description: `exact kNN (k=${K}, dim ${DIM}, unit vectors, euclidean): LinearSearch (JS kernel; WebAssembly kernel on 1 and all threads) vs a naive JS loop, tfjs-wasm matMul+topk and usearch exactSearch`,
  async run({ quick }) {
    const sizes = quick ? [20_000] : [20_000, 100_000];
    const threads = availableParallelism();
    const tf = await loadTfjsWasm();
    const usearch = await loadUsearch();
    if (typeof tf === 'string') console.log(`tfjs-wasm: unavailable: ${tf}`);
    if (typeof usearch === 'string') console.log(`usearch: unavailable: ${usearch}`);
    if (gc === undefined) console.log('memory deltas are taken without a forced GC (run node with --expose-gc).');

    const results = [];
    for (const n of sizes) results.push(await runSize(n, tf, usearch, threads, quick));

    const file = writeResults('exact-search', {
      dim: DIM,
      queries: QUERIES,
      k: K,
      clusters: CLUSTERS,
      seed: SEED,
      quick,
      data: 'clusteredVectors, rows normalised to unit length; queries drawn with the keys',
      distance: 'euclidean',
      repeat: REPEAT,
      warmupQueries: WARMUP_QUERIES,
      cores: threads,
      memory:
        'indexBytes: LinearSearch = the larger of the process.memoryUsage() external and rss deltas around new + add (the WebAssembly memory shows in rss); tfjs-wasm = tf.memory().numBytes delta of its key tensors; naive and usearch scan the caller keys array (its byteLength). Deltas are taken after a forced GC.',
      gcForced: gc !== undefined,
      peers: {
        tfjsWasm: typeof tf === 'string' ? { available: false, reason: tf } : { available: true },
        usearch: typeof usearch === 'string' ? { available: false, reason: usearch } : { available: true },
      },
      results,
    });
    console.log(`results written to ${file}`);
  },
};
