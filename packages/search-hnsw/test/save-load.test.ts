import { type Neighbors, batch, clusteredVectors, randomVectors } from '@simkit/core';
import { expectCode, withTempDir } from '@simkit/core/testing';
import fc from 'fast-check';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/crc32.js';
import { HnswSearch } from '../src/index.js';

const plain = (n: Neighbors[]) => n.map((r) => ({ ids: Array.from(r.ids), distances: Array.from(r.distances) }));

/** An index of 200 clustered 8-d vectors under ids 10, 13, 16, …, with ids 13 and 40 removed. */
async function builtIndex(distance = 'cosine'): Promise<HnswSearch> {
  const s = new HnswSearch({ distance, dim: 8, efConstruction: 64 });
  const ids = Array.from({ length: 200 }, (_, i) => 10 + 3 * i);
  await s.add(ids, batch(clusteredVectors(200, 8, 6, 3).data, 8));
  await s.remove([13, 40]);
  return s;
}

const queries = batch(randomVectors(12, 8, 99), 8);

/** Rewrites the graph file and fixes the manifest's size and checksum, so only the graph check stands guard. */
async function replaceGraph(dir: string, graph: Uint8Array): Promise<void> {
  const manifest = JSON.parse(await readFile(join(dir, 'hnsw-search.json'), 'utf8'));
  manifest.graph.bytes = graph.length;
  manifest.graph.crc32 = crc32(graph);
  await writeFile(join(dir, 'hnsw-graph.bin'), graph);
  await writeFile(join(dir, 'hnsw-search.json'), JSON.stringify(manifest));
}

async function editManifest(dir: string, edit: (m: Record<string, unknown>) => void): Promise<void> {
  const manifest = JSON.parse(await readFile(join(dir, 'hnsw-search.json'), 'utf8'));
  edit(manifest);
  await writeFile(join(dir, 'hnsw-search.json'), JSON.stringify(manifest));
}

describe('HnswSearch save and load', () => {
  it('round-trips: identical lookups, the same graph bytes, removed ids still gone', async () => {
    const s = await builtIndex();
    const before = plain(await s.lookup(queries, 10));
    await withTempDir(async (dir) => {
      await s.save(dir);
      expect((await readdir(dir)).sort()).toEqual(['hnsw-graph.bin', 'hnsw-search.json']);
      const manifest = JSON.parse(await readFile(join(dir, 'hnsw-search.json'), 'utf8'));
      expect(manifest).toMatchObject({ distance: 'cosine', space: 'cosine', dim: 8, M: 16, efConstruction: 64 });
      expect(manifest).toMatchObject({ count: 198, elements: 200, deleted: [13, 40] });

      const t = new HnswSearch({ distance: 'cosine' });
      await t.load(dir);
      expect(t.size()).toBe(198);
      expect(t.dim).toBe(8);
      expect(plain(await t.lookup(queries, 10))).toEqual(before);
      const [near13] = await t.lookup(batch(clusteredVectors(200, 8, 6, 3).data.slice(8, 16), 8), 198);
      expect(near13?.ids.includes(13)).toBe(false);
      expect(near13?.ids.includes(40)).toBe(false);

      // The loaded graph is the saved one, not a rebuild: saving it again writes the same bytes.
      const first = await readFile(join(dir, 'hnsw-graph.bin'));
      await withTempDir(async (again) => {
        await t.save(again);
        expect(Buffer.compare(await readFile(join(again, 'hnsw-graph.bin')), first)).toBe(0);
      });
    });
  });

  it('keeps working after a load: adds, removes and re-adds', async () => {
    const s = await builtIndex('euclidean');
    await withTempDir(async (dir) => {
      await s.save(dir);
      const t = HnswSearch.fromConfig(JSON.parse(JSON.stringify(s.toConfig())));
      await t.load(dir);
      // id 13 was removed before saving; adding it again revives it with the new vector.
      await t.add([13, 5000], batch(Float32Array.from([...Array(8).fill(50), ...Array(8).fill(-50)]), 8));
      expect(t.size()).toBe(200);
      const [r] = await t.lookup(batch(Float32Array.from(Array(8).fill(50)), 8), 1);
      expect(Array.from(r?.ids ?? [])).toEqual([13]);
      await t.remove([13]);
      expect(t.size()).toBe(199);
    });
  });

  it('saves and loads an index without vectors', async () => {
    await withTempDir(async (dir) => {
      const s = new HnswSearch({ distance: 'inner_product', dim: 4 });
      await s.save(dir);
      expect(await readdir(dir)).toEqual(['hnsw-search.json']);
      const t = new HnswSearch({ distance: 'inner_product' });
      await t.add([1], batch(Float32Array.from([1, 2, 3, 4]), 4));
      await t.load(dir);
      expect(t.size()).toBe(0);
      expect(t.dim).toBe(4);
      expect((await t.lookup(batch(Float32Array.from([1, 2, 3, 4]), 4), 3))[0]?.ids.length).toBe(0);
    });
  });

  it('adopts the saved M and efConstruction, keeps its own efSearch', async () => {
    await withTempDir(async (dir) => {
      const s = new HnswSearch({ distance: 'euclidean', dim: 3, M: 5, efConstruction: 20, efSearch: 70 });
      await s.add([0, 1, 2], batch(randomVectors(3, 3, 8), 3));
      await s.save(dir);
      const t = new HnswSearch({ distance: 'euclidean', efSearch: 12 });
      await t.load(dir);
      expect(t.toConfig().config).toEqual({ distance: 'euclidean', dim: 3, M: 5, efConstruction: 20, efSearch: 12 });
    });
  });

  it('refuses an index saved with another distance or dimension', async () => {
    const s = await builtIndex('euclidean');
    await withTempDir(async (dir) => {
      await s.save(dir);
      await expectCode(() => new HnswSearch({ distance: 'squared_euclidean' }).load(dir), 'CORRUPT_INDEX');
      await expectCode(() => new HnswSearch({ distance: 'cosine' }).load(dir), 'CORRUPT_INDEX');
      await expectCode(() => new HnswSearch({ distance: 'euclidean', dim: 9 }).load(dir), 'CORRUPT_INDEX');
    });
  });

  it('fails with CORRUPT_INDEX on missing, truncated or garbled files and leaves the instance as it was', async () => {
    const s = await builtIndex();
    const target = new HnswSearch({ distance: 'cosine', dim: 8 });
    await target.add([1, 2], batch(randomVectors(2, 8, 5), 8));
    const unchanged = async () => {
      expect(target.size()).toBe(2);
      const [r] = await target.lookup(queries, 5);
      expect(Array.from(r?.ids ?? []).sort()).toEqual([1, 2]);
    };
    await withTempDir(async (dir) => {
      await s.save(dir);
      const graph = new Uint8Array(await readFile(join(dir, 'hnsw-graph.bin')));
      const manifestText = await readFile(join(dir, 'hnsw-search.json'), 'utf8');
      const restore = async () => {
        await writeFile(join(dir, 'hnsw-graph.bin'), graph);
        await writeFile(join(dir, 'hnsw-search.json'), manifestText);
      };

      // Truncated graph, manifest untouched: the size check catches it.
      await writeFile(join(dir, 'hnsw-graph.bin'), graph.slice(0, graph.length - 10));
      await expectCode(() => target.load(dir), 'CORRUPT_INDEX');
      // One flipped bit: the checksum catches it.
      const flipped = graph.slice();
      flipped[1000] = (flipped[1000] as number) ^ 1;
      await writeFile(join(dir, 'hnsw-graph.bin'), flipped);
      await expectCode(() => target.load(dir), 'CORRUPT_INDEX');
      // Truncated with a matching manifest, and garbage of the right length: the graph check catches them.
      await replaceGraph(dir, graph.slice(0, 5000));
      await expectCode(() => target.load(dir), 'CORRUPT_INDEX');
      await replaceGraph(dir, new Uint8Array(randomVectors(graph.length / 4, 1, 3).buffer));
      await expectCode(() => target.load(dir), 'CORRUPT_INDEX');
      // Missing graph file.
      await restore();
      await rm(join(dir, 'hnsw-graph.bin'));
      await expectCode(() => target.load(dir), 'CORRUPT_INDEX');
      // Manifest problems.
      await restore();
      await writeFile(join(dir, 'hnsw-search.json'), '{ not json');
      await expectCode(() => target.load(dir), 'CORRUPT_INDEX');
      await restore();
      await editManifest(dir, (m) => {
        m.format = 'something-else';
      });
      await expectCode(() => target.load(dir), 'CORRUPT_INDEX');
      await restore();
      await editManifest(dir, (m) => {
        m.count = 150;
      });
      await expectCode(() => target.load(dir), 'CORRUPT_INDEX');
      await restore();
      await editManifest(dir, (m) => {
        m.deleted = [13, 41];
      });
      await expectCode(() => target.load(dir), 'CORRUPT_INDEX');
      await restore();
      await editManifest(dir, (m) => {
        m.version = 2;
      });
      await expectCode(() => target.load(dir), 'UNSUPPORTED');
      await rm(join(dir, 'hnsw-search.json'));
      await expectCode(() => target.load(dir), 'CORRUPT_INDEX');
    });
    await unchanged();
    await expectCode(() => target.load(''), 'INVALID_ARGUMENT');
    await expectCode(() => target.save(42 as never), 'INVALID_ARGUMENT');
  });

  it('never aborts the wasm runtime, whatever single byte of the graph is damaged', async () => {
    const s = await builtIndex('euclidean');
    await withTempDir(async (dir) => {
      await s.save(dir);
      const graph = new Uint8Array(await readFile(join(dir, 'hnsw-graph.bin')));
      const manifestText = await readFile(join(dir, 'hnsw-search.json'), 'utf8');
      // Most of the file is vectors; bias half of the damage towards the header and link lists.
      let loaded = 0;
      const position = fc.oneof(fc.integer({ min: 0, max: 55 }), fc.integer({ min: 0, max: graph.length - 1 }));
      await fc.assert(
        fc.asyncProperty(position, fc.integer({ min: 1, max: 255 }), async (at, xor) => {
          const damaged = graph.slice();
          damaged[at] = (damaged[at] as number) ^ xor;
          await writeFile(join(dir, 'hnsw-search.json'), manifestText);
          await replaceGraph(dir, damaged);
          const t = new HnswSearch({ distance: 'euclidean' });
          try {
            await t.load(dir);
          } catch (e) {
            expect((e as { code?: string }).code).toBe('CORRUPT_INDEX');
            return;
          }
          // What loads must also search and take new vectors.
          loaded++;
          const res = await t.lookup(queries, 5);
          expect(res).toHaveLength(12);
          await t.add([100_000], batch(randomVectors(1, 8, at), 8));
          expect(t.size()).toBe(199);
          await t.close();
        }),
        { numRuns: 60, seed: 11 },
      );
      // Damage to vector values passes every check (only the checksum, fixed up here, would notice).
      expect(loaded).toBeGreaterThan(0);
    });
    // The runtime is still alive.
    const fresh = new HnswSearch({ distance: 'euclidean', dim: 2 });
    await fresh.add([0, 1], batch(Float32Array.from([0, 0, 3, 4]), 2));
    const [r] = await fresh.lookup(batch(Float32Array.from([0, 0]), 2), 2);
    // |(3,4)| = 5
    expect(Array.from(r?.distances ?? [])).toEqual([0, 5]);
  });

  it('round-trips through IndexedDB (the browser path) and deletes saved entries', async () => {
    const s = await builtIndex();
    const before = plain(await s.lookup(queries, 7));
    await s.saveToIndexedDB('docs-v1');
    const t = new HnswSearch({ distance: 'cosine' });
    await t.loadFromIndexedDB('docs-v1');
    expect(t.size()).toBe(198);
    expect(plain(await t.lookup(queries, 7))).toEqual(before);
    await expectCode(() => t.loadFromIndexedDB('never-saved'), 'CORRUPT_INDEX');
    await expectCode(() => t.saveToIndexedDB('bad name!'), 'INVALID_ARGUMENT');
    await HnswSearch.deleteFromIndexedDB('docs-v1');
    await expectCode(() => new HnswSearch({ distance: 'cosine' }).loadFromIndexedDB('docs-v1'), 'CORRUPT_INDEX');
    expect(t.size()).toBe(198);
  });

  it('leaves no temporary files in hnswlib-wasm’s IndexedDB mirror', async () => {
    const s = await builtIndex();
    await withTempDir(async (dir) => {
      await s.save(dir);
      await new HnswSearch({ distance: 'cosine' }).load(dir);
    });
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('/hnswlib-index');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const keys = await new Promise<IDBValidKey[]>((resolve, reject) => {
      const req = db.transaction('FILE_DATA').objectStore('FILE_DATA').getAllKeys();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    db.close();
    expect(keys).toEqual([]);
  });
});
