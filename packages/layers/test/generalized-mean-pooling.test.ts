import { expectCode } from '@simkit/core/testing';
import { type Tensor, memory, reshape, tensor, tensor3d, tensor4d } from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { GeneralizedMeanPooling1D, GeneralizedMeanPooling2D, generalizedMeanPooling2d } from '../src/index.js';
import { useCpu } from './setup-backend.js';

beforeAll(useCpu);

/** One 3×3 image with 2 channels: channel 0 rows are 0, 5, 10; channel 1 rows are 5, 10, 15. */
function image(): Tensor {
  return tensor4d(
    [
      [
        [
          [0, 5],
          [0, 5],
          [0, 5],
        ],
        [
          [5, 10],
          [5, 10],
          [5, 10],
        ],
        [
          [10, 15],
          [10, 15],
          [10, 15],
        ],
      ],
    ],
    [1, 3, 3, 2],
  );
}

/** Three sequences of 3 steps and 1 channel: [1,2,3], [4,5,6], [7,8,9]. */
function sequences(): Tensor {
  return tensor3d([
    [[1], [2], [3]],
    [[4], [5], [6]],
    [[7], [8], [9]],
  ]);
}

function expectClose(actual: Tensor, expected: number[], shape: number[]): void {
  expect(actual.shape).toEqual(shape);
  const values = Array.from(actual.dataSync());
  expect(values.length).toBe(expected.length);
  for (const [i, v] of values.entries()) expect(v).toBeCloseTo(expected[i] as number, 4);
}

describe('GeneralizedMeanPooling2D', () => {
  it('p = 1 is the channel mean: (3·0 + 3·5 + 3·10)/9 = 5 and (3·5 + 3·10 + 3·15)/9 = 10', () => {
    expectClose(new GeneralizedMeanPooling2D({ p: 1 }).apply(image()) as Tensor, [5, 10], [1, 2]);
  });

  it('default p = 3: shifted values 1, 6, 11 → cbrt((1 + 216 + 1331)/3) = cbrt(516) ≈ 8.02082, minus the shift', () => {
    // Channel 0: min 0, shift x − 0 + 1 → {1, 6, 11} three times each; mean of cubes = 1548/3 = 516;
    // 516^(1/3) = 8.020779…; result = 8.020779 + 0 − 1 = 7.020779. Channel 1: min 5, same shifted values → 12.020779.
    const cbrt516 = Math.cbrt(516);
    expectClose(generalizedMeanPooling2d().apply(image()) as Tensor, [cbrt516 - 1, cbrt516 + 4], [1, 2]);
  });

  it('p = 0 is the geometric mean of the shifted values: cbrt(1·6·11) − 1 ≈ 3.04124', () => {
    // (1·6·11)^(1/3) = 66^(1/3) = 4.041240; channel 0: 4.041240 − 1 = 3.041240; channel 1: + 5 = 8.041240.
    const g = Math.cbrt(66);
    expectClose(new GeneralizedMeanPooling2D({ p: 0 }).apply(image()) as Tensor, [g - 1, g + 4], [1, 2]);
  });

  it('p = ±Infinity is the max / min, keepdims keeps the pooled axes', () => {
    expectClose(
      new GeneralizedMeanPooling2D({ p: Infinity, keepdims: true }).apply(image()) as Tensor,
      [10, 15],
      [1, 1, 1, 2],
    );
    expectClose(
      new GeneralizedMeanPooling2D({ p: -Infinity, keepdims: true }).apply(image()) as Tensor,
      [0, 5],
      [1, 1, 1, 2],
    );
    expectClose(new GeneralizedMeanPooling2D({ p: 1, keepdims: true }).apply(image()) as Tensor, [5, 10], [1, 1, 1, 2]);
  });

  it('channelsFirst reads (batch, channels, rows, cols): the [1,3,3,2] tensor has 3 channels of 3×2', () => {
    // Channel 0 = [[0,5],[0,5],[0,5]] → mean 2.5; channel 1 = [[5,10]…] → 7.5; channel 2 → 12.5.
    const layer = new GeneralizedMeanPooling2D({ p: 1, dataFormat: 'channelsFirst' });
    expectClose(layer.apply(image()) as Tensor, [2.5, 7.5, 12.5], [1, 3]);
  });

  it('computes output shapes like Keras', () => {
    expect(new GeneralizedMeanPooling2D().computeOutputShape([1, 2, 3, 4])).toEqual([1, 4]);
    expect(new GeneralizedMeanPooling2D({ keepdims: true }).computeOutputShape([1, 2, 3, 4])).toEqual([1, 1, 1, 4]);
    expect(new GeneralizedMeanPooling2D({ dataFormat: 'channelsFirst' }).computeOutputShape([1, 2, 3, 4])).toEqual([
      1, 2,
    ]);
    expect(
      new GeneralizedMeanPooling2D({ dataFormat: 'channelsFirst', keepdims: true }).computeOutputShape([null, 2, 3, 4]),
    ).toEqual([null, 2, 1, 1]);
  });

  it('returns the config of TensorFlow Similarity and round-trips it, writing ±∞ as strings', () => {
    const layer = new GeneralizedMeanPooling2D({ p: 3, dataFormat: 'channelsFirst', keepdims: true, name: 'GEM' });
    const config = layer.getConfig();
    expect(config).toMatchObject({ p: 3, dataFormat: 'channelsFirst', keepdims: true, name: 'GEM', trainable: true });
    const copy = GeneralizedMeanPooling2D.fromConfig(GeneralizedMeanPooling2D, config);
    expect(copy.getConfig()).toEqual(config);

    const inf = new GeneralizedMeanPooling2D({ p: Infinity }).getConfig();
    expect(inf.p).toBe('inf');
    expect((GeneralizedMeanPooling2D.fromConfig(GeneralizedMeanPooling2D, inf) as GeneralizedMeanPooling2D).p).toBe(
      Infinity,
    );
    expect(new GeneralizedMeanPooling2D({ p: '-inf' }).p).toBe(-Infinity);
    expect(new GeneralizedMeanPooling2D({ dataFormat: 'channels_first' }).dataFormat).toBe('channelsFirst');
  });

  it('rejects bad options and inputs of the wrong rank', async () => {
    await expectCode(() => new GeneralizedMeanPooling2D({ p: 'three' }), 'INVALID_ARGUMENT');
    await expectCode(() => new GeneralizedMeanPooling2D({ p: Number.NaN }), 'INVALID_ARGUMENT');
    await expectCode(() => new GeneralizedMeanPooling2D({ dataFormat: 'nhwc' as never }), 'INVALID_ARGUMENT');
    await expectCode(() => new GeneralizedMeanPooling2D({ keepdims: 'yes' as never }), 'INVALID_ARGUMENT');
    await expectCode(() => new GeneralizedMeanPooling2D().apply(sequences()), 'DIMENSION_MISMATCH');
  });

  it('lies between the channel min and max for any p (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -50, max: 50, noNaN: true }), { minLength: 8, maxLength: 8 }),
        fc.float({ min: -6, max: 6, noNaN: true }),
        (values, p) => {
          const x = tensor(values, [1, 2, 2, 2]);
          const out = new GeneralizedMeanPooling2D({ p }).apply(x) as Tensor;
          const pooled = out.dataSync();
          for (let c = 0; c < 2; c++) {
            const channel = [0, 1, 2, 3].map((u) => values[u * 2 + c] as number);
            const lo = Math.min(...channel);
            const hi = Math.max(...channel);
            const tol = 1e-3 * Math.max(1, Math.abs(lo), Math.abs(hi));
            expect(pooled[c]).toBeGreaterThanOrEqual(lo - tol);
            expect(pooled[c]).toBeLessThanOrEqual(hi + tol);
          }
          x.dispose();
          out.dispose();
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('GeneralizedMeanPooling1D', () => {
  it('p = 1 is the mean over steps: [1,2,3] → 2, [4,5,6] → 5, [7,8,9] → 8', () => {
    expectClose(new GeneralizedMeanPooling1D({ p: 1 }).apply(sequences()) as Tensor, [2, 5, 8], [3, 1]);
    expectClose(
      new GeneralizedMeanPooling1D({ p: 1, keepdims: true }).apply(sequences()) as Tensor,
      [2, 5, 8],
      [3, 1, 1],
    );
  });

  it('p = 0: shifted values 1, 2, 3 → cbrt(6) ≈ 1.81712, then + min − 1', () => {
    // Row [1,2,3]: shift x − 1 + 1 = [1,2,3]; geometric mean 6^(1/3) = 1.817121; + 1 − 1 → 1.817121.
    // Rows [4,5,6] and [7,8,9] shift to the same values → 4.817121 and 7.817121.
    const g = Math.cbrt(6);
    expectClose(new GeneralizedMeanPooling1D({ p: 0 }).apply(sequences()) as Tensor, [g, g + 3, g + 6], [3, 1]);
  });

  it('p = ±Infinity is the max / min over steps', () => {
    expectClose(
      new GeneralizedMeanPooling1D({ p: Infinity, keepdims: true }).apply(sequences()) as Tensor,
      [3, 6, 9],
      [3, 1, 1],
    );
    expectClose(new GeneralizedMeanPooling1D({ p: -Infinity }).apply(sequences()) as Tensor, [1, 4, 7], [3, 1]);
  });

  it('channelsFirst pools the last axis', () => {
    const x = reshape(sequences(), [3, 1, 3]);
    expectClose(
      new GeneralizedMeanPooling1D({ p: 1, dataFormat: 'channelsFirst' }).apply(x) as Tensor,
      [2, 5, 8],
      [3, 1],
    );
    expect(new GeneralizedMeanPooling1D({ dataFormat: 'channelsFirst' }).computeOutputShape([1, 2, 3])).toEqual([1, 2]);
    expect(new GeneralizedMeanPooling1D({ keepdims: true }).computeOutputShape([1, 2, 3])).toEqual([1, 1, 3]);
    expect(new GeneralizedMeanPooling1D().computeOutputShape([1, 2, 3])).toEqual([1, 3]);
  });

  it('round-trips its config and rejects rank-4 inputs', async () => {
    const layer = new GeneralizedMeanPooling1D({ p: 2, keepdims: true, name: 'gem1' });
    const copy = GeneralizedMeanPooling1D.fromConfig(GeneralizedMeanPooling1D, layer.getConfig());
    expect(copy.getConfig()).toEqual(layer.getConfig());
    await expectCode(() => new GeneralizedMeanPooling1D().apply(image()), 'DIMENSION_MISMATCH');
  });

  it('leaves no tensors behind', () => {
    const x = sequences();
    const layer = new GeneralizedMeanPooling1D();
    (layer.apply(x) as Tensor).dispose();
    const before = memory().numTensors;
    for (let i = 0; i < 3; i++) (layer.apply(x) as Tensor).dispose();
    expect(memory().numTensors).toBe(before);
  });
});
