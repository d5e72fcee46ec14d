import { open, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusteredVectors } from '@simkit/core';
import { Indexer } from '@simkit/indexer';
import { median, printTable, type Scenario, type Timing, writeResults } from '../harness.js';

const DIM = 128;
const SEED = 21;

/** Writes `bytes` to `file` and flushes it to the device, as any durable save must at least do. */
async function writeSynced(file: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The same bytes a save holds, written as plain files: the floor for any save of this index. */
async function rawSave(dir: string, parts: Record<string, Uint8Array>): Promise<void> {
  for (const [name, bytes] of Object.entries(parts)) await writeSynced(join(dir, name), bytes);
}

async function rawLoad(dir: string, names: string[]): Promise<number> {
  let total = 0;
  for (const name of names) total += (await readFile(join(dir, name))).length;
  return total;
}

/** Interleaved rounds after one warm-up, so every contender sees the same drift. */
async function rounds(
  repeat: number,
  contenders: Record<string, () => Promise<unknown>>,
): Promise<Record<string, Timing>> {
  const names = Object.keys(contenders);
  const runs: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r <= repeat; r++) {
    for (const name of names) {
      const t0 = performance.now();
      await (contenders[name] as () => Promise<unknown>)();
      if (r > 0) runs[name]?.push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((n) => [n, { medianMs: median(runs[n] ?? []), runsMs: runs[n] ?? [] }]));
}

export const saves: Scenario = {
  name: 'saves',
  description:
    'Indexer.save / Indexer.load (atomic, checksummed, fsynced) vs writing and reading the same bytes as plain files',
  async run({ quick }) {
    const rows = quick ? 10_000 : 100_000;
    const repeat = quick ? 3 : 5;
    const { data, labels } = clusteredVectors(rows, DIM, 100, SEED);
    const payload = Array.from({ length: rows }, (_, i) => `item-${i}.jpg`);
    const index = new Indexer({ embeddingSize: DIM, distance: 'cosine' });
    await index.batchAdd({ data, rows, dim: DIM }, labels, payload);
    const root = await mkdtemp(join(tmpdir(), 'simkit-bench-saves-'));
    try {
      const parts = {
        'embeddings.f32': new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        'ids.i32': new Uint8Array(Int32Array.from({ length: rows }, (_, i) => i).buffer),
        'labels.i32': new Uint8Array(labels.buffer),
        'data.jsonl': Buffer.from(payload.map((p) => JSON.stringify(p)).join('\n')),
      };
      const saveDir = join(root, 'index');
      const rawDir = await mkdtemp(join(root, 'raw-'));
      const saveTimes = await rounds(repeat, {
        'Indexer.save': () => index.save(saveDir),
        'plain files + fsync': () => rawSave(rawDir, parts),
      });
      const loadTimes = await rounds(repeat, {
        'Indexer.load': () => Indexer.load(saveDir),
        'plain readFile': () => rawLoad(rawDir, Object.keys(parts)),
      });
      const save = saveTimes['Indexer.save'] as Timing;
      const rawS = saveTimes['plain files + fsync'] as Timing;
      const load = loadTimes['Indexer.load'] as Timing;
      const rawL = loadTimes['plain readFile'] as Timing;
      const table = [
        { operation: 'save', simkit_ms: save.medianMs, plain_ms: rawS.medianMs, ratio: save.medianMs / rawS.medianMs },
        { operation: 'load', simkit_ms: load.medianMs, plain_ms: rawL.medianMs, ratio: load.medianMs / rawL.medianMs },
      ];
      printTable(`${rows} × ${DIM} records with labels and data, median of ${repeat} after a warm-up`, table);
      const file = writeResults('saves', { rows, dim: DIM, repeat, save: saveTimes, load: loadTimes, table });
      console.log(`\nwrote ${file}`);
    } finally {
      await rm(root, { recursive: true, force: true });
      await index.close();
    }
  },
};
