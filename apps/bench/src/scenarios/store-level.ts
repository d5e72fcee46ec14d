import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batch, clusteredVectors, type EmbeddingBatch, randomInt, type Store, seededRandom } from '@simkit/core';
import { LevelStore } from '@simkit/store-level';
import { MemoryStore } from '@simkit/store-memory';
import { Level } from 'level';
import { printTable, rounds, type Scenario, type Timing, writeResults } from '../harness.js';

const DIM = 128;
const BATCH = 1_000;
const GETS = 10_000;
const CLUSTERS = 100;
const SEED = 11;
const ADD_REPEAT = 5;
const GET_REPEAT = 9;

type RawDb = Level<Uint8Array, Uint8Array>;
const rawOptions = { keyEncoding: 'view', valueEncoding: 'view' } as const;

interface Batches {
  readonly embeddings: EmbeddingBatch[];
  readonly labels: Int32Array[];
  readonly data: Array<Array<{ file: string; cluster: number }>>;
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'simkit-bench-level-'));
}

/** Adds every batch to `store`; returns the wall time of the adds alone. */
async function addAll(store: Store, b: Batches): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < b.embeddings.length; i++) {
    await store.add(b.embeddings[i] as EmbeddingBatch, b.labels[i], b.data[i]);
  }
  return performance.now() - t0;
}

/** Reads back the exact keys and values a LevelStore wrote, for the raw peer to write and read. */
async function readRawRecords(location: string): Promise<{ keys: Uint8Array[]; values: Uint8Array[] }> {
  const db: RawDb = new Level(location, rawOptions);
  await db.open();
  const keys: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  // Record keys are 4 bytes below 0x80; the meta record sorts after them.
  for (const [k, v] of await db.iterator({ lt: Uint8Array.of(0x80) }).all()) {
    keys.push(k);
    values.push(v);
  }
  await db.close();
  return { keys, values };
}

export const storeLevel: Scenario = {
  name: 'store-level',
  description: `record store (dim ${DIM}, labels, small JSON data): LevelStore vs raw level batch/getMany of the same bytes, next to MemoryStore`,
  async run({ quick }) {
    const n = quick ? 20_000 : 100_000;
    const { data: vectors, labels } = clusteredVectors(n, DIM, CLUSTERS, SEED);
    const batches: Batches = { embeddings: [], labels: [], data: [] };
    for (let start = 0; start < n; start += BATCH) {
      const end = Math.min(n, start + BATCH);
      batches.embeddings.push(batch(vectors.subarray(start * DIM, end * DIM), DIM));
      batches.labels.push(labels.subarray(start, end));
      batches.data.push(
        Array.from({ length: end - start }, (_, i) => ({
          file: `img-${start + i}.png`,
          cluster: labels[start + i] as number,
        })),
      );
    }

    // The raw peer writes the very bytes a LevelStore writes, taken from a store filled once up front.
    const sourceDir = await tempDir();
    const source = await LevelStore.open(sourceDir);
    await addAll(source, batches);
    await source.close();
    const raw = await readRawRecords(sourceDir);
    await rm(sourceDir, { recursive: true, force: true });
    const rawBatches: Array<{ keys: Uint8Array[]; values: Uint8Array[] }> = [];
    for (let start = 0; start < n; start += BATCH) {
      rawBatches.push({ keys: raw.keys.slice(start, start + BATCH), values: raw.values.slice(start, start + BATCH) });
    }
    const bytes = raw.values.reduce((s, v) => s + v.length + 4, 0);

    // Add throughput: every contender starts empty each run; only the adds are timed.
    // Only the latest store of each kind is kept (for the get runs); older ones are deleted at once.
    let lastLevelDir = '';
    let lastRawDir = '';
    let lastMemory: MemoryStore | undefined;
    const replace = async (previous: string) => {
      if (previous !== '') await rm(previous, { recursive: true, force: true });
      return tempDir();
    };
    const rawWrite = async (write: (db: RawDb, b: { keys: Uint8Array[]; values: Uint8Array[] }) => Promise<void>) => {
      const dir = await replace(lastRawDir);
      lastRawDir = dir;
      const db: RawDb = new Level(dir, rawOptions);
      await db.open();
      const t0 = performance.now();
      for (const b of rawBatches) await write(db, b);
      const ms = performance.now() - t0;
      await db.close();
      return ms;
    };
    const add = await rounds(ADD_REPEAT, {
      'raw level chained batch': () =>
        rawWrite(async (db, b) => {
          const chained = db.batch();
          for (let i = 0; i < b.keys.length; i++) chained.put(b.keys[i] as Uint8Array, b.values[i] as Uint8Array);
          await chained.write();
        }),
      'raw level batch(array)': () =>
        rawWrite((db, b) =>
          db.batch(b.keys.map((key, i) => ({ type: 'put' as const, key, value: b.values[i] as Uint8Array }))),
        ),
      'LevelStore.add': async () => {
        const dir = await replace(lastLevelDir);
        lastLevelDir = dir;
        const store = await LevelStore.open(dir);
        const ms = await addAll(store, batches);
        await store.close();
        return ms;
      },
      'MemoryStore.add': async () => {
        lastMemory = new MemoryStore();
        return addAll(lastMemory, batches);
      },
    });

    // get of 10k random ids (repeats allowed), in the order asked, from the stores filled last.
    const rand = seededRandom(SEED + 1);
    const ids = Int32Array.from({ length: GETS }, () => randomInt(rand, n));
    const rawKeys = Array.from(ids, (id) => raw.keys[id] as Uint8Array);
    const store = await LevelStore.open(lastLevelDir);
    const db: RawDb = new Level(lastRawDir, rawOptions);
    await db.open();
    const memory = lastMemory as MemoryStore;
    const timed = async (fn: () => Promise<unknown>) => {
      const t0 = performance.now();
      await fn();
      return performance.now() - t0;
    };
    const get = await rounds(GET_REPEAT, {
      'raw level getMany': () => timed(() => db.getMany(rawKeys)),
      'LevelStore.get': () => timed(() => store.get(ids)),
      'MemoryStore.get': () => timed(() => memory.get(ids)),
    });
    const check = await store.get(ids.subarray(0, 3));
    const rawCheck = await db.getMany(rawKeys.slice(0, 3));
    await store.close();
    await db.close();
    await rm(lastLevelDir, { recursive: true, force: true });
    await rm(lastRawDir, { recursive: true, force: true });
    if (check.some((r, i) => r.id !== ids[i]) || rawCheck.some((v) => v === undefined)) {
      console.log('WARNING: a store returned the wrong records.');
    }

    const perSecond = (t: Timing, count: number) => (count * 1000) / t.medianMs;
    // The peer is the faster of the two raw write styles.
    const rawAdd = [add['raw level chained batch'], add['raw level batch(array)']].reduce((a, b) =>
      (a as Timing).medianMs <= (b as Timing).medianMs ? a : b,
    ) as Timing;
    const rawGet = get['raw level getMany'] as Timing;
    printTable(
      `store-level add: ${n} records × ${DIM} floats in batches of ${BATCH} (${(bytes / 1e6).toFixed(1)} MB; median of ${ADD_REPEAT} after a warm-up)`,
      Object.entries(add).map(([method, t]) => ({
        method,
        'records/s': Math.round(perSecond(t, n)),
        'median ms': t.medianMs,
        'vs raw level': t.medianMs / rawAdd.medianMs,
      })),
    );
    printTable(
      `store-level get: ${GETS} random ids of ${n} (median of ${GET_REPEAT} after a warm-up)`,
      Object.entries(get).map(([method, t]) => ({
        method,
        'median ms': t.medianMs,
        'µs/record': (t.medianMs * 1000) / GETS,
        'vs raw level': t.medianMs / rawGet.medianMs,
      })),
    );
    const addOverhead = (add['LevelStore.add'] as Timing).medianMs / rawAdd.medianMs;
    const getOverhead = (get['LevelStore.get'] as Timing).medianMs / rawGet.medianMs;
    console.log(
      `LevelStore overhead over raw level: add ${addOverhead.toFixed(2)}×, get ${getOverhead.toFixed(2)}× (target ≤ 1.3×)`,
    );
    const file = writeResults('store-level', {
      n,
      dim: DIM,
      batch: BATCH,
      gets: GETS,
      bytes,
      seed: SEED,
      quick,
      add,
      get,
      addOverhead,
      getOverhead,
    });
    console.log(`results written to ${file}`);
  },
};
