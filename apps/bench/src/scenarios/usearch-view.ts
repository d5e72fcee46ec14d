import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batch, randomVectors } from '@simkit/core';
import { UsearchSearch } from '@simkit/search-usearch';
import { type Scenario, printTable, writeResults } from '../harness.js';

const DIM = 128;
const M = 16;
/** A lower efConstruction than the hnsw scenario's 200 keeps the 1M build to minutes on 2 cores. */
const EF_CONSTRUCTION = 64;
const QUERIES = 1_000;
const CHUNK = 100_000;
/** Target of the usearch issue: a view answers lookups with RSS growth under 25% of its file. */
const TARGET_RSS_SHARE = 0.25;

interface Memory {
  total: number;
  anon: number;
  file: number;
}

interface ChildReport {
  mode: 'view' | 'load';
  size: number;
  before: Memory;
  opened: Memory;
  after: Memory;
  openMs: number;
  perQueryMs: number;
  batchedMs: number;
  rows: number;
}

function child(dir: string, mode: 'view' | 'load'): ChildReport {
  const script = join(import.meta.dirname, '..', 'view-child.js');
  const run = spawnSync(process.execPath, ['--expose-gc', script, dir, mode, String(QUERIES), '77'], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) throw new Error(`view child (${mode}) failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as ChildReport;
}

/** Builds and saves the index into `dir`, unless a save of `n` vectors is there from an earlier run. */
async function savedIndex(dir: string, n: number): Promise<{ buildSeconds: number | null }> {
  if (existsSync(dir)) {
    try {
      const probe = new UsearchSearch({ distance: 'cosine', view: true });
      await probe.load(dir);
      if (probe.size() === n) {
        console.log(`reusing the index saved in ${dir} by an earlier run (delete it to build again)`);
        return { buildSeconds: null };
      }
    } catch {
      // Not a usable save: build again.
    }
    rmSync(dir, { recursive: true, force: true });
  }
  const search = new UsearchSearch({ distance: 'cosine', dim: DIM, M, efConstruction: EF_CONSTRUCTION });
  const t0 = performance.now();
  // Generated and added in chunks, so the build never holds the whole data set twice.
  for (let start = 0; start < n; start += CHUNK) {
    const rows = Math.min(CHUNK, n - start);
    const ids = Int32Array.from({ length: rows }, (_, i) => start + i);
    await search.add(ids, batch(randomVectors(rows, DIM, 1000 + start / CHUNK), DIM));
  }
  const buildSeconds = (performance.now() - t0) / 1000;
  await search.save(dir);
  await search.close();
  return { buildSeconds };
}

export const usearchView: Scenario = {
  name: 'usearch-view',
  description: `UsearchSearch.view: a saved index of 1M × ${DIM} random unit vectors served memory-mapped, resident memory against its file size (fresh processes, view vs load)`,
  async run({ quick }) {
    const n = quick ? 200_000 : 1_000_000;
    // Kept between runs (the 1M build takes minutes); the system's temp cleaner removes it in time.
    const dir = join(tmpdir(), `simkit-bench-usearch-view-${n}`);
    const { buildSeconds } = await savedIndex(dir, n);
    const manifest = JSON.parse(readFileSync(join(dir, 'simkit-save.json'), 'utf8')) as { generation: string };
    const fileBytes = statSync(join(dir, manifest.generation, 'usearch-index.bin')).size;
    const view = child(dir, 'view');
    const load = child(dir, 'load');
    const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
    const grown = (r: ChildReport, at: Memory, part: keyof Memory) => at[part] - r.before[part];
    printTable(
      `usearch-view: ${n} × ${DIM}, M ${M}, efConstruction ${EF_CONSTRUCTION}${buildSeconds === null ? '' : ` (built in ${buildSeconds.toFixed(1)} s)`}; file ${mb(fileBytes)} MB; ${QUERIES} lookups one per call, then ${QUERIES} in one batch, k 10, ef 50. Resident growth in MB: all / anonymous (heap) / file-backed (mapped pages)`,
      [view, load].map((r) => ({
        mode: r.mode,
        vectors: r.size,
        'open s': r.openMs / 1000,
        'after open': `${mb(grown(r, r.opened, 'total'))} / ${mb(grown(r, r.opened, 'anon'))} / ${mb(grown(r, r.opened, 'file'))}`,
        'after lookups': `${mb(grown(r, r.after, 'total'))} / ${mb(grown(r, r.after, 'anon'))} / ${mb(grown(r, r.after, 'file'))}`,
        'anonymous / file': grown(r, r.after, 'anon') / fileBytes,
        'per-query q/s': Math.round((r.rows * 1000) / r.perQueryMs),
        'batched q/s': Math.round((r.rows * 1000) / r.batchedMs),
      })),
    );
    const total = grown(view, view.after, 'total') / fileBytes;
    const anon = grown(view, view.after, 'anon') / fileBytes;
    console.log(
      `target: view RSS growth ≤ ${TARGET_RSS_SHARE} of the file: all resident memory ${total.toFixed(3)} (${total <= TARGET_RSS_SHARE ? 'met' : 'MISSED'}), anonymous memory ${anon.toFixed(3)} (${anon <= TARGET_RSS_SHARE ? 'met' : 'MISSED'}); file-backed pages are the mapped file's, shared with the page cache and dropped under memory pressure`,
    );
    const file = writeResults('usearch-view', {
      n,
      dim: DIM,
      M,
      efConstruction: EF_CONSTRUCTION,
      queries: QUERIES,
      buildSeconds,
      fileBytes,
      view,
      load,
      target: TARGET_RSS_SHARE,
      quick,
    });
    console.log(`results written to ${file}`);
  },
};
