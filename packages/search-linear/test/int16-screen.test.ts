import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batch } from '@simkit/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LinearSearch } from '../src/index.js';
import { screenRoundings } from '../src/score-bounds.js';
import { SCREEN_TOP } from '../src/screen-storage.js';
import { kernelCaseData, kernelCaseFields, uniformNumbers } from './naive-scan.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'simkit-screen-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const ids = (n: number) => Int32Array.from({ length: n }, (_, i) => 3 * i + 1);

describe("screen: 'int16'", () => {
  it('keeps codes within ±16,383, so 8 products summed in an int32 lane cannot overflow', () => {
    // 8 × 16,383² = 2,147,221,512 ≤ 2³¹ − 1 = 2,147,483,647, while 8 × 16,384² = 2³¹ would overflow.
    expect(SCREEN_TOP).toBe(16383);
    expect(8 * SCREEN_TOP ** 2).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(8 * (SCREEN_TOP + 1) ** 2).toBeGreaterThan(2 ** 31 - 1);
    // The roundings the bound counts: one per 32 codes and lane (4 lanes), the lane sums, one spare.
    expect(screenRoundings(128)).toBe(8);
    expect(screenRoundings(1)).toBe(5);
  });

  it('refuses what it cannot serve, with INVALID_ARGUMENT', () => {
    expect(() => new LinearSearch({ distance: 'cosine', screen: 'int8' as 'int16' })).toThrow(
      /screen must be 'none' or 'int16'/,
    );
    expect(() => new LinearSearch({ distance: 'manhattan', screen: 'int16' })).toThrow(
      /screen 'int16' needs the WebAssembly kernel/,
    );
    expect(() => new LinearSearch({ distance: 'cosine', kernel: 'js', screen: 'int16' })).toThrow(/kernel 'js'/);
    expect(() => new LinearSearch({ distance: 'cosine', precision: 'int8', screen: 'int16' })).toThrow(
      /Drop one of the two/,
    );
    expect(new LinearSearch({ distance: 'cosine', screen: 'none' }).screen).toBe('none');
  });

  for (const distance of ['cosine', 'inner_product', 'euclidean', 'squared_euclidean']) {
    it(`${distance}: the same ids and distances as the JavaScript scan, bit for bit (ties, near-duplicates, extreme scales; property)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            ...kernelCaseFields([1e-30, 1e-3, 1, 1e3, 1e25]),
            // Rows of different magnitudes get different scales (and moved rows must keep theirs).
            rowMagnitudes: fc.boolean(),
            batches: fc.integer({ min: 1, max: 4 }),
          }),
          async (p) => {
            const data = kernelCaseData(p, (row) => (p.rowMagnitudes ? 2 ** ((row % 5) - 2) : 1));
            const screened = new LinearSearch({ distance, screen: 'int16', threads: 1 });
            const js = new LinearSearch({ distance, kernel: 'js' });
            // Several batches: the storage grows, moving its codes and scales past the float32 rows.
            const all = ids(p.n);
            for (let b = 0; b < p.batches; b++) {
              const from = Math.floor((b * p.n) / p.batches);
              const to = Math.floor(((b + 1) * p.n) / p.batches);
              const rows = batch(data.subarray(from * p.dim, to * p.dim), p.dim);
              await screened.add(all.subarray(from, to), rows);
              await js.add(all.subarray(from, to), rows);
            }
            if (p.remove) {
              // Removing 60% compacts the slots (rows, codes and scales move together) and leaves
              // more rows than candidates, so the screen still has to choose.
              const gone = Array.from(all).filter((_, i) => i % 5 >= 2);
              await screened.remove(gone);
              await js.remove(gone);
            }
            const queries = uniformNumbers(p.rows * p.dim, p.seed + 7).map((x) => x * p.scale);
            queries.set(data.subarray(0, Math.min(p.dim, data.length)), 0); // a query equal to a key
            const filter = p.filterModulo < 2 ? undefined : (id: number) => id % p.filterModulo !== 0;
            const options = filter ? { filter } : {};
            expect(await screened.lookup(batch(queries, p.dim), p.k, options)).toEqual(
              await js.lookup(batch(queries, p.dim), p.k, options),
            );
          },
        ),
        { numRuns: 50, seed: 20261203 },
      );
    });
  }

  it('keeps the exact answer where the int16 codes reverse the order of two keys (the key coding error counts)', async () => {
    // Inner product, query (1, 0): a key's distance is 1 − its first coordinate. u = 2⁻¹³ is the
    // code step of a row whose largest value is 1 (1/u = 8,192 ≤ 16,383 = SCREEN_TOP, while 16,384 would not be).
    const u = 2 ** -13;
    const rows: number[][] = [];
    // 80 decoys (0.5 + 0.2u, 0): largest value 0.5, step 2⁻¹⁴ = 0.5u, so 0.5 + 0.2u codes down to 0.5.
    for (let i = 0; i < 80; i++) rows.push([0.5 + 0.2 * u, 0]);
    // The true nearest key (0.5 + 0.45u, 1), added last: step u, so its first value also codes to 0.5.
    rows.push([0.5 + 0.45 * u, 1]);
    const data = Float32Array.from(rows.flat());
    const screened = new LinearSearch({ distance: 'inner_product', screen: 'int16', threads: 1 });
    const js = new LinearSearch({ distance: 'inner_product', kernel: 'js' });
    await screened.add(ids(81), batch(data, 2));
    await js.add(ids(81), batch(data, 2));
    // Every coded score ties at −0.5, so the kernel keeps the 65 earliest slots (k + 64): decoys
    // only. Their exact distance, 0.5 − 0.2u, lies within 0.25u of their coded one, but the true
    // nearest sits 0.45u below its code: only the key coding error term makes the bound refuse,
    // and the exact scan answers.
    const got = await screened.lookup(batch(Float32Array.from([1, 0]), 2), 1);
    expect(got).toEqual(await js.lookup(batch(Float32Array.from([1, 0]), 2), 1));
    expect(Array.from(got[0]?.ids ?? [])).toEqual([241]);
    expect(screened.stats().fallbackQueries).toBe(1);
  });

  it('settles nearly every query from the screen on ordinary data, and saves and loads its float32 rows', async () => {
    const dim = 64;
    const n = 4000;
    const data = uniformNumbers(n * dim, 31);
    const screened = new LinearSearch({ distance: 'cosine', screen: 'int16', threads: 1 });
    const plain = new LinearSearch({ distance: 'cosine', threads: 1 });
    await screened.add(ids(n), batch(data, dim));
    await plain.add(ids(n), batch(data, dim));
    const queries = batch(uniformNumbers(200 * dim, 32), dim);
    const want = await plain.lookup(queries, 10);
    expect(await screened.lookup(queries, 10)).toEqual(want);

    // Inner product keeps magnitudes: rows of 5 sizes, then 60% removed, so compaction moves
    // rows whose scales differ from the ones they replace.
    const sized = data.map((x, i) => x * 2 ** (Math.floor(i / dim) % 5));
    const screenedIp = new LinearSearch({ distance: 'inner_product', screen: 'int16', threads: 1 });
    const plainIp = new LinearSearch({ distance: 'inner_product', threads: 1 });
    await screenedIp.add(ids(n), batch(sized, dim));
    await plainIp.add(ids(n), batch(sized, dim));
    const gone = Array.from(ids(n)).filter((_, i) => i % 5 >= 2);
    await screenedIp.remove(gone);
    await plainIp.remove(gone);
    expect(await screenedIp.lookup(queries, 10)).toEqual(await plainIp.lookup(queries, 10));
    // The exact scan answers only where the screen's error bound cannot settle the 10th place.
    expect(screened.stats()).toMatchObject({ kernelQueries: 200 });
    expect(screened.stats().fallbackQueries).toBeLessThanOrEqual(2);

    expect(screened.toConfig().config).toEqual({ distance: 'cosine', dim, screen: 'int16' });
    expect(LinearSearch.fromConfig(screened.toConfig()).screen).toBe('int16');
    expect(() =>
      LinearSearch.fromConfig({ ...screened.toConfig(), config: { distance: 'cosine', dim, screen: 'int4' } }),
    ).toThrow(/screen must be/);
    const dir = await tempDir();
    await screened.save(dir);
    // The save holds the float32 rows: a plain index loads it and answers the same.
    const loadedPlain = new LinearSearch({ distance: 'cosine', threads: 1 });
    await loadedPlain.load(dir);
    expect(await loadedPlain.lookup(queries, 10)).toEqual(want);
    const loadedScreened = new LinearSearch({ distance: 'cosine', screen: 'int16', threads: 1 });
    await loadedScreened.load(dir);
    expect(await loadedScreened.lookup(queries, 10)).toEqual(want);
  });

  it('splits big lookups across worker threads with the same answers', async () => {
    const dim = 48;
    const data = uniformNumbers(8000 * dim, 23);
    const one = new LinearSearch({ distance: 'euclidean', screen: 'int16', threads: 1 });
    const two = new LinearSearch({ distance: 'euclidean', screen: 'int16', threads: 2 });
    await one.add(ids(8000), batch(data, dim));
    await two.add(ids(8000), batch(data, dim));
    const queries = batch(uniformNumbers(300 * dim, 24), dim);
    const threaded = await two.lookup(queries, 5);
    expect(two.stats().threads).toBe(2);
    expect(threaded).toEqual(await one.lookup(queries, 5));
    await two.close();
  });
});
