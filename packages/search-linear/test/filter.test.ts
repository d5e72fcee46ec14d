import { batch, randomVectors } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { LinearSearch } from '../src/index.js';
import { type Entry, expectClose, naiveScan, plain, referenceDistance, rowsOf } from './naive-scan.js';

/** ids 0..n-1 with id i at (i, 0), so the distance from (0, 0) is i. */
async function line(n: number): Promise<LinearSearch> {
  const s = new LinearSearch({ distance: 'euclidean', keyBlock: 4 });
  await s.add(
    Array.from({ length: n }, (_, i) => i),
    batch(
      Float32Array.from({ length: 2 * n }, (_, j) => (j % 2 === 0 ? j / 2 : 0)),
      2,
    ),
  );
  return s;
}

const ORIGIN = batch(Float32Array.from([0, 0, 0, 0, 0, 0]), 2);

describe('LinearSearch filter', () => {
  it('keeps only accepted ids: mostly accepted (masked scan)', async () => {
    const s = await line(12);
    const [r] = await s.lookup(ORIGIN, 4, { filter: (id) => id % 3 !== 0 });
    // Accepted: 1, 2, 4, 5, 7, … at distances equal to the id.
    expect(Array.from(r!.ids)).toEqual([1, 2, 4, 5]);
    expect(Array.from(r!.distances)).toEqual([1, 2, 4, 5]);
  });

  it('keeps only accepted ids: mostly rejected (gathered scan)', async () => {
    const s = await line(12);
    const res = await s.lookup(ORIGIN, 4, { filter: (id) => id % 5 === 4 });
    // Accepted: 4 and 9 only, so two results per query although k = 4.
    expect(plain(res)).toEqual([
      { ids: [4, 9], distances: [4, 9] },
      { ids: [4, 9], distances: [4, 9] },
      { ids: [4, 9], distances: [4, 9] },
    ]);
  });

  it('asks the filter once per live id per lookup, however many queries', async () => {
    const s = await line(10);
    await s.remove([3]);
    const asked: number[] = [];
    await s.lookup(ORIGIN, 2, {
      filter: (id) => {
        asked.push(id);
        return true;
      },
    });
    expect(asked).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
  });

  it('returns empty rows when the filter rejects everything', async () => {
    const s = await line(5);
    const res = await s.lookup(ORIGIN, 3, { filter: () => false });
    expect(res.map((r) => r.ids.length)).toEqual([0, 0, 0]);
  });

  it('equals a naive scan over the accepted entries, with removals', async () => {
    const dim = 5;
    const data = randomVectors(200, dim, 41);
    const queries = randomVectors(9, dim, 42);
    const s = new LinearSearch({ distance: 'manhattan', dim, queryBlock: 4, keyBlock: 32 });
    await s.add(
      Array.from({ length: 200 }, (_, i) => i),
      batch(data, dim),
    );
    await s.remove(Array.from({ length: 40 }, (_, i) => i * 5));
    const entries: Entry[] = rowsOf(data, dim)
      .map((vector, id) => ({ id, vector }))
      .filter((e) => e.id % 5 !== 0);
    for (const keep of [(id: number) => id % 7 < 5, (id: number) => id % 7 === 0]) {
      const got = await s.lookup(batch(queries, dim), 6, { filter: keep });
      const want = rowsOf(queries, dim).map((q) =>
        naiveScan(
          entries.filter((e) => keep(e.id)),
          6,
          (v) => referenceDistance('manhattan', q, v),
        ),
      );
      got.forEach((r, i) => {
        expect(Array.from(r.ids)).toEqual(Array.from(want[i]!.ids));
        expectClose(r.distances, want[i]!.distances, 5);
      });
    }
  });

  it('rejects a filter that is not a function', async () => {
    const s = await line(3);
    await expectCode(
      () => s.lookup(ORIGIN, 1, { filter: 'odd' as unknown as (id: number) => boolean }),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => s.lookup(ORIGIN, 1, null as unknown as object), 'INVALID_ARGUMENT');
  });
});
