import { batch, fromConfig } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { HnswSearch, SUPPORTED_DISTANCES } from '../src/index.js';

describe('HnswSearch options and config', () => {
  it('declares what it supports', () => {
    const s = new HnswSearch({ distance: 'cosine' });
    expect(s.supports).toEqual({ delete: true, filter: true, persistence: true, exact: false });
    expect(SUPPORTED_DISTANCES).toEqual(['cosine', 'euclidean', 'squared_euclidean', 'inner_product']);
  });

  it('serialises to { type, version, package, config } with the canonical distance name and defaults', () => {
    const s = new HnswSearch({ distance: 'L2', dim: 16 });
    expect(s.toConfig()).toEqual({
      type: 'hnsw-search',
      version: 1,
      package: '@simkit/search-hnsw',
      config: { distance: 'euclidean', dim: 16, M: 16, efConstruction: 200, efSearch: 50 },
    });
    const t = new HnswSearch({ distance: 'ip', M: 8, efConstruction: 40, efSearch: 12 });
    expect(t.toConfig().config).toEqual({
      distance: 'inner_product',
      dim: null,
      M: 8,
      efConstruction: 40,
      efSearch: 12,
    });
  });

  it('comes back from its config, directly and through a registry', async () => {
    const s = new HnswSearch({ distance: 'sqeuclidean', dim: 5, M: 12, efConstruction: 64, efSearch: 30 });
    const config = JSON.parse(JSON.stringify(s.toConfig()));
    const a = HnswSearch.fromConfig(config);
    expect(a.toConfig()).toEqual(s.toConfig());
    const b = await fromConfig<HnswSearch>(config, { 'hnsw-search': HnswSearch });
    expect(b).toBeInstanceOf(HnswSearch);
    expect(b.distance.name).toBe('squared_euclidean');
    expect(b.dim).toBe(5);
  });

  it('rejects configs it cannot build', async () => {
    const good = new HnswSearch({ distance: 'cosine' }).toConfig();
    await expectCode(() => HnswSearch.fromConfig({ ...good, type: 'linear-search' }), 'INVALID_ARGUMENT');
    await expectCode(() => HnswSearch.fromConfig({ ...good, version: 2 }), 'UNSUPPORTED');
    await expectCode(() => HnswSearch.fromConfig({ ...good, config: { dim: 3 } }), 'INVALID_ARGUMENT');
    await expectCode(() => HnswSearch.fromConfig({ ...good, config: { ...good.config, M: 1 } }), 'INVALID_ARGUMENT');
    await expectCode(
      () => HnswSearch.fromConfig({ ...good, config: { ...good.config, distance: 'snr' } }),
      'UNSUPPORTED',
    );
  });

  it('refuses distances hnswlib has no space for, naming the ones that work', async () => {
    for (const name of ['manhattan', 'snr', 'L1']) {
      const e = await expectCode(() => new HnswSearch({ distance: name }), 'UNSUPPORTED');
      expect(e.message).toContain('cosine, euclidean, squared_euclidean, inner_product');
    }
  });

  it('checks every option', async () => {
    await expectCode(() => new HnswSearch(undefined as never), 'INVALID_ARGUMENT');
    await expectCode(() => new HnswSearch({} as never), 'INVALID_ARGUMENT');
    await expectCode(() => new HnswSearch({ distance: 'no-such-distance' }), 'INVALID_ARGUMENT');
    const bad: Array<Record<string, unknown>> = [
      { dim: 0 },
      { dim: 1.5 },
      { M: 1 },
      { M: 40_000 },
      { efConstruction: 0 },
      { efSearch: -3 },
      { efSearch: Number.NaN },
      { initialCapacity: 0 },
      { seed: -1 },
      { seed: 2 ** 32 },
    ];
    for (const extra of bad) {
      await expectCode(() => new HnswSearch({ distance: 'cosine', ...extra }), 'INVALID_ARGUMENT');
    }
  });

  it('changes efSearch at any time, also after building, and validates it', async () => {
    const s = new HnswSearch({ distance: 'euclidean', dim: 2 });
    await s.add([0, 1], batch(Float32Array.from([0, 0, 1, 1]), 2));
    s.efSearch = 7;
    expect(s.efSearch).toBe(7);
    s.setEfSearch(300);
    expect(s.toConfig().config.efSearch).toBe(300);
    await expectCode(() => s.setEfSearch(0), 'INVALID_ARGUMENT');
    await expectCode(() => {
      s.efSearch = 2.5;
    }, 'INVALID_ARGUMENT');
    expect(s.efSearch).toBe(300);
    const [r] = await s.lookup(batch(Float32Array.from([1, 1]), 2), 1);
    expect(Array.from(r?.ids ?? [])).toEqual([1]);
  });

  it('learns the dimension from the first add unless configured, and forgets a learned one on reset', async () => {
    const s = new HnswSearch({ distance: 'euclidean' });
    expect(s.dim).toBeUndefined();
    await s.add([0], batch(Float32Array.from([1, 2, 3]), 3));
    expect(s.dim).toBe(3);
    await expectCode(() => s.add([1], batch(Float32Array.from([1, 2]), 2)), 'DIMENSION_MISMATCH');
    await s.reset();
    expect(s.dim).toBeUndefined();
    await s.add([0], batch(Float32Array.from([1, 2]), 2));
    expect(s.dim).toBe(2);
    const fixed = new HnswSearch({ distance: 'euclidean', dim: 3 });
    await fixed.reset();
    await expectCode(() => fixed.add([0], batch(Float32Array.from([1, 2]), 2)), 'DIMENSION_MISMATCH');
  });
});
