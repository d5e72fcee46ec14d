import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { batch, type Neighbors } from '@simkit/core';
import { HnswSearch } from '@simkit/search-hnsw';
import { LinearSearch } from '@simkit/search-linear';
import { type UsearchQuantization, UsearchSearch } from '@simkit/search-usearch';
import { median, printTable, type Scenario, unitClusteredData, writeResults } from '../harness.js';
import { loadUsearch, type Usearch } from '../peers/usearch-exact.js';

const DIM = 128;
const QUERIES = 1_000;
const K = 10;
const CLUSTERS = 100;
const SEED = 11;
const M = 16;
const EF_CONSTRUCTION = 200;
const EFS = [10, 20, 50, 100, 200] as const;
const REPEAT = 5;
const THREADS = availableParallelism();
/** Targets of the usearch issue (one run; "equal recall" = recall@10 within ±0.005). */
const TARGET = {
  fastestVsNative: 1.5,
  perCallVsNative: 0.8,
  buildVsNative: 0.8,
  i8RecallAtEf50: 0.97,
  i8MemoryVsF32: 0.4,
  overheadVsRaw: 1.15,
  wasmVsNativeAtEf50: 0.5,
  recallFloor: 0.98,
};

/** The part of hnswlib-node 3.x used here (it takes plain arrays, not Float32Array). */
interface NativeHnsw {
  initIndex(maxElements: number, m: number, efConstruction: number, randomSeed: number): void;
  addPoint(point: number[], label: number): void;
  setEf(ef: number): void;
  searchKnn(query: number[], k: number): { distances: number[]; neighbors: number[] };
}
type NativeHnswClass = new (space: 'cosine', dim: number) => NativeHnsw;

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

/** One measured way of searching: a build (timed once) and a search per ef (timed REPEAT times). */
interface System {
  readonly label: string;
  /** Sets ef for the following searches. */
  setEf(ef: number): Promise<void> | void;
  /** Answers all queries; returns the ids found per query. */
  search(): Promise<ArrayLike<number>[]> | ArrayLike<number>[];
}

interface Built {
  readonly label: string;
  readonly buildSeconds: number;
  readonly threads: number;
  /** Growth of the resident set over the build, per vector (after a GC). */
  readonly rssBytesPerVector: number;
  /** Size of the saved index file per vector, where the system saves one. */
  readonly fileBytesPerVector: number | null;
}

const rows = (data: Float32Array, n: number): number[][] =>
  Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * DIM, (i + 1) * DIM)));

/** recall@k: the share of the exact k nearest ids that a method returned. */
function recall(got: ArrayLike<number>[], exact: Neighbors[]): number {
  let hits = 0;
  for (let q = 0; q < exact.length; q++) {
    const found = new Set(Array.from(got[q] ?? []));
    for (const id of exact[q]?.ids ?? []) if (found.has(id)) hits++;
  }
  return hits / (exact.length * K);
}

function rss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
}

/** Runs `build`, timing it and the resident memory it added. */
async function measureBuild(
  label: string,
  n: number,
  threads: number,
  build: () => Promise<void> | void,
  fileBytes: () => Promise<number | null> | number | null = () => null,
): Promise<Built> {
  const before = rss();
  const t0 = performance.now();
  await build();
  const ms = performance.now() - t0;
  const grown = rss() - before;
  const file = await fileBytes();
  return {
    label,
    buildSeconds: ms / 1000,
    threads,
    rssBytesPerVector: grown / n,
    fileBytesPerVector: file === null ? null : file / n,
  };
}

function simkitFile(search: UsearchSearch, scratch: string, name: string): Promise<number> {
  const dir = join(scratch, name);
  return search.save(dir).then(() => {
    const manifest = JSON.parse(readFileSync(join(dir, 'simkit-save.json'), 'utf8')) as { generation: string };
    const bytes = statSync(join(dir, manifest.generation, 'usearch-index.bin')).size;
    rmSync(dir, { recursive: true, force: true });
    return bytes;
  });
}

async function runSize(n: number, Native: NativeHnswClass | string, usearch: Usearch) {
  const { data, queries } = unitClusteredData(n, QUERIES, DIM, CLUSTERS, SEED);
  const ids = Int32Array.from({ length: n }, (_, i) => i);
  const queryBatch = batch(queries, DIM);
  const single = Array.from({ length: QUERIES }, (_, q) => batch(queries.subarray(q * DIM, (q + 1) * DIM), DIM));
  const scratch = mkdtempSync(join(tmpdir(), 'simkit-bench-hnsw-'));

  const linear = new LinearSearch({ distance: 'cosine', dim: DIM });
  await linear.add(ids, batch(data, DIM));
  const exact = await linear.lookup(queryBatch, K);
  await linear.close();

  const builds: Built[] = [];
  const systems: System[] = [];

  // simkit HnswSearch (hnswlib-wasm): one thread, one query per native call.
  const wasm = new HnswSearch({ distance: 'cosine', dim: DIM, M, efConstruction: EF_CONSTRUCTION, seed: 100 });
  builds.push(await measureBuild('simkit hnsw (wasm)', n, 1, () => wasm.add(ids, batch(data, DIM))));
  systems.push({
    label: 'simkit hnsw (wasm), per query',
    setEf: (ef) => wasm.setEfSearch(ef),
    search: async () => (await wasm.lookup(queryBatch, K)).map((r) => r.ids),
  });

  // hnswlib-node: native, one thread, one query per call (plain arrays: converted before timing).
  let native: NativeHnsw | undefined;
  if (typeof Native !== 'string') {
    const points = rows(data, n);
    const nativeQueries = rows(queries, QUERIES);
    const peer = new Native('cosine', DIM);
    builds.push(
      await measureBuild('hnswlib-node (native)', n, 1, () => {
        peer.initIndex(n, M, EF_CONSTRUCTION, 100);
        for (let i = 0; i < n; i++) peer.addPoint(points[i] as number[], i);
      }),
    );
    native = peer;
    systems.push({
      label: 'hnswlib-node (native), per query',
      setEf: (ef) => peer.setEf(ef),
      search: () => nativeQueries.map((q) => peer.searchKnn(q, K).neighbors),
    });
  }

  // Raw usearch, used as its README shows: expansion_search fixed per index, so each ef reloads
  // the saved graph into an index made with that ef (not timed).
  const rawFile = join(scratch, 'raw.usearch');
  const rawConfig = (ef: number) => ({
    dimensions: DIM,
    metric: 'cos' as never,
    quantization: 'f32' as never,
    connectivity: M,
    expansion_add: EF_CONSTRUCTION,
    expansion_search: ef,
    multi: false,
  });
  let raw = new usearch.Index(rawConfig(50));
  const keys = BigUint64Array.from({ length: n }, (_, i) => BigInt(i));
  builds.push(
    await measureBuild(
      'usearch raw f32',
      n,
      THREADS,
      () => raw.add(keys, data, THREADS),
      () => {
        raw.save(rawFile);
        return statSync(rawFile).size;
      },
    ),
  );
  systems.push({
    label: 'usearch raw f32, 1 thread, per query',
    setEf: (ef) => {
      raw = new usearch.Index(rawConfig(ef));
      raw.load(rawFile);
    },
    search: () =>
      single.map((q) => {
        const found = raw.search(q.data, K, 1);
        return Array.from(found.keys, (key) => Number(key));
      }),
  });

  // simkit UsearchSearch, each storage: built on every core; searched one query per call (one
  // thread) and in one batched call (every core).
  for (const quantization of ['f32', 'f16', 'i8'] as UsearchQuantization[]) {
    const s = new UsearchSearch({ distance: 'cosine', dim: DIM, M, efConstruction: EF_CONSTRUCTION, quantization });
    builds.push(
      await measureBuild(
        `simkit usearch ${quantization}`,
        n,
        THREADS,
        () => s.add(ids, batch(data, DIM)),
        () => simkitFile(s, scratch, quantization),
      ),
    );
    systems.push({
      label: `simkit usearch ${quantization}, 1 thread, per query`,
      setEf: (ef) => s.setEfSearch(ef),
      search: async () => {
        const out: Int32Array[] = new Array(QUERIES);
        for (let q = 0; q < QUERIES; q++)
          out[q] = ((await s.lookup(single[q] as (typeof single)[number], K))[0] as Neighbors).ids;
        return out;
      },
    });
    systems.push({
      label: `simkit usearch ${quantization}, ${THREADS} threads, batched`,
      setEf: (ef) => s.setEfSearch(ef),
      search: async () => (await s.lookup(queryBatch, K)).map((r) => r.ids),
    });
  }

  // Every ef: the systems take turns, one repetition at a time, after one warm-up each.
  const perEf: Array<{ ef: number; rows: Array<{ label: string; qps: number; recall: number }> }> = [];
  for (const ef of EFS) {
    const times = systems.map(() => [] as number[]);
    const found: ArrayLike<number>[][] = systems.map(() => []);
    for (const system of systems) await system.setEf(ef);
    for (let rep = -1; rep < REPEAT; rep++) {
      for (let i = 0; i < systems.length; i++) {
        const t0 = performance.now();
        const got = await (systems[i] as System).search();
        const ms = performance.now() - t0;
        if (rep >= 0) (times[i] as number[]).push(ms);
        found[i] = got;
      }
    }
    perEf.push({
      ef,
      rows: systems.map((system, i) => ({
        label: system.label,
        qps: (QUERIES * 1000) / median(times[i] as number[]),
        recall: recall(found[i] as ArrayLike<number>[], exact),
      })),
    });
  }
  await wasm.close();
  rmSync(scratch, { recursive: true, force: true });
  return { n, builds, perEf, nativeAvailable: native !== undefined };
}

type SizeResult = Awaited<ReturnType<typeof runSize>>;

/** The target checks of the issue, from one size's results. */
function verdicts(r: SizeResult): string[] {
  const out: string[] = [];
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const at = (ef: number, label: string) => r.perEf.find((e) => e.ef === ef)?.rows.find((row) => row.label === label);
  const build = (label: string) => r.builds.find((b) => b.label === label);
  /** The fastest setting of the rows matching `filter` with recall at least `floor`. */
  const fastest = (filter: (label: string) => boolean, floor: number) =>
    r.perEf
      .flatMap((e) => e.rows.map((row) => ({ ...row, ef: e.ef })))
      .filter((row) => filter(row.label) && row.recall >= floor)
      .sort((a, b) => b.qps - a.qps)[0];
  const nativeLabel = 'hnswlib-node (native), per query';
  if (r.nativeAvailable) {
    const ours = fastest((l) => l.startsWith('simkit usearch') && l.endsWith('batched'), TARGET.recallFloor);
    const theirs = fastest((l) => l === nativeLabel, TARGET.recallFloor);
    if (ours !== undefined && theirs !== undefined) {
      const ratio = ours.qps / theirs.qps;
      out.push(
        `fastest simkit at recall ≥ ${TARGET.recallFloor} (${ours.label}, ef ${ours.ef}: ${Math.round(ours.qps)} q/s, recall ${ours.recall.toFixed(3)}) vs hnswlib-node (ef ${theirs.ef}: ${Math.round(theirs.qps)} q/s, recall ${theirs.recall.toFixed(3)}) = ${ratio.toFixed(2)}× ≥ ${TARGET.fastestVsNative}: ${verdict(ratio >= TARGET.fastestVsNative)}`,
      );
    }
    for (const ef of [20, 50, 100]) {
      const ours = at(ef, 'simkit usearch f32, 1 thread, per query');
      const theirs = at(ef, nativeLabel);
      if (ours === undefined || theirs === undefined) continue;
      const ratio = ours.qps / theirs.qps;
      const equal = Math.abs(ours.recall - theirs.recall) <= 0.005;
      out.push(
        `ef ${ef}: usearch f32 per query ${Math.round(ours.qps)} q/s (recall ${ours.recall.toFixed(3)}) vs hnswlib-node ${Math.round(theirs.qps)} (recall ${theirs.recall.toFixed(3)}${equal ? '' : ', recall not equal'}) = ${ratio.toFixed(2)}× ≥ ${TARGET.perCallVsNative}: ${verdict(ratio >= TARGET.perCallVsNative)}`,
      );
    }
    const ourBuild = build('simkit usearch f32');
    const theirBuild = build('hnswlib-node (native)');
    if (ourBuild !== undefined && theirBuild !== undefined) {
      const ratio = ourBuild.buildSeconds / theirBuild.buildSeconds;
      out.push(
        `build: usearch f32 on ${THREADS} threads ${ourBuild.buildSeconds.toFixed(1)} s vs hnswlib-node ${theirBuild.buildSeconds.toFixed(1)} s = ${ratio.toFixed(2)}× ≤ ${TARGET.buildVsNative}: ${verdict(ratio <= TARGET.buildVsNative)}`,
      );
    }
    const wasmAt50 = at(50, 'simkit hnsw (wasm), per query');
    const nativeAt50 = at(50, nativeLabel);
    if (wasmAt50 !== undefined && nativeAt50 !== undefined) {
      const ratio = wasmAt50.qps / nativeAt50.qps;
      out.push(
        `hnswlib-wasm at ef 50: ${Math.round(wasmAt50.qps)} q/s vs hnswlib-node ${Math.round(nativeAt50.qps)} = ${ratio.toFixed(2)}× ≥ ${TARGET.wasmVsNativeAtEf50}: ${verdict(ratio >= TARGET.wasmVsNativeAtEf50)}`,
      );
    }
  }
  const i8 = at(50, `simkit usearch i8, ${THREADS} threads, batched`);
  const i8Build = build('simkit usearch i8');
  const f32Build = build('simkit usearch f32');
  if (i8 !== undefined && i8Build?.fileBytesPerVector && f32Build?.fileBytesPerVector) {
    const memory = i8Build.fileBytesPerVector / f32Build.fileBytesPerVector;
    out.push(
      `i8: recall@${K} at ef 50 ${i8.recall.toFixed(3)} ≥ ${TARGET.i8RecallAtEf50}: ${verdict(i8.recall >= TARGET.i8RecallAtEf50)}; bytes per vector ${Math.round(i8Build.fileBytesPerVector)} vs f32 ${Math.round(f32Build.fileBytesPerVector)} = ${memory.toFixed(2)}× ≤ ${TARGET.i8MemoryVsF32}: ${verdict(memory <= TARGET.i8MemoryVsF32)}`,
    );
  }
  const overheads = EFS.map((ef) => {
    const ours = at(ef, 'simkit usearch f32, 1 thread, per query');
    const theirs = at(ef, 'usearch raw f32, 1 thread, per query');
    return ours && theirs ? theirs.qps / ours.qps : Number.NaN;
  });
  const worst = Math.max(...overheads.filter((x) => !Number.isNaN(x)));
  out.push(
    `simkit overhead over raw usearch (f32, per query, worst ef): ${worst.toFixed(2)}× ≤ ${TARGET.overheadVsRaw}: ${verdict(worst <= TARGET.overheadVsRaw)} (per ef: ${overheads.map((x) => x.toFixed(2)).join(', ')})`,
  );
  return out;
}

export const hnsw: Scenario = {
  name: 'hnsw',
  description: `approximate kNN (cosine, k=${K}, dim ${DIM}, M=${M}, efConstruction=${EF_CONSTRUCTION}): HnswSearch (hnswlib-wasm), UsearchSearch (f32/f16/i8) and raw usearch vs hnswlib-node (native), recall against LinearSearch`,
  async run({ quick }) {
    const sizes = quick ? [20_000] : [20_000, 100_000];
    const Native = await loadNative();
    if (typeof Native === 'string') {
      console.log(`hnswlib-node is not available (${Native}); measuring without it.`);
      console.log('`pnpm install` does not build it. To compare, run `pnpm --filter @simkit/bench build:native`');
      console.log(
        '(with npm_config_nodedir=/usr where Node headers are in /usr/include/node); see apps/bench/README.md.',
      );
    }
    const usearch = await loadUsearch();
    if (typeof usearch === 'string') throw new Error(`usearch could not be loaded: ${usearch}`);
    // Load the wasm module before anything is timed.
    const warm = new HnswSearch({ distance: 'cosine', dim: 2 });
    await warm.add([0], batch(Float32Array.from([1, 0]), 2));
    await warm.close();

    const results = [];
    for (const n of sizes) {
      const r = await runSize(n, Native, usearch);
      results.push({ ...r, verdicts: verdicts(r) });
      printTable(
        `hnsw: build, ${n} × ${DIM} (memory: resident growth over the build, and the saved file, per vector)`,
        r.builds.map((b) => ({
          system: b.label,
          threads: b.threads,
          seconds: b.buildSeconds,
          'RSS B/vector': Math.round(b.rssBytesPerVector),
          'file B/vector': b.fileBytesPerVector === null ? 'n/a' : Math.round(b.fileBytesPerVector),
        })),
      );
      for (const e of r.perEf) {
        printTable(
          `hnsw: ef ${e.ef}, ${QUERIES} queries, k=${K}, ${n} × ${DIM} (median of ${REPEAT}, systems taking turns, after a warm-up; recall@${K} vs LinearSearch)`,
          e.rows.map((row) => ({ system: row.label, 'q/s': Math.round(row.qps), recall: row.recall })),
        );
      }
      for (const line of verdicts(r)) console.log(`targets at ${n}: ${line}`);
    }
    const file = writeResults('hnsw', {
      dim: DIM,
      queries: QUERIES,
      k: K,
      clusters: CLUSTERS,
      seed: SEED,
      M,
      efConstruction: EF_CONSTRUCTION,
      threads: THREADS,
      quick,
      native: typeof Native === 'string' ? { available: false, reason: Native } : { available: true },
      targets: TARGET,
      results,
    });
    console.log(`results written to ${file}`);
  },
};
