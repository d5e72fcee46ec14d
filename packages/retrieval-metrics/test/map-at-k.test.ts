import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { MapAtK } from '../src/index.js';
import { sample } from './fixtures.js';

describe('MapAtK', () => {
  it('sums the precision at each relevant position and divides by R = k', () => {
    // k=3. q0 rel [1,0,1]: 1/1 + 2/3 = 5/3, / 3 = 5/9
    //      q1 rel [0,0,0]: 0
    //      q2 rel [0,1,1]: 1/2 + 2/3 = 7/6, / 3 = 7/18
    // mean = (10/18 + 0 + 7/18) / 3 = 17/54
    const m = new MapAtK({ k: 3 });
    expect(m.compute(sample)).toBeCloseTo(17 / 54, 12);
    expect(m.name).toBe('map@3');
    expect(m.canonicalName).toBe('map@k');
  });

  it('is MAP@R with clipAtR', () => {
    // k=4, r = {1: 2, 2: 3}.
    // q0 weighted [1, 0, 2/3, 0], first 2 → 1, / 2 = 1/2
    // q1 weighted [0, 0, 0, 1/4], first 2 → 0
    // q2 weighted [0, 1/2, 2/3, 3/4], first 3 → 7/6, / 3 = 7/18
    // mean = (9/18 + 0 + 7/18) / 3 = 8/27
    const m = new MapAtK({ k: 4, r: { 1: 2, 2: 3 }, clipAtR: true });
    expect(m.compute(sample)).toBeCloseTo(8 / 27, 12);
    expect(m.name).toBe('map');
  });

  it('counts positions from the first read column when dropping the closest lookup', () => {
    // k=3 → columns 1..2, R = 2. q0 rel [0,1]: 1/2, / 2 = 1/4; q1 0; q2 rel [1,1]: 1 + 1 = 2, / 2 = 1
    // mean = (1/4 + 0 + 1) / 3 = 5/12
    expect(new MapAtK({ k: 3, dropClosestLookup: true }).compute(sample)).toBeCloseTo(5 / 12, 12);
  });

  it('rejects macro averaging at construction', async () => {
    await expectCode(() => new MapAtK({ average: 'macro' }), 'INVALID_ARGUMENT');
  });

  it('round-trips through its config', () => {
    const m = new MapAtK({ k: 4, r: { 1: 2, 2: 3 }, clipAtR: true });
    const back = MapAtK.fromConfig(JSON.parse(JSON.stringify(m.toConfig())));
    expect(back).toBeInstanceOf(MapAtK);
    expect(back.toConfig().type).toBe('map-at-k');
    expect(back.compute(sample)).toBe(m.compute(sample));
  });
});
