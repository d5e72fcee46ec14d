import { batch, clusteredVectors, type Neighbors } from '@simkit/core';
import { LinearSearch } from '@simkit/search-linear';
import { type Scenario, median, printTable, writeResults } from '../harness.js';

const DIM = 128;
const QUERIES = 1_000;
const K = 10;
const CLUSTERS = 100;
const SEED = 7;
const REPEAT = 3;
const WARMUP_QUERIES = 100;

interface Measured {
  medianMs: number;
  runsMs: number[];
  /** Median CPU time of this process per run: less sensitive than wall time to other load on the machine. */
  medianCpuMs: number;
}

/**
 * Times the contenders in alternation (a, b, a, b, …) after one warm-up each, so that
 * changes in machine load hit both alike; returns wall and CPU medians per contender.
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

/**
 * The peer: one query at a time, squared euclidean by a plain loop over a Float32Array,
 * top-k kept in a small sorted buffer. Squared distances rank exactly like euclidean ones.
 */
function naiveKnn(data: Float32Array, n: number, queries: Float32Array, rows: number, k: number) {
  const ids = new Int32Array(rows * k);
  const dists = new Float64Array(rows * k);
  for (let q = 0; q < rows; q++) {
    const qo = q * DIM;
    const base = q * k;
    let size = 0;
    for (let i = 0; i < n; i++) {
      const o = i * DIM;
      let s = 0;
      for (let t = 0; t < DIM; t++) {
        const d = (queries[qo + t] as number) - (data[o + t] as number);
        s += d * d;
      }
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
 * recall@k of `ours` against the naive ids, counting a different id as a hit when its
 * distance ties the naive k-th distance (either order is then correct).
 */
function recallAgainst(ours: Neighbors[], naive: { ids: Int32Array; dists: Float64Array }, k: number): number {
  let hits = 0;
  ours.forEach((row, q) => {
    const want = new Set(naive.ids.subarray(q * k, (q + 1) * k));
    const kth = Math.sqrt(naive.dists[q * k + k - 1] as number);
    row.ids.forEach((id, j) => {
      const d = row.distances[j] as number;
      if (want.has(id) || Math.abs(d - kth) <= 1e-6 * Math.max(1, kth)) hits++;
    });
  });
  return hits / (ours.length * k);
}

export const exactSearch: Scenario = {
  name: 'exact-search',
  description: `exact kNN (k=${K}, dim ${DIM}): LinearSearch (euclidean) vs a naive one-query-at-a-time JS loop`,
  async run({ quick }) {
    const n = quick ? 20_000 : 100_000;
    // One draw for keys and queries, so queries come from the same clusters as the keys.
    const { data: all } = clusteredVectors(n + QUERIES, DIM, CLUSTERS, SEED);
    const data = all.slice(0, n * DIM);
    const queries = all.slice(n * DIM);

    const search = new LinearSearch({ distance: 'euclidean', dim: DIM });
    await search.add(
      Int32Array.from({ length: n }, (_, i) => i),
      batch(data, DIM),
    );

    let ours: Neighbors[] = [];
    let naive = { ids: new Int32Array(0), dists: new Float64Array(0) };
    const warmupQueries = queries.subarray(0, WARMUP_QUERIES * DIM);
    const [naiveTime, oursTime] = (await interleaved(
      [
        {
          warmup: () => naiveKnn(data, n, warmupQueries, WARMUP_QUERIES, K),
          run: () => {
            naive = naiveKnn(data, n, queries, QUERIES, K);
          },
        },
        {
          warmup: () => search.lookup(batch(warmupQueries, DIM), K),
          run: async () => {
            ours = await search.lookup(batch(queries, DIM), K);
          },
        },
      ],
      REPEAT,
    )) as [Measured, Measured];

    const recall = recallAgainst(ours, naive, K);
    const qps = (ms: number) => (QUERIES * 1000) / ms;
    const ratio = naiveTime.medianMs / oursTime.medianMs;
    const cpuRatio = naiveTime.medianCpuMs / oursTime.medianCpuMs;
    printTable(`exact-search: ${n} × ${DIM}, ${QUERIES} queries, k=${K} (median of ${REPEAT} after a warm-up)`, [
      {
        method: 'naive JS loop',
        'queries/s': qps(naiveTime.medianMs),
        'median ms': Math.round(naiveTime.medianMs),
        'vs naive': 1,
        'queries/s (CPU)': qps(naiveTime.medianCpuMs),
        'vs naive (CPU)': 1,
      },
      {
        method: 'LinearSearch',
        'queries/s': qps(oursTime.medianMs),
        'median ms': Math.round(oursTime.medianMs),
        'vs naive': ratio,
        'queries/s (CPU)': qps(oursTime.medianCpuMs),
        'vs naive (CPU)': cpuRatio,
      },
    ]);
    console.log(`recall@${K} of LinearSearch against the naive loop (ties allowed): ${recall}`);
    if (recall < 1) console.log('WARNING: exact search disagrees with the naive loop.');
    const file = writeResults('exact-search', {
      n,
      dim: DIM,
      queries: QUERIES,
      k: K,
      clusters: CLUSTERS,
      seed: SEED,
      quick,
      naive: { queriesPerSecond: qps(naiveTime.medianMs), ...naiveTime },
      linearSearch: {
        queriesPerSecond: qps(oursTime.medianMs),
        queryBlock: search.queryBlock,
        keyBlock: search.keyBlock,
        method: 'dot-product expansion in float64, top k + 8 re-scored by direct differences',
        ...oursTime,
      },
      speedup: ratio,
      speedupCpu: cpuRatio,
      recallAtK: recall,
    });
    console.log(`results written to ${file}`);
  },
};
