import { batch } from '@simkit/core';
import { expectCode, withTempDir } from '@simkit/core/testing';
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { UsearchSearch } from '../src/index.js';
import { dataset, ids } from './reference.js';

const DIM = 12;
const N = 1500;
const data = dataset(N, DIM, 31);
const queries = batch(dataset(20, DIM, 32), DIM);
const plain = (rows: Array<{ ids: Int32Array; distances: Float32Array }>) =>
  rows.map((r) => ({ ids: Array.from(r.ids), distances: Array.from(r.distances) }));

async function built(n = N): Promise<UsearchSearch> {
  const s = new UsearchSearch({ distance: 'euclidean', dim: DIM, M: 8, efConstruction: 48, efSearch: 40 });
  await s.add(ids(n), batch(data.subarray(0, n * DIM), DIM));
  await s.remove([7, 8, 9]);
  return s;
}

describe('save, load and view', () => {
  it('a view answers exactly as the saved index and as a loaded copy, and is read-only', async () => {
    const s = await built();
    const expected = plain(await s.lookup(queries, 8));
    await withTempDir(async (dir) => {
      await s.save(dir);
      const loaded = new UsearchSearch({ distance: 'euclidean', efSearch: 40 });
      await loaded.load(dir);
      const viewed = new UsearchSearch({ distance: 'euclidean', efSearch: 40 });
      await viewed.view(dir);
      expect(plain(await loaded.lookup(queries, 8))).toEqual(expected);
      expect(plain(await viewed.lookup(queries, 8))).toEqual(expected);
      expect(viewed.size()).toBe(N - 3);
      expect(viewed.dim).toBe(DIM);
      expect(viewed.stats().mode).toBe('view');
      expect(loaded.stats().mode).toBe('memory');
      // A view changes ef like any index, but refuses writes and stays as it was.
      viewed.setEfSearch(200);
      await viewed.lookup(queries, 8);
      const e = await expectCode(() => viewed.add([N + 1], batch(data.subarray(0, DIM), DIM)), 'UNSUPPORTED');
      expect(e.message).toContain('load()');
      await expectCode(() => viewed.remove([1]), 'UNSUPPORTED');
      await expectCode(() => viewed.remove([7]), 'NOT_FOUND');
      expect(viewed.size()).toBe(N - 3);
      // The loaded copy is not a view: it changes.
      await loaded.remove([1]);
      expect(loaded.size()).toBe(N - 4);
    });
  });

  it('a view keeps answering while another save replaces the directory; the next view sees the new save', async () => {
    const a = await built(600);
    const b = await built(N);
    await withTempDir(async (dir) => {
      await a.save(dir);
      const viewed = new UsearchSearch({ distance: 'euclidean', efSearch: 40 });
      await viewed.view(dir);
      const before = plain(await viewed.lookup(queries, 5));
      await b.save(dir);
      // The generation the view maps was removed by that save; the mapping keeps its bytes.
      expect((await readdir(dir)).filter((f) => f.startsWith('gen-'))).toHaveLength(1);
      expect(plain(await viewed.lookup(queries, 5))).toEqual(before);
      expect(viewed.size()).toBe(597);
      await viewed.view(dir);
      expect(viewed.size()).toBe(N - 3);
      expect(plain(await viewed.lookup(queries, 5))).toEqual(plain(await b.lookup(queries, 5)));
    });
  });

  it('a viewed index saves into another directory, which loads as the original', async () => {
    const s = await built();
    await withTempDir(async (one) => {
      await s.save(one);
      const viewed = new UsearchSearch({ distance: 'euclidean', efSearch: 40 });
      await viewed.view(one);
      await withTempDir(async (two) => {
        await viewed.save(two);
        const t = new UsearchSearch({ distance: 'euclidean', efSearch: 40 });
        await t.load(two);
        expect(plain(await t.lookup(queries, 6))).toEqual(plain(await s.lookup(queries, 6)));
      });
    });
  });

  it('empty indexes save and load: never used, and emptied by remove', async () => {
    await withTempDir(async (dir) => {
      const fresh = new UsearchSearch({ distance: 'cosine' });
      await fresh.save(dir);
      const t = new UsearchSearch({ distance: 'cosine' });
      await t.load(dir);
      expect(t.size()).toBe(0);
      expect(t.dim).toBeUndefined();
      const emptied = new UsearchSearch({ distance: 'cosine', dim: 2 });
      await emptied.add([0, 1], batch(Float32Array.from([1, 0, 0, 1]), 2));
      await emptied.remove([0, 1]);
      await emptied.save(dir);
      await t.view(dir);
      expect(t.size()).toBe(0);
      expect(t.dim).toBe(2);
      const [r] = await t.lookup(batch(Float32Array.from([1, 0]), 2), 3);
      expect(r?.ids.length).toBe(0);
    });
  });

  it('load reports progress and refuses a save of another distance or dimension, changing nothing', async () => {
    const s = await built();
    await withTempDir(async (dir) => {
      await s.save(dir);
      const events: Array<{ done: number; total?: number }> = [];
      const t = new UsearchSearch({ distance: 'euclidean', onProgress: (e) => events.push(e) });
      await t.load(dir);
      expect(events.at(-1)?.done).toBe(events.at(-1)?.total);
      expect(events.every((e) => e.done <= (e.total ?? 0))).toBe(true);
      const other = new UsearchSearch({ distance: 'cosine', dim: DIM });
      await other.add([0], batch(data.subarray(0, DIM), DIM));
      const e = await expectCode(() => other.load(dir), 'CORRUPT_INDEX');
      expect(e.message).toContain("new UsearchSearch({ distance: 'euclidean' })");
      await expectCode(() => new UsearchSearch({ distance: 'euclidean', dim: 3 }).load(dir), 'CORRUPT_INDEX');
      expect(other.size()).toBe(1);
      // Another backend's save is not a usearch save.
      await expectCode(() => other.load(`${dir}/nowhere`), 'CORRUPT_INDEX');
    });
  });
});
