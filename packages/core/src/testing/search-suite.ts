import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batch } from '../embeddings.js';
import { SimkitError, type SimkitErrorCode } from '../errors.js';
import type { Neighbors, Search } from '../search.js';
import { needs, skipIfSupported, skipUnlessSupported, without } from './capabilities.js';
import { referenceEuclidean } from './fake-distance.js';
import { randomVectors } from '../random.js';
import { expectDamageDetected, expectOneGeneration } from './save-checks.js';
import { withTempDir } from './temp-dir.js';

/** Options of `describeSearch`. */
export interface SearchSuiteOptions {
  /** A fresh, empty Search using the euclidean distance, for vectors of `dim`. */
  factory: (dim: number) => Search | Promise<Search>;
  /** Minimum recall@k against exact search on small data, for backends without `supports.exact`. Default 0.95. */
  minRecall?: number;
}

/** Asserts that `fn` rejects with a SimkitError of `code`; `why` says in the failure message why it must. */
export async function expectCode(fn: () => unknown, code: SimkitErrorCode, why?: string): Promise<SimkitError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, why ?? `expected a SimkitError ${code}`).toBeDefined();
  expect(SimkitError.isInstance(caught), `expected a SimkitError, got ${String(caught)}`).toBe(true);
  expect((caught as SimkitError).code).toBe(code);
  return caught as SimkitError;
}

/** Exact neighbours by a plain scan over (id, vector) pairs in insertion order. */
function exact(
  ids: number[],
  data: Float32Array,
  dim: number,
  query: Float32Array,
  k: number,
): Array<[number, number]> {
  const scored = ids.map(
    (id, i) => [id, referenceEuclidean(query, data.subarray(i * dim, (i + 1) * dim))] as [number, number],
  );
  scored.sort((a, b) => a[1] - b[1]);
  return scored.slice(0, k);
}

function plain(n: Neighbors[]): Array<{ ids: number[]; distances: number[] }> {
  return n.map((r) => ({ ids: Array.from(r.ids), distances: Array.from(r.distances) }));
}

/**
 * The conformance suite every Search backend runs:
 * `describeSearch('LinearSearch', { factory: (dim) => new LinearSearch({ distance: 'euclidean', dim }) })`.
 *
 * Capability flags in `search.supports` decide which tests apply. A test tagged
 * `[needs supports.X]` runs only when the backend declares X and is reported as skipped
 * otherwise; a test tagged `[without supports.X]` runs only when it does not, and checks
 * that the operation fails with UNSUPPORTED and changes nothing. Without `supports.exact`,
 * exact-order checks become recall checks against `minRecall`.
 */
export function describeSearch(name: string, options: SearchSuiteOptions): void {
  const { factory } = options;
  const minRecall = options.minRecall ?? 0.95;

  describe(`${name} — Search conformance`, () => {
    it('has a supports manifest and a { type, version, config } config', async () => {
      const s = await factory(4);
      for (const flag of ['delete', 'filter', 'persistence', 'exact'] as const) {
        expect(typeof s.supports[flag], `supports.${flag}`).toBe('boolean');
      }
      const c = s.toConfig();
      expect(typeof c.type).toBe('string');
      expect(Number.isInteger(c.version)).toBe(true);
      expect(typeof c.config).toBe('object');
      expect(JSON.parse(JSON.stringify(c))).toEqual(c);
    });

    it('returns neighbours sorted by euclidean distance, matching an exact scan (a recall floor without supports.exact)', async () => {
      const s = await factory(8);
      const n = 200;
      const data = randomVectors(n, 8, 11);
      const ids = Array.from({ length: n }, (_, i) => i * 3 + 1);
      await s.add(ids, batch(data, 8));
      expect(s.size()).toBe(n);
      const queries = randomVectors(20, 8, 12);
      const res = await s.lookup(batch(queries, 8), 10);
      expect(res).toHaveLength(20);
      let hits = 0;
      for (let q = 0; q < 20; q++) {
        const want = exact(ids, data, 8, queries.subarray(q * 8, (q + 1) * 8), 10);
        const got = res[q] as Neighbors;
        expect(got.ids.length).toBe(10);
        for (let j = 1; j < got.distances.length; j++) {
          expect(got.distances[j] as number).toBeGreaterThanOrEqual(got.distances[j - 1] as number);
        }
        // Each reported distance is the true euclidean distance of the reported id.
        for (let j = 0; j < got.ids.length; j++) {
          const i = ids.indexOf(got.ids[j] as number);
          expect(i).toBeGreaterThanOrEqual(0);
          const truth = referenceEuclidean(queries.subarray(q * 8, (q + 1) * 8), data.subarray(i * 8, (i + 1) * 8));
          expect(got.distances[j] as number).toBeCloseTo(truth, 4);
        }
        const wantIds = new Set(want.map((w) => w[0]));
        hits += Array.from(got.ids).filter((id) => wantIds.has(id)).length;
        if (s.supports.exact) {
          expect(Array.from(got.ids)).toEqual(want.map((w) => w[0]));
        }
      }
      expect(hits / (20 * 10)).toBeGreaterThanOrEqual(s.supports.exact ? 1 : minRecall);
    });

    it(`keeps insertion order for equal distances ${needs('exact')}`, async (ctx) => {
      const s = await factory(2);
      skipUnlessSupported(ctx, name, s.supports, 'exact');
      // ids 10 and 7 hold the same vector; 10 was inserted first, so it comes first.
      await s.add([10, 3, 7, 1], batch(Float32Array.from([1, 0, 0, 1, 1, 0, 5, 5]), 2));
      const [r] = await s.lookup(batch(Float32Array.from([1, 0]), 2), 3);
      expect(Array.from(r?.ids ?? [])).toEqual([10, 7, 3]);
      // |(1,0) − (0,1)| = √2
      expect(Array.from(r?.distances ?? [])).toEqual([0, 0, Math.fround(Math.SQRT2)]);
    });

    it('returns what exists when k is larger than the index', async () => {
      const s = await factory(3);
      await s.add([0, 1, 2], batch(randomVectors(3, 3, 5), 3));
      const res = await s.lookup(batch(randomVectors(2, 3, 6), 3), 50);
      expect(res.map((r) => r.ids.length)).toEqual([3, 3]);
      expect(new Set(res[0]?.ids)).toEqual(new Set([0, 1, 2]));
    });

    it('returns empty rows, not an error, on an empty index', async () => {
      const s = await factory(3);
      expect(s.size()).toBe(0);
      const res = await s.lookup(batch(randomVectors(2, 3, 6), 3), 5);
      expect(res).toHaveLength(2);
      expect(res.every((r) => r.ids.length === 0 && r.distances.length === 0)).toBe(true);
    });

    it('rejects bad input with typed errors and changes nothing', async () => {
      const s = await factory(3);
      await s.add([0, 1], batch(randomVectors(2, 3, 1), 3));
      await expectCode(() => s.add([2], batch(Float32Array.from([1, 2, 3, 4]), 4)), 'DIMENSION_MISMATCH');
      await expectCode(
        () => s.add([2, 3], batch(Float32Array.from([1, 2, 3, 4, Number.NaN, 6]), 3)),
        'INVALID_ARGUMENT',
      );
      await expectCode(
        () => s.add([2], batch(Float32Array.from([1, Number.POSITIVE_INFINITY, 3]), 3)),
        'INVALID_ARGUMENT',
      );
      await expectCode(() => s.add([2, 3], batch(Float32Array.from([1, 2, 3]), 3)), 'INVALID_ARGUMENT');
      await expectCode(() => s.add([-1], batch(Float32Array.from([1, 2, 3]), 3)), 'INVALID_ARGUMENT');
      await expectCode(() => s.add([5, 5], batch(randomVectors(2, 3, 2), 3)), 'INVALID_ARGUMENT');
      expect(s.size()).toBe(2);
      const q = batch(Float32Array.from([0, 0, 0]), 3);
      for (const k of [0, -1, 1.5, Number.NaN]) await expectCode(() => s.lookup(q, k), 'INVALID_ARGUMENT');
      await expectCode(() => s.lookup(batch(Float32Array.from([0, 0]), 2), 1), 'DIMENSION_MISMATCH');
      await expectCode(() => s.lookup(batch(Float32Array.from([0, Number.NaN, 0]), 3), 1), 'INVALID_ARGUMENT');
      const [r] = await s.lookup(q, 5);
      expect(new Set(r?.ids)).toEqual(new Set([0, 1]));
    });

    it('replaces the vector when an id is added again', async () => {
      const s = await factory(2);
      await s.add([0, 1], batch(Float32Array.from([0, 0, 10, 10]), 2));
      await s.add([0], batch(Float32Array.from([20, 20]), 2));
      expect(s.size()).toBe(2);
      const [r] = await s.lookup(batch(Float32Array.from([20, 20]), 2), 1);
      expect(Array.from(r?.ids ?? [])).toEqual([0]);
      expect(r?.distances[0]).toBeCloseTo(0, 5);
    });

    it('gives the same result for many batches as for one (a recall floor without supports.exact)', async () => {
      const one = await factory(6);
      const many = await factory(6);
      const data = randomVectors(90, 6, 21);
      const ids = Array.from({ length: 90 }, (_, i) => i);
      await one.add(ids, batch(data, 6));
      for (let start = 0; start < 90; start += 17) {
        const end = Math.min(90, start + 17);
        await many.add(ids.slice(start, end), batch(data.slice(start * 6, end * 6), 6));
      }
      expect(many.size()).toBe(90);
      const queries = batch(randomVectors(10, 6, 22), 6);
      const a = plain(await one.lookup(queries, 7));
      const b = plain(await many.lookup(queries, 7));
      if (one.supports.exact) {
        expect(b).toEqual(a);
      } else {
        const agree = a.reduce((acc, r, i) => acc + r.ids.filter((id) => b[i]?.ids.includes(id)).length, 0);
        expect(agree / 70).toBeGreaterThanOrEqual(minRecall);
      }
    });

    it('reset forgets everything and accepts new vectors', async () => {
      const s = await factory(3);
      await s.add([0, 1, 2], batch(randomVectors(3, 3, 3), 3));
      await s.reset();
      expect(s.size()).toBe(0);
      const [r0] = await s.lookup(batch(Float32Array.from([0, 0, 0]), 3), 3);
      expect(r0?.ids.length).toBe(0);
      await s.add([0], batch(Float32Array.from([1, 1, 1]), 3));
      const [r1] = await s.lookup(batch(Float32Array.from([1, 1, 1]), 3), 3);
      expect(Array.from(r1?.ids ?? [])).toEqual([0]);
    });

    it(`save then load into a fresh instance gives identical lookups ${needs('persistence')}`, async (ctx) => {
      const s = await factory(5);
      skipUnlessSupported(ctx, name, s.supports, 'persistence');
      await s.add(
        Array.from({ length: 120 }, (_, i) => i),
        batch(randomVectors(120, 5, 31), 5),
      );
      const queries = batch(randomVectors(15, 5, 32), 5);
      const before = plain(await s.lookup(queries, 6));
      await withTempDir(async (dir) => {
        await s.save(dir);
        const t = await factory(5);
        await t.load(dir);
        expect(t.size()).toBe(120);
        expect(plain(await t.lookup(queries, 6))).toEqual(before);
      });
    });

    it(`saving again replaces the previous save atomically and leaves one generation behind ${needs('persistence')}`, async (ctx) => {
      const s = await factory(4);
      skipUnlessSupported(ctx, name, s.supports, 'persistence');
      const data = randomVectors(40, 4, 41);
      await s.add(
        Array.from({ length: 30 }, (_, i) => i),
        batch(data.subarray(0, 30 * 4), 4),
      );
      const queries = batch(randomVectors(5, 4, 42), 4);
      await withTempDir(async (dir) => {
        await s.save(dir);
        await s.add(
          Array.from({ length: 10 }, (_, i) => 30 + i),
          batch(data.subarray(30 * 4), 4),
        );
        const after = plain(await s.lookup(queries, 4));
        await s.save(dir);
        await expectOneGeneration(dir);
        const t = await factory(4);
        await t.load(dir);
        expect(t.size()).toBe(40);
        expect(plain(await t.lookup(queries, 4))).toEqual(after);
      });
    });

    it(`a damaged save fails with a SimkitError or loads identically, never differently ${needs('persistence')}`, async (ctx) => {
      const s = await factory(3);
      skipUnlessSupported(ctx, name, s.supports, 'persistence');
      await s.add(
        Array.from({ length: 25 }, (_, i) => i),
        batch(randomVectors(25, 3, 43), 3),
      );
      const queries = batch(randomVectors(6, 3, 44), 3);
      const state = async (x: Search) => ({ size: x.size(), lookups: plain(await x.lookup(queries, 5)) });
      const expected = await state(s);
      await withTempDir(async (dir) => {
        await s.save(dir);
        const { tried, typed } = await expectDamageDetected(
          dir,
          async () => {
            const t = await factory(3);
            await t.load(dir);
            return state(t);
          },
          expected,
        );
        expect(tried).toBeGreaterThan(0);
        expect(typed).toBeGreaterThan(0);
      });
    });

    it(`fails with CORRUPT_INDEX when loading from a directory without an index ${needs('persistence')}`, async (ctx) => {
      const s = await factory(5);
      skipUnlessSupported(ctx, name, s.supports, 'persistence');
      await withTempDir(async (dir) => {
        await expectCode(() => s.load(dir), 'CORRUPT_INDEX');
      });
    });

    it(`fails with INVALID_ARGUMENT, not a raw file-system error, when saving onto a file ${needs('persistence')}`, async (ctx) => {
      const s = await factory(2);
      skipUnlessSupported(ctx, name, s.supports, 'persistence');
      await s.add([0], batch(Float32Array.from([1, 2]), 2));
      await withTempDir(async (dir) => {
        const file = join(dir, 'a-file');
        await writeFile(file, 'not a directory');
        await expectCode(() => s.save(file), 'INVALID_ARGUMENT');
        await expectCode(() => s.save(join(file, 'below')), 'INVALID_ARGUMENT');
      });
    });

    it(`save and load fail with UNSUPPORTED, write nothing and change nothing ${without('persistence')}`, async (ctx) => {
      const s = await factory(2);
      skipIfSupported(ctx, name, s.supports, 'persistence');
      await s.add([0, 1], batch(Float32Array.from([0, 0, 3, 4]), 2));
      const q = batch(Float32Array.from([0, 0]), 2);
      const before = plain(await s.lookup(q, 2));
      await withTempDir(async (dir) => {
        const why = `${name} declares supports.persistence = false, so save() and load() must fail with UNSUPPORTED`;
        await expectCode(() => s.save(join(dir, 'index')), 'UNSUPPORTED', why);
        await expectCode(() => s.save(dir), 'UNSUPPORTED', why);
        expect(await readdir(dir), 'files written by a save that is not supported').toEqual([]);
        await expectCode(() => s.load(dir), 'UNSUPPORTED', why);
      });
      expect(s.size()).toBe(2);
      expect(plain(await s.lookup(q, 2))).toEqual(before);
    });

    it(`remove drops ids from results and from size ${needs('delete')}`, async (ctx) => {
      const s = await factory(2);
      skipUnlessSupported(ctx, name, s.supports, 'delete');
      await s.add([0, 1, 2, 3], batch(Float32Array.from([0, 0, 1, 0, 2, 0, 3, 0]), 2));
      await s.remove([1, 2]);
      expect(s.size()).toBe(2);
      const [r] = await s.lookup(batch(Float32Array.from([1, 0]), 2), 4);
      expect(Array.from(r?.ids ?? []).sort()).toEqual([0, 3]);
      await expectCode(() => s.remove([1]), 'NOT_FOUND');
      await expectCode(() => s.remove([0, 99]), 'NOT_FOUND');
      expect(s.size()).toBe(2);
    });

    it(`remove fails with UNSUPPORTED and removes nothing ${without('delete')}`, async (ctx) => {
      const s = await factory(2);
      skipIfSupported(ctx, name, s.supports, 'delete');
      await s.add([0, 1, 2], batch(Float32Array.from([0, 0, 1, 0, 2, 0]), 2));
      await expectCode(
        () => s.remove([1]),
        'UNSUPPORTED',
        `${name} declares supports.delete = false, so remove() must fail with UNSUPPORTED`,
      );
      expect(s.size()).toBe(3);
      const [r] = await s.lookup(batch(Float32Array.from([1, 0]), 2), 3);
      expect(new Set(r?.ids)).toEqual(new Set([0, 1, 2]));
    });

    it(`filter keeps only accepted ids ${needs('filter')}`, async (ctx) => {
      const s = await factory(2);
      skipUnlessSupported(ctx, name, s.supports, 'filter');
      await s.add([0, 1, 2, 3, 4, 5], batch(Float32Array.from([0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0]), 2));
      const [r] = await s.lookup(batch(Float32Array.from([0, 0]), 2), 2, { filter: (id) => id % 2 === 1 });
      expect(Array.from(r?.ids ?? [])).toEqual([1, 3]);
    });

    it(`a lookup with a filter fails with UNSUPPORTED instead of ignoring it ${without('filter')}`, async (ctx) => {
      const s = await factory(2);
      skipIfSupported(ctx, name, s.supports, 'filter');
      await s.add([0, 1, 2], batch(Float32Array.from([0, 0, 1, 0, 2, 0]), 2));
      const q = batch(Float32Array.from([0, 0]), 2);
      await expectCode(
        () => s.lookup(q, 2, { filter: (id) => id !== 0 }),
        'UNSUPPORTED',
        `${name} declares supports.filter = false, so a lookup with a filter must fail with UNSUPPORTED`,
      );
      const [r] = await s.lookup(q, 3);
      expect(new Set(r?.ids)).toEqual(new Set([0, 1, 2]));
    });
  });
}
