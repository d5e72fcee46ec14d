import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { BNDCG, MapAtK, PrecisionAtK, RecallAtK, makeRetrievalMetric } from '../src/index.js';

const notOptions: unknown[] = [null, [], 3, 'k=3', true, () => ({}), Symbol('s')];

describe('retrieval metric options that are not objects are INVALID_ARGUMENT', () => {
  it.each(notOptions)('every metric constructor and makeRetrievalMetric reject %s', async (bad) => {
    for (const make of [
      () => new RecallAtK(bad as never),
      () => new PrecisionAtK(bad as never),
      () => new MapAtK(bad as never),
      () => new BNDCG(bad as never),
      () => makeRetrievalMetric('recall@3', bad as never),
    ]) {
      await expectCode(make, 'INVALID_ARGUMENT');
    }
  });

  it('left out, options take their defaults', () => {
    expect(new RecallAtK(undefined).k).toBe(5);
    expect(makeRetrievalMetric('map@3', undefined).k).toBe(3);
  });

  it('k beyond the safe integers is INVALID_ARGUMENT', async () => {
    await expectCode(() => new RecallAtK({ k: 2 ** 60 }), 'INVALID_ARGUMENT');
  });
});

describe('relevant counts r: label keys are read strictly', () => {
  it('takes canonical integer keys, as object keys and as Map keys', () => {
    const m = new PrecisionAtK({ k: 3, r: { 1: 2, '-4': 1 } });
    expect([...(m.r ?? new Map())]).toEqual([
      [1, 2],
      [-4, 1],
    ]);
  });

  it.each(['0x10', ' 7', '1e3', '7.0', '-0', 'a'])(
    'rejects the key %j instead of reading it as a number',
    async (key) => {
      await expectCode(() => new PrecisionAtK({ k: 3, r: { [key]: 1 } }), 'INVALID_ARGUMENT');
      await expectCode(() => new PrecisionAtK({ k: 3, r: new Map([[key as never, 1]]) }), 'INVALID_ARGUMENT');
    },
  );
});
