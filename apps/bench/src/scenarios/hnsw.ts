import { batch, clusteredVectors, type Neighbors } from '@simkit/core';
import { HnswSearch } from '@simkit/search-hnsw';
import { LinearSearch } from '@simkit/search-linear';
import { type Scenario, median, printTable, time, writeResults } from '../harness.js';

const DIM = 128;
const QUERIES = 1_000;
const K = 10;
const CLUSTERS = 100;
const SEED = 11;
const M = 16;
const EF_CONSTRUCTION = 200;
const EFS = [10, 20, 50, 100, 200] as const;
const REPEAT = 5;
const BUILD_CHUNKS = 10;
/** Targets from the issue: recall at ef=50, QPS at equal ef, build time, ours against native. */
const TARGET = { recallAtEf50: 0.95, qpsRatio: 0.5, buildRatio: 2.5 };

/** The part of hnswlib-node 3.x used here (it takes plain arrays, not Float32Array). */
interface NativeHnsw {
  initIndex(maxElements: number, m: number, efConstruction: number, randomSeed: number): void;
  addPoint(point: number[], label: number): void;
  setEf(ef: number): void;
  searchKnn(query: number[], k: number): { distances: number[]; neighbors: number[] };
}
type NativeHnswClass = new (space: 'l2', dim: number) => NativeHnsw;

/** hnswlib-node is an optional, natively built peer: it may be missing or fail to load. */
async function loadNative(): Promise<NativeHnswClass | string> {
  const name = 'hnswlib-node';
  try {
    const mod = (await import(name)) as {
      HierarchicalNSW?: NativeHnswClass;
      default?: { HierarchicalNSW?: NativeHnswClass };
    };
    const cls = mod.HierarchicalNSW ?? mod.default?.HierarchicalNSW;
    return cls ?? 'hnswlib-node has no HierarchicalNSW export';
  } catch (error) {
    return error instanceof Error ? (error.message.split('\n')[0] ?? 'unknown error') : String(error);
  }
}

function rows(data: Float32Array, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * DIM, (i + 1) * DIM)));
}

/** recall@k: the share of the exact k nearest ids that a method returned. */
function recall(got: ArrayLike<number>[], exact: Neighbors[]): number {
  let hits = 0;
  for (let q = 0; q < exact.length; q++) {
    const found = new Set(Array.from(got[q] ?? []));
    for (const id of exact[q]?.ids ?? []) if (found.has(id)) hits++;
  }
  return hits / (exact.length * K);
}

const qps = (ms: number) => (QUERIES * 1000) / ms;
const seconds = (ms: number) => ms / 1000;

async function runSize(n: number, Native: NativeHnswClass | string) {
  // One draw for keys and queries, so queries come from the same clusters as the keys.
  const { data: all } = clusteredVectors(n + QUERIES, DIM, CLUSTERS, SEED);
  const data = all.slice(0, n * DIM);
  const queries = all.slice(n * DIM);
  const ids = Int32Array.from({ length: n }, (_, i) => i);

  const linear = new LinearSearch({ distance: 'euclidean', dim: DIM });
  await linear.add(ids, batch(data, DIM));
  const exact = await linear.lookup(batch(queries, DIM), K);

  const ours = new HnswSearch({ distance: 'euclidean', dim: DIM, M, efConstruction: EF_CONSTRUCTION, seed: 100 });
  let native: NativeHnsw | undefined;
  let points: number[][] = [];
  let nativeQueries: number[][] = [];
  if (typeof Native !== 'string') {
    // The peer's input format is plain arrays; converting them is not part of its build time.
    points = rows(data, n);
    nativeQueries = rows(queries, QUERIES);
    native = new Native('l2', DIM);
    native.initIndex(n, M, EF_CONSTRUCTION, 100);
  }
  // Both build in the same BUILD_CHUNKS chunks, alternating, so a change in machine load hits both alike.
  let oursBuildMs = 0;
  let nativeBuildMs = native === undefined ? Number.NaN : 0;
  const chunk = Math.ceil(n / BUILD_CHUNKS);
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    let t0 = performance.now();
    await ours.add(ids.subarray(start, end), batch(data.subarray(start * DIM, end * DIM), DIM));
    oursBuildMs += performance.now() - t0;
    if (native !== undefined) {
      t0 = performance.now();
      for (let i = start; i < end; i++) native.addPoint(points[i] as number[], i);
      nativeBuildMs += performance.now() - t0;
    }
  }

  const perEf = [];
  for (const ef of EFS) {
    ours.setEfSearch(ef);
    native?.setEf(ef);
    let oursRows: Neighbors[] = [];
    let found: number[][] = [];
    const runOurs = async () => {
      oursRows = await ours.lookup(batch(queries, DIM), K);
    };
    const runNative = (peer: NativeHnsw) => () => {
      found = nativeQueries.map((q) => peer.searchKnn(q, K).neighbors);
    };
    // Alternate the two, one repetition at a time, so a change in machine load hits both alike.
    const oursMs: number[] = [];
    const nativeMs: number[] = [];
    for (let rep = 0; rep < REPEAT; rep++) {
      oursMs.push((await time(runOurs, 1, rep === 0 ? 1 : 0)).medianMs);
      if (native !== undefined) nativeMs.push((await time(runNative(native), 1, rep === 0 ? 1 : 0)).medianMs);
    }
    const oursQps = qps(median(oursMs));
    const nativeQps = native === undefined ? Number.NaN : qps(median(nativeMs));
    perEf.push({
      ef,
      oursQps,
      nativeQps,
      qpsRatio: oursQps / nativeQps,
      oursRecall: recall(
        oursRows.map((r) => r.ids),
        exact,
      ),
      nativeRecall: native === undefined ? Number.NaN : recall(found, exact),
    });
  }
  await ours.close();
  return {
    n,
    oursBuildSeconds: seconds(oursBuildMs),
    nativeBuildSeconds: seconds(nativeBuildMs),
    buildRatio: oursBuildMs / nativeBuildMs,
    perEf,
  };
}

export const hnsw: Scenario = {
  name: 'hnsw',
  description: `approximate kNN (k=${K}, dim ${DIM}, M=${M}, efConstruction=${EF_CONSTRUCTION}): HnswSearch (hnswlib-wasm) vs hnswlib-node (native), recall against LinearSearch`,
  async run({ quick }) {
    const sizes = quick ? [20_000] : [20_000, 100_000];
    const Native = await loadNative();
    if (typeof Native === 'string') {
      console.log(`hnswlib-node is not available (${Native}); measuring HnswSearch alone.`);
      console.log('`pnpm install` does not build it. To compare, run `pnpm --filter @simkit/bench build:native`');
      console.log(
        '(with npm_config_nodedir=/usr where Node headers are in /usr/include/node); see apps/bench/README.md.',
      );
    }
    // Load the wasm module before anything is timed.
    const warm = new HnswSearch({ distance: 'euclidean', dim: 2 });
    await warm.add([0], batch(Float32Array.from([0, 0]), 2));
    await warm.close();

    const results = [];
    for (const n of sizes) {
      const r = await runSize(n, Native);
      results.push(r);
      const na = (v: number) => (Number.isNaN(v) ? 'n/a' : v);
      printTable(`hnsw: build, ${n} × ${DIM}`, [
        { method: 'HnswSearch (wasm)', seconds: r.oursBuildSeconds, 'vs native': na(r.buildRatio) },
        {
          method: 'hnswlib-node (native)',
          seconds: na(r.nativeBuildSeconds),
          'vs native': Number.isNaN(r.nativeBuildSeconds) ? 'n/a' : 1,
        },
      ]);
      printTable(
        `hnsw: ${QUERIES} queries, k=${K}, ${n} × ${DIM} (median of ${REPEAT}, ours and native alternating, after a warm-up; recall@${K} vs LinearSearch)`,
        r.perEf.map((e) => ({
          ef: e.ef,
          'ours q/s': Math.round(e.oursQps),
          'native q/s': na(Math.round(e.nativeQps)),
          'ours/native': na(e.qpsRatio),
          'ours recall': e.oursRecall,
          'native recall': na(e.nativeRecall),
        })),
      );
      const at50 = r.perEf.find((e) => e.ef === 50);
      const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
      if (at50 !== undefined) {
        console.log(
          `targets at ${n}: recall@${K} at ef=50 ${at50.oursRecall.toFixed(3)} ≥ ${TARGET.recallAtEf50}: ${verdict(at50.oursRecall >= TARGET.recallAtEf50)}`,
        );
      }
      if (typeof Native !== 'string') {
        const worstQps = Math.min(...r.perEf.map((e) => e.qpsRatio));
        console.log(
          `targets at ${n}: q/s ours/native at equal ef ≥ ${TARGET.qpsRatio} (worst ${worstQps.toFixed(2)}): ${verdict(worstQps >= TARGET.qpsRatio)}; build ours/native ${r.buildRatio.toFixed(2)} ≤ ${TARGET.buildRatio}: ${verdict(r.buildRatio <= TARGET.buildRatio)}`,
        );
      }
    }
    const file = writeResults('hnsw', {
      dim: DIM,
      queries: QUERIES,
      k: K,
      clusters: CLUSTERS,
      seed: SEED,
      M,
      efConstruction: EF_CONSTRUCTION,
      quick,
      native: typeof Native === 'string' ? { available: false, reason: Native } : { available: true },
      targets: TARGET,
      results,
    });
    console.log(`results written to ${file}`);
  },
};
