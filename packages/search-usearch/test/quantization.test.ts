import { batch, randomVectors } from '@simkit/core';
import { withTempDir } from '@simkit/core/testing';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsearchSearch } from '../src/index.js';
import { exactIds, ids, recallOf } from './reference.js';

const DIM = 64;
const N = 2000;
// Uniform directions: neighbours are distinct enough that rounding rarely swaps them.
const data = randomVectors(N, DIM, 15);
const queries = randomVectors(40, DIM, 16);
const query = (q: number) => queries.subarray(q * DIM, (q + 1) * DIM);
const want = Array.from({ length: 40 }, (_, q) => exactIds(data, DIM, query(q), 10, undefined, true));

function cosineDistance(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let j = 0; j < a.length; j++) dot += (a[j] as number) * (b[j] as number);
  return 1 - dot / (Math.hypot(...a) * Math.hypot(...b));
}

async function savedIndexBytes(s: UsearchSearch): Promise<number> {
  return withTempDir(async (dir) => {
    await s.save(dir);
    const manifest = JSON.parse(await readFile(join(dir, 'simkit-save.json'), 'utf8')) as { generation: string };
    return (await stat(join(dir, manifest.generation, 'usearch-index.bin'))).size;
  });
}

describe('quantization (cosine, unit vectors)', () => {
  const built: Record<string, UsearchSearch> = {};
  for (const quantization of ['f32', 'f16', 'i8'] as const) {
    it(`${quantization}: recall@10 against exact cosine, and distances close to the true ones`, async () => {
      const s = new UsearchSearch({ distance: 'cosine', dim: DIM, quantization, efSearch: 100, threads: 1 });
      await s.add(ids(N), batch(data, DIM));
      built[quantization] = s;
      const results = await s.lookup(batch(queries, DIM), 10);
      expect(
        recallOf(
          results.map((r) => r.ids),
          want,
        ),
      ).toBeGreaterThanOrEqual(quantization === 'i8' ? 0.9 : 0.99);
      // Stored components lose precision: f16 keeps ~3 decimal digits, i8 steps of 1/127 per component.
      const tolerance = { f32: 1e-6, f16: 2e-3, i8: 2e-2 }[quantization];
      let worst = 0;
      results.forEach((r, q) => {
        r.ids.forEach((id, j) => {
          const truth = cosineDistance(query(q), data.subarray(id * DIM, (id + 1) * DIM));
          worst = Math.max(worst, Math.abs((r.distances[j] as number) - truth));
        });
      });
      expect(worst).toBeLessThan(tolerance);
      expect(s.stats().quantization).toBe(quantization);
    });
  }

  it('stores 4, 2 and 1 byte per component: the saved files differ by exactly that', async () => {
    const [f32, f16, i8] = await Promise.all([
      savedIndexBytes(built.f32 as UsearchSearch),
      savedIndexBytes(built.f16 as UsearchSearch),
      savedIndexBytes(built.i8 as UsearchSearch),
    ]);
    // Same graph shape (levels are drawn the same way on one thread): only the vector bytes differ.
    expect(f32 - f16).toBe(N * DIM * 2);
    expect(f32 - i8).toBe(N * DIM * 3);
  });

  it('a saved f16 or i8 index loads with its storage, whatever the instance was created with', async () => {
    await withTempDir(async (dir) => {
      await (built.i8 as UsearchSearch).save(dir);
      const t = new UsearchSearch({ distance: 'cosine', efSearch: 100 });
      await t.load(dir);
      expect(t.quantization).toBe('i8');
      expect(t.toConfig().config.quantization).toBe('i8');
      const a = await (built.i8 as UsearchSearch).lookup(batch(queries, DIM), 5);
      const b = await t.lookup(batch(queries, DIM), 5);
      expect(b.map((r) => Array.from(r.ids))).toEqual(a.map((r) => Array.from(r.ids)));
    });
  });
});
