import { batch, randomVectors } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HnswSearch } from '../src/index.js';

const everything = 1000;

async function allIds(s: HnswSearch, dim: number): Promise<number[]> {
  const [r] = await s.lookup(batch(new Float32Array(dim), dim), everything);
  return Array.from(r?.ids ?? []).sort((a, b) => a - b);
}

describe('HnswSearch remove and re-add', () => {
  it('never returns removed ids, and re-adding one brings back the new vector', async () => {
    const s = new HnswSearch({ distance: 'euclidean', dim: 2 });
    // Points on the x axis: id i at (i, 0).
    await s.add([0, 1, 2, 3, 4], batch(Float32Array.from([0, 0, 1, 0, 2, 0, 3, 0, 4, 0]), 2));
    await s.remove([2]);
    const [near] = await s.lookup(batch(Float32Array.from([2, 0]), 2), 5);
    expect(Array.from(near?.ids ?? []).sort()).toEqual([0, 1, 3, 4]);
    expect(near?.ids.includes(2)).toBe(false);
    // Re-add id 2 somewhere else: at (10, 0); |(10,0) − (9,0)| = 1.
    await s.add([2], batch(Float32Array.from([10, 0]), 2));
    expect(s.size()).toBe(5);
    const [r] = await s.lookup(batch(Float32Array.from([9, 0]), 2), 1);
    expect(Array.from(r?.ids ?? [])).toEqual([2]);
    expect(r?.distances[0]).toBe(1);
  });

  it('fails with NOT_FOUND for unknown or already removed ids and removes nothing', async () => {
    const s = new HnswSearch({ distance: 'euclidean', dim: 2 });
    await expectCode(() => s.remove([0]), 'NOT_FOUND');
    await s.add([0, 1, 2], batch(randomVectors(3, 2, 1), 2));
    await s.remove([1]);
    await expectCode(() => s.remove([0, 1]), 'NOT_FOUND');
    await expectCode(() => s.remove([2, 7]), 'NOT_FOUND');
    await expectCode(() => s.remove([-1]), 'INVALID_ARGUMENT');
    expect(s.size()).toBe(2);
    expect(await allIds(s, 2)).toEqual([0, 2]);
    // Removing the same id twice in one call removes it once.
    await s.remove([2, 2]);
    expect(await allIds(s, 2)).toEqual([0]);
  });

  it('returns nothing once every id is removed', async () => {
    const s = new HnswSearch({ distance: 'cosine', dim: 3 });
    await s.add([5, 6], batch(randomVectors(2, 3, 2), 3));
    await s.remove([5, 6]);
    expect(s.size()).toBe(0);
    const res = await s.lookup(batch(randomVectors(2, 3, 3), 3), 4);
    expect(res.map((r) => r.ids.length)).toEqual([0, 0]);
    await s.add([6], batch(Float32Array.from([1, 0, 0]), 3));
    expect(await allIds(s, 3)).toEqual([6]);
  });

  it('reuses the slots of removed ids instead of growing', async () => {
    const s = new HnswSearch({ distance: 'euclidean', dim: 4, initialCapacity: 64 });
    await s.add(
      Array.from({ length: 60 }, (_, i) => i),
      batch(randomVectors(60, 4, 4), 4),
    );
    // Ten rounds of removing 30 ids and adding 30 new ones keep 60 live vectors in 64 slots.
    for (let round = 0; round < 10; round++) {
      const gone = Array.from({ length: 30 }, (_, i) => round * 30 + i);
      await s.remove(gone);
      const fresh = Array.from({ length: 30 }, (_, i) => 60 + round * 30 + i);
      await s.add(fresh, batch(randomVectors(30, 4, 100 + round), 4));
      expect(s.size()).toBe(60);
    }
    expect(s.capacity).toBe(64);
    expect(await allIds(s, 4)).toEqual(Array.from({ length: 60 }, (_, i) => 300 + i));
  });

  it('matches a model of live ids over random add / remove / re-add sequences', async () => {
    const dim = 3;
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        ids: fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 8 }),
      }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), fc.integer({ min: 1, max: 1000 }), async (ops, seed) => {
        const s = new HnswSearch({ distance: 'euclidean', dim, initialCapacity: 2, efSearch: 64 });
        const model = new Map<number, number>();
        let step = 0;
        for (const o of ops) {
          step++;
          if (o.kind === 'add') {
            if (o.ids.length === 0) continue;
            // Every vector is (id, step, 0), so the nearest neighbour of (id, step, 0) is that id with its latest vector.
            const data = new Float32Array(o.ids.length * dim);
            o.ids.forEach((id, i) => {
              data.set([id, step + seed, 0], i * dim);
            });
            await s.add(o.ids, batch(data, dim));
            for (const id of o.ids) model.set(id, step);
          } else {
            const live = [...model.keys()];
            if (live.length === 0) continue;
            const id = live[o.pick % live.length] as number;
            await s.remove([id]);
            model.delete(id);
          }
          expect(s.size()).toBe(model.size);
        }
        expect(await allIds(s, dim)).toEqual([...model.keys()].sort((a, b) => a - b));
        for (const [id, at] of model) {
          const [r] = await s.lookup(batch(Float32Array.from([id, at + seed, 0]), dim), 1);
          expect(Array.from(r?.ids ?? [])).toEqual([id]);
          expect(r?.distances[0]).toBe(0);
        }
        await s.close();
      }),
      { numRuns: 100, seed: 7 },
    );
  });
});
