import { batch } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { UsearchSearch } from '../src/index.js';
import { dataset, exactIds, ids, recallOf } from './reference.js';

const DIM = 16;
const N = 3000;
const data = dataset(N, DIM, 5);
const queries = dataset(50, DIM, 6);
const query = (q: number) => queries.subarray(q * DIM, (q + 1) * DIM);

async function built(options: Partial<ConstructorParameters<typeof UsearchSearch>[0]> = {}): Promise<UsearchSearch> {
  // One thread unless a test asks for more: builds on several depend on their timing.
  const s = new UsearchSearch({ distance: 'euclidean', dim: DIM, M: 8, efConstruction: 64, threads: 1, ...options });
  await s.add(ids(N), batch(data, DIM));
  return s;
}

describe('lookups', () => {
  it('a larger efSearch finds more of the true neighbours, and searching everything is exact', async () => {
    const s = await built();
    const want = Array.from({ length: 50 }, (_, q) => exactIds(data, DIM, query(q), 10));
    const recallAt = async (ef: number) => {
      s.setEfSearch(ef);
      return recallOf(
        (await s.lookup(batch(queries, DIM), 10)).map((r) => r.ids),
        want,
      );
    };
    const low = await recallAt(1);
    const mid = await recallAt(200);
    const all = await recallAt(N);
    expect(low).toBeLessThan(mid);
    expect(mid).toBeGreaterThan(0.9);
    // ef = N visits every node reachable from the entry point: the true neighbours.
    expect(all).toBe(1);
  });

  it('one query per call and a batch on several threads give the same answers', async () => {
    const s = await built({ threads: 2 });
    const together = await s.lookup(batch(queries, DIM), 7);
    for (let q = 0; q < 50; q += 7) {
      const [alone] = await s.lookup(batch(query(q), DIM), 7);
      expect(Array.from(alone?.ids ?? [])).toEqual(Array.from(together[q]?.ids ?? []));
      expect(Array.from(alone?.distances ?? [])).toEqual(Array.from(together[q]?.distances ?? []));
    }
  });

  it('adds go in chunks of 4,096 with progress after each, on the threads asked for', async () => {
    const events: number[] = [];
    const s = new UsearchSearch({
      distance: 'euclidean',
      dim: DIM,
      M: 8,
      efConstruction: 64,
      threads: 2,
      onProgress: (e) => {
        expect(e.task).toBe('usearch-add');
        expect(e.total).toBe(10_000);
        events.push(e.done);
      },
    });
    const big = dataset(10_000, DIM, 9);
    await s.add(ids(10_000), batch(big, DIM));
    expect(events).toEqual([4096, 8192, 10_000]);
    expect(s.size()).toBe(10_000);
    expect(s.stats()).toMatchObject({ size: 10_000, threads: 2, quantization: 'f32', mode: 'memory' });
    expect(s.stats().capacity).toBeGreaterThanOrEqual(10_000);
  });
});

describe('filters', () => {
  it('a filter keeping 1% of the ids still returns k of them, the true nearest among them', async () => {
    const s = await built();
    const accept = (id: number) => id % 100 === 7;
    const results = await s.lookup(batch(queries, DIM), 10, { filter: accept });
    const want = Array.from({ length: 50 }, (_, q) => exactIds(data, DIM, query(q), 10, accept));
    for (const r of results) {
      expect(r.ids.length).toBe(10);
      for (const id of r.ids) expect(accept(id)).toBe(true);
    }
    expect(
      recallOf(
        results.map((r) => r.ids),
        want,
      ),
    ).toBeGreaterThanOrEqual(0.95);
    expect(s.stats().widenedLookups).toBeGreaterThan(0);
  });

  it('a filter keeping 3 ids returns exactly those 3; one keeping none returns nothing', async () => {
    const s = await built();
    const keep = new Set([5, 1234, 2999]);
    const [r] = await s.lookup(batch(query(0), DIM), 10, { filter: (id) => keep.has(id) });
    expect(new Set(r?.ids)).toEqual(keep);
    const [none] = await s.lookup(batch(query(0), DIM), 10, { filter: () => false });
    expect(none?.ids.length).toBe(0);
  });

  it('a filter that throws fails the lookup with its error; a filter that is not a function is INVALID_ARGUMENT', async () => {
    const s = await built();
    const boom = new Error('filter broke');
    await expect(
      s.lookup(batch(query(0), DIM), 3, {
        filter: () => {
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
    await expectCode(() => s.lookup(batch(query(0), DIM), 3, { filter: 'odd' as never }), 'INVALID_ARGUMENT');
    // The index still answers.
    const [r] = await s.lookup(batch(query(0), DIM), 3);
    expect(r?.ids.length).toBe(3);
  });
});

describe('remove and re-add', () => {
  it('removed ids never come back; re-adding one brings its new vector; slots are reused', async () => {
    const s = await built();
    const gone = ids(1000);
    await s.remove(gone);
    expect(s.size()).toBe(N - 1000);
    const results = await s.lookup(batch(queries, DIM), 10);
    for (const r of results) for (const id of r.ids) expect(id).toBeGreaterThanOrEqual(1000);
    const capacity = s.stats().capacity;
    // id 3 comes back at the first query's place; 999 more ids fill the freed slots.
    const again = new Float32Array(1000 * DIM);
    again.set(query(0), 0);
    again.set(data.subarray(0, 999 * DIM), DIM);
    await s.add(
      ids(1000).map((i) => (i === 0 ? 3 : i === 3 ? 0 : i)),
      batch(again, DIM),
    );
    expect(s.size()).toBe(N);
    expect(s.stats().capacity).toBe(capacity);
    const [r] = await s.lookup(batch(query(0), DIM), 1);
    expect(Array.from(r?.ids ?? [])).toEqual([3]);
    expect(r?.distances[0]).toBe(0);
    await expectCode(() => s.remove([5000]), 'NOT_FOUND');
    await expectCode(() => s.remove([1, 5000]), 'NOT_FOUND');
    expect(s.size()).toBe(N);
  });
});

describe('close and bad calls', () => {
  it('close() empties the index, which then takes new vectors of another dimension when none was configured', async () => {
    const s = new UsearchSearch({ distance: 'euclidean', threads: 1 });
    await s.add([0, 1], batch(Float32Array.from([0, 0, 3, 4]), 2));
    expect(s.dim).toBe(2);
    await s.close();
    expect(s.size()).toBe(0);
    expect(s.dim).toBeUndefined();
    const [none] = await s.lookup(batch(Float32Array.from([0, 0, 0]), 3), 1);
    expect(none?.ids.length).toBe(0);
    await s.add([5], batch(Float32Array.from([1, 2, 2]), 3));
    const [r] = await s.lookup(batch(Float32Array.from([0, 0, 0]), 3), 1);
    // |(1, 2, 2)| = 3
    expect(Array.from(r?.ids ?? [])).toEqual([5]);
    expect(r?.distances[0]).toBeCloseTo(3, 6);
  });

  it('lookup options that are not an object, and removes of bad ids, are INVALID_ARGUMENT and change nothing', async () => {
    const s = await built();
    await expectCode(() => s.lookup(batch(query(0), DIM), 3, null as never), 'INVALID_ARGUMENT');
    await expectCode(() => s.lookup(batch(query(0), DIM), 3, 'fast' as never), 'INVALID_ARGUMENT');
    await expectCode(() => s.remove([-1]), 'INVALID_ARGUMENT');
    await expectCode(() => s.remove([1.5]), 'INVALID_ARGUMENT');
    expect(s.size()).toBe(N);
  });
});
