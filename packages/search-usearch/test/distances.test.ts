import { SimkitError, batch } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { UsearchSearch } from '../src/index.js';

/** Keys (3, 4), (1, 0), (0, 2); query (1, 0). */
const KEYS = Float32Array.from([3, 4, 1, 0, 0, 2]);
const QUERY = batch(Float32Array.from([1, 0]), 2);

async function distancesFor(distance: string): Promise<Map<number, number>> {
  const s = new UsearchSearch({ distance, dim: 2 });
  await s.add([0, 1, 2], batch(KEYS, 2));
  const [r] = await s.lookup(QUERY, 3);
  const out = new Map<number, number>();
  r?.ids.forEach((id, j) => {
    out.set(id, r.distances[j] as number);
  });
  // Sorted ascending.
  expect(Array.from(r?.distances ?? [])).toEqual([...(r?.distances ?? [])].sort((a, b) => a - b));
  return out;
}

describe('distances, worked by hand (query (1, 0))', () => {
  it('euclidean: |(1,0)−(3,4)| = √20, |(1,0)−(1,0)| = 0, |(1,0)−(0,2)| = √5', async () => {
    const d = await distancesFor('euclidean');
    expect(d.get(0)).toBeCloseTo(Math.sqrt(20), 5);
    expect(d.get(1)).toBe(0);
    expect(d.get(2)).toBeCloseTo(Math.sqrt(5), 5);
  });

  it('squared_euclidean: 20, 0, 5', async () => {
    const d = await distancesFor('squared_euclidean');
    expect(d.get(0)).toBeCloseTo(20, 4);
    expect(d.get(1)).toBe(0);
    expect(d.get(2)).toBeCloseTo(5, 5);
  });

  it('cosine: 1 − 3/5 = 0.4, 1 − 1 = 0, 1 − 0 = 1', async () => {
    const d = await distancesFor('cosine');
    expect(d.get(0)).toBeCloseTo(0.4, 5);
    expect(d.get(1)).toBeCloseTo(0, 6);
    expect(d.get(2)).toBeCloseTo(1, 6);
  });

  it('inner_product: 1 − q·k = 1 − 3 = −2, 1 − 1 = 0, 1 − 0 = 1', async () => {
    const d = await distancesFor('inner_product');
    expect(d.get(0)).toBeCloseTo(-2, 5);
    expect(d.get(1)).toBeCloseTo(0, 6);
    expect(d.get(2)).toBeCloseTo(1, 6);
  });

  it('accepts aliases and Distance objects', async () => {
    expect(new UsearchSearch({ distance: 'l2' }).distance.name).toBe('euclidean');
    expect(new UsearchSearch({ distance: 'ip' }).distance.name).toBe('inner_product');
  });

  it('refuses other distances at construction with UNSUPPORTED, naming what works', async () => {
    for (const distance of ['manhattan', 'snr']) {
      const e = await expectCode(() => new UsearchSearch({ distance }), 'UNSUPPORTED');
      expect(e.message).toContain('cosine, euclidean, squared_euclidean, inner_product');
    }
    await expectCode(() => new UsearchSearch({ distance: 'nonsense' }), 'INVALID_ARGUMENT');
  });
});

describe('options', () => {
  it('checks every option with a typed error', async () => {
    const bad: Array<Record<string, unknown>> = [
      { dim: 0 },
      { dim: 1.5 },
      { M: 1 },
      { M: 5000 },
      { efConstruction: 0 },
      { efSearch: -1 },
      { threads: 0 },
      { threads: 2.5 },
      { quantization: 'f8' },
      { view: 'yes' },
    ];
    for (const extra of bad) {
      await expectCode(
        () => new UsearchSearch({ distance: 'cosine', ...extra }),
        'INVALID_ARGUMENT',
        JSON.stringify(extra),
      );
    }
    await expectCode(() => new UsearchSearch(null as never), 'INVALID_ARGUMENT');
    await expectCode(() => new UsearchSearch({} as never), 'INVALID_ARGUMENT');
    // i8 keeps directions only: cosine alone.
    await expectCode(() => new UsearchSearch({ distance: 'euclidean', quantization: 'i8' }), 'UNSUPPORTED');
    expect(new UsearchSearch({ distance: 'cosine', quantization: 'i8' }).quantization).toBe('i8');
    const s = new UsearchSearch({ distance: 'cosine' });
    expect(() => s.setEfSearch(0)).toThrow(SimkitError);
    s.efSearch = 120;
    expect(s.efSearch).toBe(120);
    expect(s.threads).toBeGreaterThanOrEqual(1);
  });

  it('round-trips its config and rebuilds from it', async () => {
    const s = new UsearchSearch({
      distance: 'cosine',
      dim: 8,
      M: 12,
      efConstruction: 64,
      efSearch: 30,
      quantization: 'f16',
    });
    const c = s.toConfig();
    expect(c).toEqual({
      type: 'usearch-search',
      version: 1,
      package: '@simkit/search-usearch',
      config: { distance: 'cosine', dim: 8, M: 12, efConstruction: 64, efSearch: 30, quantization: 'f16' },
    });
    const t = UsearchSearch.fromConfig(JSON.parse(JSON.stringify(c)), { threads: 1 });
    expect(t.toConfig()).toEqual(c);
    expect(t.threads).toBe(1);
    await expectCode(() => UsearchSearch.fromConfig({ ...c, type: 'hnsw-search' }), 'INVALID_ARGUMENT');
  });

  it('f16 refuses components it cannot hold, and changes nothing', async () => {
    const s = new UsearchSearch({ distance: 'euclidean', dim: 2, quantization: 'f16' });
    await s.add([0], batch(Float32Array.from([1, 2]), 2));
    const e = await expectCode(() => s.add([1, 2], batch(Float32Array.from([0, 0, 1e6, 0]), 2)), 'INVALID_ARGUMENT');
    expect(e.message).toContain('row 1');
    expect(s.size()).toBe(1);
  });
});
