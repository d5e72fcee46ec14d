import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { type ClassificationCounts, ClassificationMetricBase, Recall, checkCounts, div0 } from '../src/index.js';

/** A user metric: the share of queries rejected at each threshold, (tn + fn) / count. */
class RejectRate extends ClassificationMetricBase {
  constructor() {
    super({ name: 'reject_rate', canonicalName: 'reject_rate', maximize: false, increasing: false });
  }
  protected computeValues({ tn, fn, count }: ClassificationCounts): Float64Array {
    return Float64Array.from(tn, (t, i) => div0(t + (fn[i] as number), count));
  }
}

class Broken extends ClassificationMetricBase {
  constructor() {
    super({ name: 'broken', canonicalName: 'broken' });
  }
  protected computeValues(): Float64Array {
    return new Float64Array(1);
  }
}

const good: ClassificationCounts = {
  tp: Float64Array.from([1, 2]),
  fp: Float64Array.from([0, 1]),
  tn: Float64Array.from([2, 1]),
  fn: Float64Array.from([1, 0]),
  count: 4,
};

describe('ClassificationMetricBase', () => {
  it('lets users write their own metric', () => {
    const m = new RejectRate();
    // (2 + 1) / 4 = 0.75; (1 + 0) / 4 = 0.25
    expect(Array.from(m.compute(good))).toEqual([0.75, 0.25]);
    expect(m.maximize).toBe(false);
    expect(m.increasing).toBe(false);
    expect(String(m)).toBe('reject_rate');
  });

  it('defaults to maximize and increasing', () => {
    const m = new Broken();
    expect(m.maximize).toBe(true);
    expect(m.increasing).toBe(true);
  });

  it('rejects a computeValues result of the wrong length', async () => {
    await expectCode(() => new Broken().compute(good), 'INVALID_ARGUMENT');
  });

  it('rejects bad options', async () => {
    const make = (o: unknown) =>
      new (class extends ClassificationMetricBase {
        constructor() {
          super(o as never);
        }
        protected computeValues(): Float64Array {
          return new Float64Array();
        }
      })();
    await expectCode(() => make(null), 'INVALID_ARGUMENT');
    await expectCode(() => make({ name: '', canonicalName: 'x' }), 'INVALID_ARGUMENT');
    await expectCode(() => make({ name: 'x' }), 'INVALID_ARGUMENT');
    await expectCode(() => make({ name: 'x', canonicalName: 'x', maximize: 'yes' }), 'INVALID_ARGUMENT');
  });
});

describe('checkCounts', () => {
  const with_ = (patch: Partial<Record<keyof ClassificationCounts, unknown>>) =>
    ({ ...good, ...patch }) as unknown as ClassificationCounts;

  it('returns the number of thresholds', () => {
    expect(checkCounts(good)).toBe(2);
  });

  it('rejects malformed counts with INVALID_ARGUMENT', async () => {
    const r = new Recall();
    await expectCode(() => r.compute(null as never), 'INVALID_ARGUMENT');
    await expectCode(() => r.compute(with_({ tp: [1, 2] })), 'INVALID_ARGUMENT');
    await expectCode(() => r.compute(with_({ fn: Float64Array.from([1]) })), 'INVALID_ARGUMENT');
    await expectCode(() => r.compute(with_({ fp: Float64Array.from([0, Number.NaN]) })), 'INVALID_ARGUMENT');
    await expectCode(() => r.compute(with_({ tn: Float64Array.from([-1, 0]) })), 'INVALID_ARGUMENT');
    await expectCode(
      () => r.compute(with_({ tp: Float64Array.from([Number.POSITIVE_INFINITY, 0]) })),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => r.compute(with_({ count: -1 })), 'INVALID_ARGUMENT');
    await expectCode(() => r.compute(with_({ count: undefined })), 'INVALID_ARGUMENT');
  });

  it('accepts zero thresholds', () => {
    const empty = new Float64Array(0);
    expect(new Recall().compute({ tp: empty, fp: empty, tn: empty, fn: empty, count: 0 }).length).toBe(0);
  });
});
