import { fakeEuclidean, expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import {
  CosineDistance,
  DISTANCE_NAMES,
  EuclideanDistance,
  InnerProductDistance,
  ManhattanDistance,
  SNRDistance,
  SquaredEuclideanDistance,
  distanceFromConfig,
  resolveDistance,
} from '../src/index.js';

// SEMANTICS §1: canonical name → aliases.
const TABLE: Record<string, string[]> = {
  cosine: ['cosinedistance'],
  euclidean: ['euclideandistance', 'l2', 'pythagorean'],
  squared_euclidean: ['squaredeuclideandistance', 'sql2', 'sqeuclidean'],
  manhattan: ['manhattandistance', 'l1', 'taxicab'],
  inner_product: ['innerproductsimilarity', 'ip'],
  snr: ['snrdistance', 'signal-to-noise-ratio'],
};

const CLASSES = {
  cosine: CosineDistance,
  euclidean: EuclideanDistance,
  squared_euclidean: SquaredEuclideanDistance,
  manhattan: ManhattanDistance,
  inner_product: InnerProductDistance,
  snr: SNRDistance,
} as const;

describe('resolveDistance', () => {
  it('lists the six canonical names', () => {
    expect([...DISTANCE_NAMES]).toEqual(Object.keys(TABLE));
  });

  it('resolves every canonical name and alias, in any case', () => {
    for (const [name, aliases] of Object.entries(TABLE)) {
      for (const alias of [name, ...aliases]) {
        for (const spelling of [alias, alias.toUpperCase(), alias[0]?.toUpperCase() + alias.slice(1)]) {
          const d = resolveDistance(spelling);
          expect(d.name, spelling).toBe(name);
          expect(d).toBeInstanceOf(CLASSES[name as keyof typeof CLASSES]);
        }
      }
      expect([...resolveDistance(name).aliases].sort()).toEqual([...aliases].sort());
    }
  });

  it('returns a Distance object as is', () => {
    const own = new EuclideanDistance();
    expect(resolveDistance(own)).toBe(own);
    expect(resolveDistance(fakeEuclidean)).toBe(fakeEuclidean);
  });

  it('rejects an unknown name, listing the valid ones', async () => {
    const e = await expectCode(() => resolveDistance('hamming'), 'INVALID_ARGUMENT');
    for (const name of DISTANCE_NAMES) expect(e.message).toContain(name);
    expect(e.message).toContain('hamming');
    await expectCode(() => resolveDistance(''), 'INVALID_ARGUMENT');
  });

  it('rejects something that is neither a name nor a Distance', async () => {
    await expectCode(() => resolveDistance(42 as unknown as string), 'INVALID_ARGUMENT');
    await expectCode(() => resolveDistance({ name: 'x' } as never), 'INVALID_ARGUMENT');
    await expectCode(() => resolveDistance(null as never), 'INVALID_ARGUMENT');
  });
});

describe('distance config', () => {
  it('serialises to { type: distance, version: 1, package, config: { name } } and back', () => {
    for (const name of DISTANCE_NAMES) {
      const d = resolveDistance(name);
      const config = d.toConfig();
      expect(config).toEqual({ type: 'distance', version: 1, package: '@simkit/distances', config: { name } });
      const back = distanceFromConfig(JSON.parse(JSON.stringify(config)));
      expect(back.name).toBe(name);
      const Type = CLASSES[name as keyof typeof CLASSES];
      expect(Type.fromConfig(config)).toBeInstanceOf(Type);
    }
  });

  it('accepts an alias in a saved config', () => {
    expect(distanceFromConfig({ type: 'distance', version: 1, config: { name: 'L2' } }).name).toBe('euclidean');
    expect(EuclideanDistance.fromConfig({ type: 'distance', version: 1, config: { name: 'pythagorean' } }).name).toBe(
      'euclidean',
    );
  });

  it('rejects a config for another distance, type or a newer version', async () => {
    const e = await expectCode(() => CosineDistance.fromConfig(new EuclideanDistance().toConfig()), 'INVALID_ARGUMENT');
    expect(e.message).toContain('distanceFromConfig');
    await expectCode(
      () => distanceFromConfig({ type: 'linear-search', version: 1, config: { name: 'cosine' } }),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      () => distanceFromConfig({ type: 'distance', version: 2, config: { name: 'cosine' } }),
      'UNSUPPORTED',
    );
    await expectCode(() => distanceFromConfig({ type: 'distance', version: 1, config: {} }), 'INVALID_ARGUMENT');
    await expectCode(
      () => distanceFromConfig({ type: 'distance', version: 1, config: { name: 'nope' } }),
      'INVALID_ARGUMENT',
    );
  });
});
