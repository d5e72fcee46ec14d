import { SimkitError, batch, seededRandom } from '@simkit/core';
import { expectCode, generationDir, resaveFiles, withTempDir } from '@simkit/core/testing';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsearchSearch } from '../src/index.js';
import { IndexFileChecker, checkIndexFile, damagedFile } from '../src/usearch-file.js';
import { dataset, ids } from './reference.js';

// A small graph: 60 vectors of dimension 4, M = 4 (8 links at level 0), ids 10 and 11 removed.
const DIM = 4;
const N = 60;
const M = 4;
const KIND = 'usearch-search';
const FILE = 'usearch-index.bin';
const data = dataset(N, DIM, 41);
const queries = batch(dataset(5, DIM, 42), DIM);
const expected = { metric: 'l2sq', quantization: 'f32', dim: DIM, M, count: N - 2 } as const;

let original: Uint8Array;
/** Offsets of the parts of the file, read from the file itself. */
let layout: { head: number; graph: number; levels: number; nodes: number; slots: number };

beforeAll(async () => {
  const s = new UsearchSearch({ distance: 'euclidean', dim: DIM, M, efConstruction: 32, threads: 1 });
  await s.add(ids(N), batch(data, DIM));
  await s.remove([10, 11]);
  await withTempDir(async (dir) => {
    await s.save(dir);
    original = new Uint8Array(await readFile(join(await generationDir(dir), FILE)));
  });
  const view = new DataView(original.buffer, original.byteOffset);
  const slots = view.getUint32(0, true);
  const head = 8 + slots * view.getUint32(4, true);
  layout = { head, graph: head + 64, levels: head + 104, nodes: head + 104 + 2 * slots, slots };
});

/** Loads `bytes` as the index file of an otherwise valid save (its checksums recomputed). */
async function loadCrafted(bytes: Uint8Array, how: 'load' | 'view' = 'load'): Promise<'refused' | 'loaded'> {
  return withTempDir(async (dir) => {
    const s = new UsearchSearch({ distance: 'euclidean', dim: DIM, threads: 1 });
    await s.add([0], batch(data.subarray(0, DIM), DIM));
    await s.save(dir);
    const saved = JSON.parse(await readFile(join(await generationDir(dir), 'usearch-search.json'), 'utf8'));
    const manifest = { ...saved, M, count: N - 2, efConstruction: 32, file: { name: FILE, bytes: bytes.length } };
    await resaveFiles(dir, KIND, { [FILE]: bytes, 'usearch-search.json': JSON.stringify(manifest) });
    const t = new UsearchSearch({ distance: 'euclidean', efSearch: 64, threads: 1 });
    try {
      await (how === 'load' ? t.load(dir) : t.view(dir));
    } catch (error) {
      expect(SimkitError.isInstance(error), String(error)).toBe(true);
      expect((error as SimkitError).code).toBe('CORRUPT_INDEX');
      return 'refused';
    }
    // What loads must answer lookups (the native code walks every reachable link).
    const found = await t.lookup(queries, N);
    expect(found).toHaveLength(5);
    return 'loaded';
  });
}

const mutate = (at: number, fn: (byte: number) => number) => {
  const copy = original.slice();
  copy[at] = fn(copy[at] as number) & 0xff;
  return copy;
};
const setU32 = (at: number, value: number) => {
  const copy = original.slice();
  new DataView(copy.buffer).setUint32(at, value, true);
  return copy;
};

describe('the index file checker', () => {
  it('accepts the file usearch wrote and reads its counts', () => {
    const summary = checkIndexFile(original, expected, damagedFile('test'));
    expect(summary).toMatchObject({ slots: N, count: N - 2 });
    // 8 + 60·16 bytes of vectors, then the 64-byte head.
    expect(layout.head).toBe(8 + N * DIM * 4);
  });

  it('reads the same in chunks of any size', () => {
    for (const size of [1, 3, 7, 64, 1000]) {
      const checker = new IndexFileChecker(expected, damagedFile('test'));
      for (let at = 0; at < original.length; at += size) checker.push(original.subarray(at, at + size));
      expect(checker.finish().count).toBe(N - 2);
    }
  });

  it('refuses crafted structures that would make native code read out of bounds', async () => {
    const node0 = layout.nodes;
    const crafted: Array<[string, Uint8Array]> = [
      ['more slots than the file holds', setU32(0, N + 1)],
      ['a vector size that is not dim × 4', setU32(4, DIM * 2)],
      ['another magic', mutate(layout.head, (b) => b ^ 0x20)],
      ['a newer major version', mutate(layout.head + 7, (b) => b + 1)],
      ['another metric', mutate(layout.head + 13, () => 0x69)],
      ['another storage type', mutate(layout.head + 14, () => 12)],
      ['several vectors per key', mutate(layout.head + 41, () => 1)],
      ['a graph size off by one', setU32(layout.graph, N - 1)],
      ['another connectivity', setU32(layout.graph + 8, M + 1)],
      ['a top level of 200', setU32(layout.graph + 24, 200)],
      ['an entry slot past the end', setU32(layout.graph + 32, N)],
      ['a node level above the top', mutate(layout.levels + 1, () => 0x7f)],
      ['a negative node level', mutate(layout.levels + 1, () => 0x80)],
      ['a node whose own level differs', mutate(node0 + 8, (b) => b + 1)],
      ['a neighbour count above 2M', setU32(node0 + 10, 2 * M + 1)],
      ['a neighbour past the end', setU32(node0 + 14, N)],
      ['a neighbour at 2³² − 1', setU32(node0 + 14, 0xffffffff)],
      ['a key above 2³¹ − 1', setU32(node0, 0x80000000)],
      ['a 64-bit key', setU32(node0 + 4, 1)],
      ['truncated by one byte', original.slice(0, -1)],
      ['one byte too many', Uint8Array.from([...original, 0])],
      ['empty', new Uint8Array(0)],
    ];
    for (const [what, bytes] of crafted) {
      expect(await loadCrafted(bytes), what).toBe('refused');
    }
    // A duplicated id: node 1 gets node 0's key.
    const dup = original.slice();
    const nodeBytes = 10 + 4 + 2 * M * 4;
    const level0 = new DataView(dup.buffer).getInt16(layout.levels, true);
    const node1 = node0 + nodeBytes + level0 * (4 + M * 4);
    dup.set(dup.subarray(node0, node0 + 8), node1);
    expect(await loadCrafted(dup), 'a duplicated id').toBe('refused');
  });

  it('a sweep of changed bytes over every part of the file: refused, or loaded and answering, never a crash', async () => {
    const rand = seededRandom(20261203);
    const positions = new Set<number>();
    for (let at = 0; at < 8; at++) positions.add(at);
    for (let at = layout.head; at < layout.nodes; at++) positions.add(at);
    while (positions.size < 320) positions.add(Math.floor(rand() * original.length));
    let refused = 0;
    let loaded = 0;
    for (const at of positions) {
      const bytes = mutate(at, (b) => b ^ (1 + Math.floor(rand() * 255)));
      const how = rand() < 0.5 ? 'load' : 'view';
      if ((await loadCrafted(bytes, how)) === 'refused') refused++;
      else loaded++;
    }
    expect(refused + loaded).toBe(positions.size);
    // Every header byte that matters is checked; changed vector bytes or unused link room load.
    expect(refused).toBeGreaterThan(positions.size / 3);
  }, 120_000);

  it('a symlinked or FIFO index file is refused like any damaged save', async () => {
    await withTempDir(async (dir) => {
      const s = new UsearchSearch({ distance: 'euclidean', dim: DIM });
      await s.add(ids(N), batch(data, DIM));
      await s.save(dir);
      const gen = await generationDir(dir);
      const { rm, symlink } = await import('node:fs/promises');
      const { spawnSync } = await import('node:child_process');
      await rm(join(gen, FILE));
      await symlink('/dev/zero', join(gen, FILE));
      await expectCode(() => new UsearchSearch({ distance: 'euclidean' }).load(dir), 'CORRUPT_INDEX');
      await rm(join(gen, FILE));
      expect(spawnSync('mkfifo', [join(gen, FILE)]).status).toBe(0);
      await expectCode(() => new UsearchSearch({ distance: 'euclidean' }).view(dir), 'CORRUPT_INDEX');
    });
  });
});
