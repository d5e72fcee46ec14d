import { type Neighbors, batch, clusteredVectors, randomVectors } from '@simkit/core';
import { expectCode, expectOneGeneration, savedFiles, withTempDir } from '@simkit/core/testing';
import fc from 'fast-check';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HnswSearch } from '../src/index.js';
import { GRAPH_FILE, JSON_FILE, generationDir, readSaved, rewriteSaved } from './saves.js';

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

describe('HnswSearch save and load', () => {
  it('round-trips: identical lookups, the same graph bytes, removed ids still gone', async () => {
    const s = await builtIndex();
    const before = plain(await s.lookup(queries, 10));
    await withTempDir(async (dir) => {
      await s.save(dir);
      await expectOneGeneration(dir);
      const gen = (await generationDir(dir)).slice(dir.length + 1);
      expect(await savedFiles(dir)).toEqual([`${gen}/${GRAPH_FILE}`, `${gen}/${JSON_FILE}`, 'simkit-save.json']);
      const { json } = await readSaved(dir);
      expect(json).toMatchObject({ distance: 'cosine', space: 'cosine', dim: 8, M: 16, efConstruction: 64 });
      expect(json).toMatchObject({ count: 198, elements: 200, capacity: 1024, deleted: [13, 40] });
      expect(Object.keys(json.graph as object).sort()).toEqual(['bytes', 'file']);
      const core = JSON.parse(await readFile(join(dir, 'simkit-save.json'), 'utf8'));
      expect(core.kind).toBe('hnsw-search');
      expect(core.files.map((f: { path: string }) => f.path)).toEqual([GRAPH_FILE, JSON_FILE]);

      const t = new HnswSearch({ distance: 'cosine' });
      await t.load(dir);
      expect(t.size()).toBe(198);
      expect(t.dim).toBe(8);
      expect(plain(await t.lookup(queries, 10))).toEqual(before);
      const [near13] = await t.lookup(batch(clusteredVectors(200, 8, 6, 3).data.slice(8, 16), 8), 198);
      expect(near13?.ids.includes(13)).toBe(false);
      expect(near13?.ids.includes(40)).toBe(false);

      // The loaded graph is the saved one, not a rebuild: saving it again writes the same bytes.
      const first = (await readSaved(dir)).graph as Uint8Array;
      await withTempDir(async (again) => {
        await t.save(again);
        const second = (await readSaved(again)).graph as Uint8Array;
        expect(Buffer.compare(Buffer.from(second), Buffer.from(first))).toBe(0);
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
      const gen = (await generationDir(dir)).slice(dir.length + 1);
      expect(await savedFiles(dir)).toEqual([`${gen}/${JSON_FILE}`, 'simkit-save.json']);
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

  it('refuses an index saved with another distance or dimension, naming both', async () => {
    const s = await builtIndex('euclidean');
    await withTempDir(async (dir) => {
      await s.save(dir);
      await expectCode(() => new HnswSearch({ distance: 'squared_euclidean' }).load(dir), 'CORRUPT_INDEX');
      const e = await expectCode(() => new HnswSearch({ distance: 'cosine' }).load(dir), 'CORRUPT_INDEX');
      expect(e.message).toContain("saved with the 'euclidean' distance, but this HnswSearch uses 'cosine'");
      const d = await expectCode(() => new HnswSearch({ distance: 'euclidean', dim: 9 }).load(dir), 'CORRUPT_INDEX');
      expect(d.message).toContain('dimension 8');
      expect(d.message).toContain('dim 9');
    });
  });

  it('names the saved hnswlib space and the expected one when they differ', async () => {
    const s = await builtIndex('euclidean');
    await withTempDir(async (dir) => {
      await s.save(dir);
      // A consistent save whose manifest claims the ip space for a euclidean graph (euclidean runs in l2).
      await rewriteSaved(dir, {
        json: (m) => {
          m.space = 'ip';
        },
      });
      const e = await expectCode(() => new HnswSearch({ distance: 'euclidean' }).load(dir), 'CORRUPT_INDEX');
      expect(e.message).toContain("saved in hnswlib space 'ip'");
      expect(e.message).toContain("uses space 'l2'");
      // Not the old message that named one distance twice.
      expect(e.message).not.toMatch(/'euclidean' distance, but this HnswSearch uses 'euclidean'/);
    });
  });

  it('fails with CORRUPT_INDEX on files damaged in place, and leaves the instance as it was', async () => {
    const s = await builtIndex();
    const target = new HnswSearch({ distance: 'cosine', dim: 8 });
    await target.add([1, 2], batch(randomVectors(2, 8, 5), 8));
    await withTempDir(async (dir) => {
      await s.save(dir);
      const gen = await generationDir(dir);
      const graph = await readFile(join(gen, GRAPH_FILE));
      const json = await readFile(join(gen, JSON_FILE));
      const core = await readFile(join(dir, 'simkit-save.json'));
      const restore = async () => {
        await writeFile(join(gen, GRAPH_FILE), graph);
        await writeFile(join(gen, JSON_FILE), json);
        await writeFile(join(dir, 'simkit-save.json'), core);
      };
      const damage: Array<[string, () => Promise<void>]> = [
        ['a truncated graph', () => writeFile(join(gen, GRAPH_FILE), graph.subarray(0, graph.length - 10))],
        ['a graph with one more byte', () => writeFile(join(gen, GRAPH_FILE), Buffer.concat([graph, Buffer.of(0)]))],
        [
          'one flipped bit in the graph',
          async () => {
            const flipped = Buffer.from(graph);
            flipped[1000] = (flipped[1000] as number) ^ 1;
            await writeFile(join(gen, GRAPH_FILE), flipped);
          },
        ],
        ['a missing graph', () => rm(join(gen, GRAPH_FILE))],
        ['garbled JSON', () => writeFile(join(gen, JSON_FILE), '{ not json')],
        [
          'one flipped bit in the JSON',
          async () => {
            const flipped = Buffer.from(json);
            flipped[20] = (flipped[20] as number) ^ 4;
            await writeFile(join(gen, JSON_FILE), flipped);
          },
        ],
        ['a missing JSON', () => rm(join(gen, JSON_FILE))],
        ['a missing save manifest', () => rm(join(dir, 'simkit-save.json'))],
        ['a missing generation', () => rm(gen, { recursive: true })],
      ];
      for (const [what, apply] of damage) {
        await apply();
        const e = await expectCode(() => target.load(dir), 'CORRUPT_INDEX');
        expect(e.message, what).toMatch(/save/);
        await mkdir(gen, { recursive: true });
        await restore();
      }
      // Restored, the save loads again.
      await new HnswSearch({ distance: 'cosine' }).load(dir);
    });
    expect(target.size()).toBe(2);
    const [r] = await target.lookup(queries, 5);
    expect(Array.from(r?.ids ?? []).sort()).toEqual([1, 2]);
    await expectCode(() => target.load(''), 'INVALID_ARGUMENT');
    await expectCode(() => target.save(42 as never), 'INVALID_ARGUMENT');
  });

  it('refuses a consistently re-saved graph or manifest that does not fit (only its own checks stand guard)', async () => {
    const s = await builtIndex();
    const target = new HnswSearch({ distance: 'cosine', dim: 8 });
    await target.add([1, 2], batch(randomVectors(2, 8, 5), 8));
    await withTempDir(async (dir) => {
      await s.save(dir);
      const original = await readSaved(dir);
      const graph = original.graph as Uint8Array;
      const edits: Array<[string, Parameters<typeof rewriteSaved>[1], string]> = [
        ['a truncated graph', { graph: graph.slice(0, 5000) }, 'CORRUPT_INDEX'],
        [
          'random bytes as the graph',
          { graph: new Uint8Array(randomVectors(graph.length / 4, 1, 3).buffer) },
          'CORRUPT_INDEX',
        ],
        ['no graph, though the manifest has one', { graph: null, fixGraphSize: false }, 'CORRUPT_INDEX'],
        [
          'a graph size that is not the file’s',
          { json: (m) => Object.assign(m.graph as object, { bytes: (m.graph as { bytes: number }).bytes - 4 }) },
          'CORRUPT_INDEX',
        ],
        ['another format', { json: (m) => Object.assign(m, { format: 'something-else' }) }, 'CORRUPT_INDEX'],
        ['a wrong live count', { json: (m) => Object.assign(m, { count: 150 }) }, 'CORRUPT_INDEX'],
        ['wrong deleted ids', { json: (m) => Object.assign(m, { deleted: [13, 41] }) }, 'CORRUPT_INDEX'],
        ['deleted ids listed twice', { json: (m) => Object.assign(m, { deleted: [13, 13] }) }, 'CORRUPT_INDEX'],
        ['another M', { json: (m) => Object.assign(m, { M: 12 }) }, 'CORRUPT_INDEX'],
        ['an unknown distance', { json: (m) => Object.assign(m, { distance: 'manhattan' }) }, 'CORRUPT_INDEX'],
        ['a capacity other than the graph’s', { json: (m) => Object.assign(m, { capacity: 4096 }) }, 'CORRUPT_INDEX'],
        [
          'a graph named differently',
          { json: (m) => Object.assign(m.graph as object, { file: 'other.bin' }) },
          'CORRUPT_INDEX',
        ],
        [
          'a manifest without a graph next to a graph file',
          { json: (m) => Object.assign(m, { graph: null, elements: 0, count: 0, deleted: [] }) },
          'CORRUPT_INDEX',
        ],
        ['a newer format', { json: (m) => Object.assign(m, { version: 2 }) }, 'UNSUPPORTED'],
      ];
      for (const [what, edit, code] of edits) {
        await rewriteSaved(dir, edit);
        const e = await expectCode(() => target.load(dir), code as 'CORRUPT_INDEX');
        expect(e.message.length, what).toBeGreaterThan(20);
        await rewriteSaved(dir, { json: (m) => Object.assign(m, original.json), graph });
      }
      await new HnswSearch({ distance: 'cosine' }).load(dir);
    });
    expect(target.size()).toBe(2);
  });

  it('saves atomically: one generation per save, and never into a directory of other files', async () => {
    const s = await builtIndex();
    await withTempDir(async (dir) => {
      await s.save(dir);
      const first = await generationDir(dir);
      await s.add([7777], batch(randomVectors(1, 8, 7), 8));
      await s.save(dir);
      await expectOneGeneration(dir);
      expect(await generationDir(dir)).not.toBe(first);
      const t = new HnswSearch({ distance: 'cosine' });
      await t.load(dir);
      expect(t.size()).toBe(199);

      // A directory in the old layout (files at the top) is neither loaded nor overwritten.
      const old = join(dir, 'old-layout');
      await mkdir(old);
      await writeFile(join(old, JSON_FILE), '{}');
      await writeFile(join(old, GRAPH_FILE), 'graph');
      await expectCode(() => t.load(old), 'CORRUPT_INDEX');
      await expectCode(() => s.save(old), 'INVALID_ARGUMENT');
      expect((await readdir(old)).sort()).toEqual([GRAPH_FILE, JSON_FILE]);
      expect(await readFile(join(old, GRAPH_FILE), 'utf8')).toBe('graph');
    });
  });

  it('saves racing adds, removes, resets and saves of another instance: every resolved save loads as one moment', async () => {
    const s = await builtIndex('euclidean');
    const other = new HnswSearch({ distance: 'euclidean', dim: 8 });
    await other.add([1, 2, 3], batch(randomVectors(3, 8, 61), 8));
    const stateOf = async (x: HnswSearch) => ({ size: x.size(), lookups: plain(await x.lookup(queries, 4)) });
    const load = async (dir: string) => {
      const t = new HnswSearch({ distance: 'euclidean' });
      await t.load(dir);
      return stateOf(t);
    };
    await withTempDir(async (root) => {
      for (let round = 0; round < 4; round++) {
        const dir = join(root, `shared-${round}`);
        const own = join(root, `own-${round}`);
        const id = 50_000 + round;
        // Called without awaiting: the instance runs them in call order, core queues the saves of one directory.
        const calls = [
          s.save(dir),
          s.add([id], batch(randomVectors(1, 8, round), 8)),
          other.save(dir),
          s.save(own),
          s.remove([id]),
          s.save(dir),
        ];
        await Promise.all(calls);
        // `own` holds the index as it was right after the add; `dir` holds the last save committed there.
        const afterAdd = await load(own);
        expect(afterAdd.size).toBe(199);
        const last = await load(dir);
        expect([await stateOf(s), await stateOf(other)]).toContainEqual(last);
        await expectOneGeneration(dir);
      }
      // A save racing a reset sees the index before or after it, never half of it.
      const saved = s.save(join(root, 'reset'));
      const reset = s.reset();
      await Promise.all([saved, reset]);
      expect((await load(join(root, 'reset'))).size).toBe(198);
      expect(s.size()).toBe(0);
    });
  });

  it('never aborts the wasm runtime, whatever single byte of the graph is damaged', async () => {
    const s = await builtIndex('euclidean');
    await withTempDir(async (dir) => {
      await s.save(dir);
      const { json, graph } = await readSaved(dir);
      const bytes = graph as Uint8Array;
      // Most of the file is vectors; bias half of the damage towards the header and link lists.
      let loaded = 0;
      const position = fc.oneof(fc.integer({ min: 0, max: 55 }), fc.integer({ min: 0, max: bytes.length - 1 }));
      await fc.assert(
        fc.asyncProperty(position, fc.integer({ min: 1, max: 255 }), async (at, xor) => {
          const damaged = bytes.slice();
          damaged[at] = (damaged[at] as number) ^ xor;
          // Re-saved consistently, so the save's checksums pass and only the graph check stands guard.
          await rewriteSaved(dir, { json: (m) => Object.assign(m, json), graph: damaged });
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
      // Damage to vector values passes every structural check (only the checksum, bypassed here, would notice).
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

  it('refuses a damaged IndexedDB entry with CORRUPT_INDEX', async () => {
    const s = await builtIndex();
    await s.saveToIndexedDB('damaged');
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('simkit-search-hnsw');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const store = (mode: IDBTransactionMode) => db.transaction('indexes', mode).objectStore('indexes');
    const get = () =>
      new Promise<{ manifest: Record<string, unknown>; graph: Uint8Array; crc32: number }>((resolve, reject) => {
        const req = store('readonly').get('damaged');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    const put = (value: unknown) =>
      new Promise<void>((resolve, reject) => {
        const req = store('readwrite').put(value, 'damaged');
        req.onsuccess = () => resolve();
        req.onerror = () => reject(req.error);
      });
    const record = await get();
    expect(record.crc32).toBeTypeOf('number');
    const flipped = record.graph.slice();
    flipped[500] = (flipped[500] as number) ^ 8;
    const t = new HnswSearch({ distance: 'cosine' });
    for (const bad of [
      { ...record, graph: flipped },
      { ...record, graph: record.graph.slice(0, 1000) },
      { ...record, crc32: undefined },
      { ...record, graph: null },
      { ...record, manifest: { ...record.manifest, capacity: 2 ** 40 } },
    ]) {
      await put(bad);
      await expectCode(() => t.loadFromIndexedDB('damaged'), 'CORRUPT_INDEX');
    }
    await put(record);
    await t.loadFromIndexedDB('damaged');
    expect(t.size()).toBe(198);
    db.close();
    await HnswSearch.deleteFromIndexedDB('damaged');
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
