import { describe, expect, it } from 'vitest';
import { BNDCG, MapAtK, PrecisionAtK, RecallAtK, pythonFloat } from '../src/index.js';

describe('metric names (SEMANTICS §4)', () => {
  it('is {base}@{k} without a finite non-zero threshold', () => {
    expect(new RecallAtK({ k: 3 }).name).toBe('recall@3');
    expect(new PrecisionAtK({ k: 3, distanceThreshold: 0 }).name).toBe('precision@3');
    expect(new MapAtK({ k: 2, distanceThreshold: Number.POSITIVE_INFINITY }).name).toBe('map@2');
    expect(new BNDCG().name).toBe('ndcg@5');
  });

  it('adds the threshold as Python prints a float', () => {
    expect(new RecallAtK({ k: 5, distanceThreshold: 0.5 }).name).toBe('recall@5 : distance_threshold@0.5');
    expect(new RecallAtK({ k: 5, distanceThreshold: 1 }).name).toBe('recall@5 : distance_threshold@1.0');
    expect(new BNDCG({ k: 2, distanceThreshold: 1e-5 }).name).toBe('ndcg@2 : distance_threshold@1e-05');
  });

  it('uses the base name alone with clipAtR, even with a threshold', () => {
    expect(new PrecisionAtK({ clipAtR: true, distanceThreshold: 0.5 }).name).toBe('precision');
    expect(new MapAtK({ clipAtR: true }).name).toBe('map');
  });

  it('takes a custom base name', () => {
    expect(new RecallAtK({ k: 2, name: 'hit' }).name).toBe('hit@2');
  });
});

describe('pythonFloat', () => {
  it.each([
    [0.5, '0.5'],
    [1, '1.0'],
    [100, '100.0'],
    [-0.5, '-0.5'],
    [0.1, '0.1'],
    [2.5, '2.5'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [1e15, '1000000000000000.0'],
    [1e16, '1e+16'],
    [123456789012345680, '1.2345678901234568e+17'],
    [1 / 3, '0.3333333333333333'],
    [0, '0.0'],
    [Number.POSITIVE_INFINITY, 'inf'],
  ])('%s → %s', (x, s) => {
    expect(pythonFloat(x)).toBe(s);
  });
});
