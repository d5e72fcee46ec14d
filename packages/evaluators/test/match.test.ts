import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { type Cutpoint, MemoryEvaluator, toLookupMatrix } from '../src/index.js';
import { rows, worked } from './helpers.js';

const ev = new MemoryEvaluator();
const at = (distance: number): Cutpoint => ({ name: 'test', value: 0, distance }) as Cutpoint;

describe('match', () => {
  it('emits the derived label within the cutpoint distance, else -1', () => {
    // distances 0.1 … 0.5; cutpoint 0.3 keeps the first three
    expect(Array.from(ev.match(worked.lookups, at(0.3)))).toEqual([1, 1, 3, -1, -1]);
  });

  it('matches exactly at the cutpoint distance', () => {
    expect(Array.from(ev.match(worked.lookups, at(0.4)))).toEqual([1, 1, 3, 2, -1]);
  });

  it('uses the given no-match label and matcher', () => {
    // majority of [5, 6, 6] is 6 with mean 0.5; nearest is 5 at 0.25
    const l = rows([
      [5, 0.25],
      [6, 0.5],
      [6, 0.75],
    ]);
    expect(Array.from(ev.match(l, at(0.3), { noMatchLabel: 99 }))).toEqual([5]);
    expect(Array.from(ev.match(l, at(0.3), { noMatchLabel: 99, matcher: 'majority_vote' }))).toEqual([99]);
    expect(Array.from(ev.match(l, at(0.5), { matcher: 'majority_vote' }))).toEqual([6]);
  });

  it('reproduces the calibration at the optimal cutpoint', () => {
    const { cutpoints } = ev.calibrate(worked.queryLabels, worked.lookups);
    // optimal at 0.4: queries 0–3 are within
    expect(Array.from(ev.match(worked.lookups, cutpoints.optimal as Cutpoint))).toEqual([1, 1, 3, 2, -1]);
  });

  it('derives from the distances as given and rounds them like calibrate before comparing', () => {
    // q0 (label 1, 0.300000004) matches, q1 (label 2 for a query labelled 3, 0.300000006) does not.
    // Rounded thresholds [0.3, 0.30000001]: tp = [1, 1], fp = [0, 1] → f1 = [1, 2/3] → optimal at 0.3.
    // calibrate counted 0.300000004 as within 0.3, so match must accept it too.
    const l = rows([[1, 0.300000004]], [[2, 0.300000006]]);
    const { cutpoints } = ev.calibrate([1, 3], l);
    expect(cutpoints.optimal?.distance).toBe(0.3);
    // 0.300000006 rounds to 0.30000001 > 0.3
    expect(Array.from(ev.match(l, cutpoints.optimal as Cutpoint))).toEqual([1, -1]);
    expect(cutpoints.optimal?.f1).toBe(1);
    // Without rounding the comparison is exact
    expect(Array.from(new MemoryEvaluator({ distanceRounding: null }).match(l, at(0.3)))).toEqual([-1, -1]);
  });

  it('matches +Infinity cutpoints, padding included', () => {
    expect(Array.from(ev.match(rows([[1, 0.1]], []), at(Number.POSITIVE_INFINITY)))).toEqual([1, 0x7fffffff]);
  });

  it('returns nothing for no queries', () => {
    expect(ev.match(toLookupMatrix([]), at(0.5)).length).toBe(0);
  });

  it('rejects a missing cutpoint and bad options', async () => {
    const e = await expectCode(() => ev.match(worked.lookups, undefined as never), 'INVALID_ARGUMENT');
    expect(e.message).toContain('calibrate()');
    await expectCode(() => ev.match(worked.lookups, { name: 'x' } as never), 'INVALID_ARGUMENT');
    await expectCode(() => ev.match(worked.lookups, at(Number.NaN)), 'INVALID_ARGUMENT');
    await expectCode(() => ev.match(worked.lookups, at(0.5), { noMatchLabel: 0.5 }), 'INVALID_ARGUMENT');
    await expectCode(() => ev.match(worked.lookups, at(0.5), { matcher: 'closest' }), 'INVALID_ARGUMENT');
    await expectCode(() => ev.match(worked.lookups, at(0.5), null as never), 'INVALID_ARGUMENT');
    await expectCode(() => ev.match(toLookupMatrix([[], []]), at(0.5)), 'EMPTY_INDEX');
  });
});
