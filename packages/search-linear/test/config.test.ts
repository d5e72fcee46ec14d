import { batch, fromConfig } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { ManhattanDistance } from '@simkit/distances';
import { describe, expect, it } from 'vitest';
import { LinearSearch } from '../src/index.js';

describe('LinearSearch options and config', () => {
  it('declares what it supports', () => {
    const s = new LinearSearch({ distance: 'cosine' });
    expect(s.supports).toEqual({ delete: true, filter: true, persistence: true, exact: true });
  });

  it('serialises to { type, version, package, config } with the canonical distance name', () => {
    const s = new LinearSearch({ distance: 'L2', dim: 16 });
    expect(s.toConfig()).toEqual({
      type: 'linear-search',
      version: 1,
      package: '@simkit/search-linear',
      config: { distance: 'euclidean', dim: 16 },
    });
    expect(new LinearSearch({ distance: 'sqeuclidean' }).toConfig().config).toEqual({
      distance: 'squared_euclidean',
      dim: null,
    });
  });

  it('records the dimension learned from the first add, and forgets it on reset', async () => {
    const s = new LinearSearch({ distance: 'euclidean' });
    expect(s.dim).toBeUndefined();
    await s.add([0], batch(Float32Array.from([1, 2, 3]), 3));
    expect(s.dim).toBe(3);
    expect(s.toConfig().config).toEqual({ distance: 'euclidean', dim: 3 });
    await s.reset();
    expect(s.dim).toBeUndefined();
    await s.add([0], batch(Float32Array.from([1, 2]), 2));
    expect(s.dim).toBe(2);
  });

  it('keeps a configured dimension through reset', async () => {
    const s = new LinearSearch({ distance: 'euclidean', dim: 3 });
    await s.reset();
    await expectCode(() => s.add([0], batch(Float32Array.from([1, 2]), 2)), 'DIMENSION_MISMATCH');
  });

  it('comes back from its config, directly and through a registry', async () => {
    const s = new LinearSearch({ distance: 'manhattan', dim: 5 });
    const config = JSON.parse(JSON.stringify(s.toConfig()));
    const a = LinearSearch.fromConfig(config);
    expect(a.distance.name).toBe('manhattan');
    expect(a.dim).toBe(5);
    const b = await fromConfig<LinearSearch>(config, { 'linear-search': LinearSearch });
    expect(b).toBeInstanceOf(LinearSearch);
    expect(b.toConfig()).toEqual(s.toConfig());
  });

  it('rejects configs it cannot build', async () => {
    const good = new LinearSearch({ distance: 'cosine' }).toConfig();
    await expectCode(() => LinearSearch.fromConfig({ ...good, type: 'hnsw-search' }), 'INVALID_ARGUMENT');
    await expectCode(() => LinearSearch.fromConfig({ ...good, version: 2 }), 'UNSUPPORTED');
    await expectCode(() => LinearSearch.fromConfig({ ...good, config: { dim: 3 } }), 'INVALID_ARGUMENT');
    await expectCode(() => LinearSearch.fromConfig({ ...good, config: { distance: 'nope' } }), 'INVALID_ARGUMENT');
    await expectCode(
      () => LinearSearch.fromConfig({ ...good, config: { distance: 'cosine', dim: -2 } }),
      'INVALID_ARGUMENT',
    );
  });

  it('uses a Distance object as given', async () => {
    const distance = new ManhattanDistance();
    const s = new LinearSearch({ distance });
    expect(s.distance).toBe(distance);
    await s.add([0, 1], batch(Float32Array.from([1, 1, 3, 0]), 2));
    const [r] = await s.lookup(batch(Float32Array.from([0, 0]), 2), 2);
    // |1|+|1| = 2 and |3|+|0| = 3
    expect(Array.from(r!.distances)).toEqual([2, 3]);
  });

  it('rejects bad options with INVALID_ARGUMENT', async () => {
    const make = (options: unknown) => () => new LinearSearch(options as { distance: string });
    await expectCode(make(undefined), 'INVALID_ARGUMENT');
    await expectCode(make({}), 'INVALID_ARGUMENT');
    await expectCode(make({ distance: 'hamming' }), 'INVALID_ARGUMENT');
    await expectCode(make({ distance: { name: 'x' } }), 'INVALID_ARGUMENT');
    await expectCode(make({ distance: 'cosine', dim: 0 }), 'INVALID_ARGUMENT');
    await expectCode(make({ distance: 'cosine', dim: 2.5 }), 'INVALID_ARGUMENT');
    await expectCode(make({ distance: 'cosine', queryBlock: 0 }), 'INVALID_ARGUMENT');
    await expectCode(make({ distance: 'cosine', keyBlock: '64' }), 'INVALID_ARGUMENT');
  });

  it('answers an empty query batch with no rows, and empty rows when nothing is indexed', async () => {
    const s = new LinearSearch({ distance: 'euclidean' });
    expect(await s.lookup({ data: new Float32Array(0), rows: 0, dim: 3 }, 2)).toEqual([]);
    const res = await s.lookup(batch(Float32Array.from([1, 2, 3, 4]), 2), 2);
    expect(res.map((r) => r.ids.length)).toEqual([0, 0]);
    await s.add([], { data: new Float32Array(0), rows: 0, dim: 3 });
    expect(s.size()).toBe(0);
    expect(s.dim).toBeUndefined();
  });

  it('fails clearly for a constant query under the snr distance', async () => {
    const s = new LinearSearch({ distance: 'snr' });
    await s.add([0], batch(Float32Array.from([1, 2, 3]), 3));
    // var((2, 2, 2)) = 0: the ratio is undefined, which is an error rather than NaN.
    await expectCode(() => s.lookup(batch(Float32Array.from([2, 2, 2]), 3), 1), 'INVALID_ARGUMENT');
  });
});
