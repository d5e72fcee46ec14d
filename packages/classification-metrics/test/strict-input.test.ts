import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import {
  ClassificationMetricBase,
  type ClassificationCounts,
  F1Score,
  classificationMetricFromConfig,
} from '../src/index.js';

class Zero extends ClassificationMetricBase {
  protected computeValues(counts: ClassificationCounts): Float64Array {
    return new Float64Array(counts.tp.length);
  }
}

describe('options and custom metrics that are not objects', () => {
  it.each([null, [], 3, 'f1', true, () => ({}), undefined])('new metric(%s) is INVALID_ARGUMENT', async (bad) => {
    await expectCode(() => new Zero(bad as never), 'INVALID_ARGUMENT');
  });

  it.each([null, [], 3, 'x', true])(
    'classificationMetricFromConfig(config, %s) is INVALID_ARGUMENT, not a TypeError',
    async (bad) => {
      const config = new F1Score().toConfig();
      await expectCode(() => classificationMetricFromConfig(config, bad as never), 'INVALID_ARGUMENT');
    },
  );

  it('custom metrics left out still load the built-in ones', () => {
    expect(classificationMetricFromConfig(new F1Score().toConfig(), undefined)).toBeInstanceOf(F1Score);
  });

  it('a saved config whose version is not an integer ≥ 1 is CORRUPT_INDEX', async () => {
    const { type, package: pkg } = new F1Score().toConfig();
    await expectCode(
      () => classificationMetricFromConfig({ type, package: pkg, version: 1.5, config: {} } as never),
      'CORRUPT_INDEX',
    );
  });
});
