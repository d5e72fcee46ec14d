import { batch, clusteredVectors, randomVectors } from '@simkit/core';
import { withTempDir } from '@simkit/core/testing';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HnswSearch } from '../src/index.js';
import {
  GRAPH_FILE,
  JSON_FILE,
  expectRefusedQuickly,
  generationDir,
  readSaved,
  rewriteSaved,
  writeCrafted,
} from './saves.js';

/** 200 clustered 8-d vectors (M 16), ids 0…199, with ids 3 and 5 removed. */
async function builtIndex(): Promise<HnswSearch> {
  const s = new HnswSearch({ distance: 'euclidean', dim: 8, efConstruction: 40 });
  await s.add(
    Array.from({ length: 200 }, (_, i) => i),
    batch(clusteredVectors(200, 8, 5, 21).data, 8),
  );
  await s.remove([3, 5]);
  return s;
}

let index: HnswSearch;

beforeAll(async () => {
  index = await builtIndex();
  // Load once so the wasm module is up before memory is measured.
  await withTempDir(async (dir) => {
    await index.save(dir);
    await new HnswSearch({ distance: 'euclidean' }).load(dir);
  });
});

/** The wasm runtime still answers: a fresh index adds and searches. */
async function expectRuntimeAlive(): Promise<void> {
  const fresh = new HnswSearch({ distance: 'euclidean', dim: 2 });
  await fresh.add([0, 1], batch(Float32Array.from([0, 0, 3, 4]), 2));
  const [r] = await fresh.lookup(batch(Float32Array.from([0, 0]), 2), 2);
  // |(3,4)| = 5
  expect(Array.from(r?.distances ?? [])).toEqual([0, 5]);
  await fresh.close();
}

describe('HnswSearch.load with hostile files', () => {
  const replacements: Array<[string, (file: string, dir: string) => Promise<void>]> = [
    [
      'a FIFO',
      async (file) => {
        await rm(file);
        expect(spawnSync('mkfifo', [file]).status).toBe(0);
      },
    ],
    [
      'a symlink to /dev/zero',
      async (file) => {
        await rm(file);
        await symlink('/dev/zero', file);
      },
    ],
    [
      'a symlink to an identical copy outside the save',
      async (file, dir) => {
        const outside = join(dir, '..', `outside-${Math.random().toString(36).slice(2)}`);
        await copyFile(file, outside);
        await rm(file);
        await symlink(outside, file);
      },
    ],
  ];
  for (const name of [GRAPH_FILE, JSON_FILE, 'simkit-save.json']) {
    for (const [what, replace] of replacements) {
      it(`refuses ${what} in place of ${name} with CORRUPT_INDEX, within 1 s and 100 MB`, async () => {
        await withTempDir(async (root) => {
          const dir = join(root, 'save');
          await index.save(dir);
          const file = name === 'simkit-save.json' ? join(dir, name) : join(await generationDir(dir), name);
          await replace(file, dir);
          const target = new HnswSearch({ distance: 'euclidean' });
          await expectRefusedQuickly(() => target.load(dir), 'CORRUPT_INDEX');
          expect(target.size()).toBe(0);
        });
      });
    }
  }

  it('refuses a generation directory that is a symlink', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'save');
      await index.save(dir);
      const gen = await generationDir(dir);
      await rename(gen, join(root, 'elsewhere'));
      await symlink(join(root, 'elsewhere'), gen);
      await expectRefusedQuickly(() => new HnswSearch({ distance: 'euclidean' }).load(dir), 'CORRUPT_INDEX');
    });
  });

  it('refuses a graph file that is a directory', async () => {
    await withTempDir(async (dir) => {
      await index.save(dir);
      const file = join(await generationDir(dir), GRAPH_FILE);
      await rm(file);
      await mkdir(file);
      await expectRefusedQuickly(() => new HnswSearch({ distance: 'euclidean' }).load(dir), 'CORRUPT_INDEX');
    });
  });
});

describe('HnswSearch.load with huge counts in a consistent save', () => {
  // Each save below is committed with writeSave, so its checksums are right and only the HNSW checks stand guard.
  // dim 8, M 16: one element takes about 2·16·4+4 + 8·4 + 4 + ⌈68/15⌉ + 16 = 189 heap bytes, so one graph holds
  // at most ⌊1.5 GiB / 189⌋ = 8,521,760 elements.
  const cases: Array<[string, (m: Record<string, unknown>) => void]> = [
    [
      'elements and capacity of 2^31',
      (m) => Object.assign(m, { elements: 2 ** 31, capacity: 2 ** 31, count: 2 ** 31 - 2 }),
    ],
    [
      'elements of 4,000,000 (more than the graph file holds)',
      (m) => Object.assign(m, { elements: 4e6, capacity: 4e6, count: 4e6 - 2 }),
    ],
    ['a capacity of 2^32 − 1', (m) => Object.assign(m, { capacity: 0xffffffff })],
    ['a capacity just above what one graph can hold', (m) => Object.assign(m, { capacity: 8_521_761 })],
    ['a capacity of 2^53', (m) => Object.assign(m, { capacity: 2 ** 53 })],
    ['a graph size of 2^40 bytes', (m) => Object.assign(m, { graph: { file: GRAPH_FILE, bytes: 2 ** 40 } })],
    ['dim 2^20', (m) => Object.assign(m, { dim: 2 ** 20 })],
    ['dim 2^20 + 1', (m) => Object.assign(m, { dim: 2 ** 20 + 1 })],
    ['dim 9', (m) => Object.assign(m, { dim: 9 })],
    ['M of 32,767', (m) => Object.assign(m, { M: 32_767 })],
    ['M of 2^31', (m) => Object.assign(m, { M: 2 ** 31 })],
    ['efConstruction of 2^40', (m) => Object.assign(m, { efConstruction: 2 ** 40 })],
    ['a negative count', (m) => Object.assign(m, { count: -1 })],
    ['a fractional element count', (m) => Object.assign(m, { elements: 200.5 })],
    ['a million deleted ids', (m) => Object.assign(m, { deleted: Array.from({ length: 1e6 }, (_, i) => i) })],
  ];
  for (const [what, edit] of cases) {
    it(`refuses ${what} with a typed error, without aborting wasm`, async () => {
      await withTempDir(async (dir) => {
        await index.save(dir);
        await rewriteSaved(dir, { json: edit });
        await expectRefusedQuickly(() => new HnswSearch({ distance: 'euclidean' }).load(dir), 'CORRUPT_INDEX');
      });
      await expectRuntimeAlive();
    });
  }

  it('refuses a graph whose header claims 2^31 − 1 elements and a capacity of 2^32 − 1', async () => {
    await withTempDir(async (dir) => {
      await index.save(dir);
      const graph = (await readSaved(dir)).graph as Uint8Array;
      const crafted = graph.slice();
      const view = new DataView(crafted.buffer);
      view.setUint32(4, 0xffffffff, true); // maxElements
      view.setUint32(8, 0x7fffffff, true); // elements
      await rewriteSaved(dir, { graph: crafted });
      await expectRefusedQuickly(() => new HnswSearch({ distance: 'euclidean' }).load(dir), 'CORRUPT_INDEX');
    });
    await expectRuntimeAlive();
  });

  it('loads a save claiming a large but possible capacity into a graph sized for its elements', async () => {
    await withTempDir(async (dir) => {
      await index.save(dir);
      const graph = (await readSaved(dir)).graph as Uint8Array;
      const crafted = graph.slice();
      new DataView(crafted.buffer).setUint32(4, 8_000_000, true); // maxElements, as the manifest says
      await rewriteSaved(dir, { graph: crafted, json: (m) => Object.assign(m, { capacity: 8_000_000 }) });
      const t = new HnswSearch({ distance: 'euclidean', initialCapacity: 100 });
      await t.load(dir);
      expect(t.size()).toBe(198);
      // Room for 200 elements · 2 + initialCapacity 100, not the 8,000,000 the file asks for.
      expect(t.capacity).toBe(500);
      await t.close();
    });
  });

  it('refuses a manifest that is not JSON or far too large for its graph', async () => {
    await withTempDir(async (dir) => {
      await index.save(dir);
      const { graph } = await readSaved(dir);
      await writeCrafted(dir, `{"format": "simkit-hnsw-search", "x": "${'a'.repeat(1_000_000)}"}`, graph);
      await expectRefusedQuickly(() => new HnswSearch({ distance: 'euclidean' }).load(dir), 'CORRUPT_INDEX');
      await writeCrafted(dir, '[1, 2', graph);
      await expectRefusedQuickly(() => new HnswSearch({ distance: 'euclidean' }).load(dir), 'CORRUPT_INDEX');
      await writeCrafted(dir, 'null', null);
      await expectRefusedQuickly(() => new HnswSearch({ distance: 'euclidean' }).load(dir), 'CORRUPT_INDEX');
    });
    await expectRuntimeAlive();
  });

  it('still loads the untouched save afterwards', async () => {
    await withTempDir(async (dir) => {
      await index.save(dir);
      const t = new HnswSearch({ distance: 'euclidean' });
      await t.load(dir);
      expect(t.size()).toBe(198);
      const [r] = await t.lookup(batch(randomVectors(1, 8, 4), 8), 3);
      expect(r?.ids.length).toBe(3);
    });
  });
});
