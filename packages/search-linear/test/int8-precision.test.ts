import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimkitError, batch } from '@simkit/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LinearSearch } from '../src/index.js';
import { powerOfTwoScale } from '../src/int8-storage.js';
import { uniformNumbers } from './naive-scan.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'simkit-int8-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function codeOf(error: unknown): string | undefined {
  return SimkitError.isInstance(error) ? error.code : undefined;
}

describe("precision: 'int8'", () => {
  it('picks the smallest power-of-two scale that codes the largest value within ±127', () => {
    // 1/2⁻⁶ = 64 ≤ 127, while 1/2⁻⁷ = 128 is too big.
    expect(powerOfTwoScale(1, 127)).toBe(2 ** -6);
    expect(powerOfTwoScale(127, 127)).toBe(1);
    expect(powerOfTwoScale(128, 127)).toBe(2);
    expect(powerOfTwoScale(0.3, 127)).toBe(2 ** -8); // 0.3 × 256 = 76.8
    expect(powerOfTwoScale(0, 127)).toBe(1);
    expect(powerOfTwoScale(1e-30, 127)).toBe(2 ** -60); // clamped: products of two scales stay normal floats
  });

  it('refuses what it cannot serve, with INVALID_ARGUMENT, and stores nothing from a bad batch', async () => {
    expect(() => new LinearSearch({ distance: 'cosine', precision: 'int4' as 'int8' })).toThrow(/precision must be/);
    expect(() => new LinearSearch({ distance: 'manhattan', precision: 'int8' })).toThrow(
      /needs the WebAssembly kernel/,
    );
    expect(() => new LinearSearch({ distance: 'cosine', kernel: 'js', precision: 'int8' })).toThrow(/kernel 'js'/);
    const search = new LinearSearch({ distance: 'euclidean', precision: 'int8' });
    const error = await search.add([1, 2], batch(Float32Array.from([1, 2, 3, 1e30]), 2)).catch((e) => e);
    expect(codeOf(error)).toBe('INVALID_ARGUMENT');
    expect(String(error)).toMatch(/precision 'f32'/);
    expect(search.size()).toBe(0);
  });

  for (const distance of ['cosine', 'inner_product', 'euclidean', 'squared_euclidean']) {
    it(`${distance}: answers exactly for the stored (rounded) vectors — as the JS scan over the saved rows does (property)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            dim: fc.integer({ min: 1, max: 40 }),
            n: fc.integer({ min: 1, max: 250 }),
            rows: fc.integer({ min: 1, max: 8 }),
            k: fc.integer({ min: 1, max: 30 }),
            scale: fc.constantFrom(1e-3, 1, 1e3),
            duplicates: fc.boolean(),
            remove: fc.boolean(),
            filterModulo: fc.integer({ min: 0, max: 12 }),
            seed: fc.integer({ min: 1, max: 2 ** 30 }),
          }),
          async (p) => {
            const data = uniformNumbers(p.n * p.dim, p.seed).map((x) => x * p.scale);
            if (p.duplicates) {
              for (let s = 1; s < p.n; s += 3) data.copyWithin(s * p.dim, (s - 1) * p.dim, s * p.dim);
            }
            const ids = Int32Array.from({ length: p.n }, (_, i) => 2 * i + 5);
            const int8 = new LinearSearch({ distance, precision: 'int8', threads: 1 });
            await int8.add(ids, batch(data, p.dim));
            if (p.remove) await int8.remove(ids.filter((_, i) => i % 4 === 1));
            const dir = await tempDir();
            await int8.save(dir);
            // The saved rows are the rounded ones; the JS scan over them is the reference.
            const reference = new LinearSearch({ distance, kernel: 'js' });
            await reference.load(dir);
            const queries = batch(
              uniformNumbers(p.rows * p.dim, p.seed + 3).map((x) => x * p.scale),
              p.dim,
            );
            const filter = p.filterModulo < 2 ? undefined : (id: number) => id % p.filterModulo !== 0;
            const options = filter ? { filter } : {};
            expect(await int8.lookup(queries, p.k, options)).toEqual(await reference.lookup(queries, p.k, options));
            // Loading the save into another int8 index codes the rows back exactly.
            const again = new LinearSearch({ distance, precision: 'int8', threads: 1 });
            await again.load(dir);
            expect(await again.lookup(queries, p.k, options)).toEqual(await reference.lookup(queries, p.k, options));
          },
        ),
        { numRuns: 25, seed: 20261203 },
      );
    });
  }

  it('rounds each coordinate by at most half its vector’s scale, and finds near-identical neighbours to the float32 index', async () => {
    const dim = 64;
    const n = 3000;
    const data = uniformNumbers(n * dim, 21);
    const ids = Int32Array.from({ length: n }, (_, i) => i);
    const int8 = new LinearSearch({ distance: 'cosine', precision: 'int8', threads: 1 });
    const f32 = new LinearSearch({ distance: 'cosine', threads: 1 });
    await int8.add(ids, batch(data, dim));
    await f32.add(ids, batch(data, dim));
    const dir = await tempDir();
    await int8.save(dir);
    const stored = new LinearSearch({ distance: 'cosine', kernel: 'js' });
    await stored.load(dir);
    const exact = new LinearSearch({ distance: 'cosine', kernel: 'js' });
    await exact.add(ids, batch(data, dim));
    // Compare stored rows with the unit-length originals: |x − x̂| ≤ scale/2 ≤ max|x|/127.
    const a = (await stored.lookup(batch(data.subarray(0, dim), dim), 1))[0];
    expect(a?.ids[0]).toBe(0);
    expect(a?.distances[0]).toBeLessThan(1e-3);
    const queries = batch(uniformNumbers(100 * dim, 22), dim);
    const got = await int8.lookup(queries, 10);
    const want = await f32.lookup(queries, 10);
    let hits = 0;
    got.forEach((row, q) => {
      const truth = new Set(want[q]?.ids);
      for (const id of row.ids) if (truth.has(id)) hits++;
    });
    expect(hits / 1000).toBeGreaterThan(0.9);
    expect(int8.toConfig().config).toEqual({ distance: 'cosine', dim, precision: 'int8' });
    expect(LinearSearch.fromConfig(int8.toConfig()).precision).toBe('int8');
    expect(f32.toConfig().config).toEqual({ distance: 'cosine', dim });
  });

  it('splits big int8 lookups across worker threads with the same answers', async () => {
    const dim = 48;
    const data = uniformNumbers(8000 * dim, 23);
    const ids = Int32Array.from({ length: 8000 }, (_, i) => i);
    const one = new LinearSearch({ distance: 'euclidean', precision: 'int8', threads: 1 });
    const two = new LinearSearch({ distance: 'euclidean', precision: 'int8', threads: 2 });
    await one.add(ids, batch(data, dim));
    await two.add(ids, batch(data, dim));
    const queries = batch(uniformNumbers(300 * dim, 24), dim);
    const threaded = await two.lookup(queries, 5);
    expect(two.stats().threads).toBe(2);
    expect(threaded).toEqual(await one.lookup(queries, 5));
    await two.close();
  });
});
