import { SimkitError } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adjustBrightness,
  adjustHue,
  barlowAugmenter,
  colorJitter,
  gaussianBlur,
  randomFlipLeftRight,
  randomGaussianBlur,
  randomGrayscale,
  randomResizedCrop,
  randomSolarize,
  scaleBrightness,
  simclrAugmenter,
  solarize,
  twoViews,
} from '../src/index.js';
import { randomImages, useCpu } from './helpers.js';

let x: tf.Tensor4D;
beforeAll(async () => {
  await useCpu();
  x = randomImages(1, 2, 16, 16, 3);
});
afterAll(() => x.dispose());

function expectInvalid(f: () => unknown, message?: RegExp): void {
  let error: unknown;
  try {
    const out = f();
    if (out instanceof tf.Tensor) out.dispose();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a SimkitError').toBeInstanceOf(SimkitError);
  expect((error as SimkitError).code).toBe('INVALID_ARGUMENT');
  if (message) expect((error as SimkitError).message).toMatch(message);
}

describe('bad images are refused', () => {
  const cases: [string, () => unknown][] = [
    ['a plain array', () => randomFlipLeftRight([[1]] as unknown as tf.Tensor4D, { seed: 1 })],
    ['rank 3', () => randomFlipLeftRight(tf.zeros([4, 4, 3]) as unknown as tf.Tensor4D, { seed: 1 })],
    ['int32', () => colorJitter(tf.zeros([1, 4, 4, 3], 'int32') as tf.Tensor4D, { seed: 1 })],
    ['2 channels', () => randomGrayscale(tf.zeros([1, 4, 4, 2]) as tf.Tensor4D, { seed: 1 })],
    ['4 channels (RGBA)', () => solarize(tf.zeros([1, 4, 4, 4]) as tf.Tensor4D)],
    ['an empty batch', () => randomResizedCrop(tf.zeros([0, 4, 4, 3]) as tf.Tensor4D, { seed: 1 })],
    ['augment of rank 2', () => simclrAugmenter().augment(tf.zeros([4, 4]) as unknown as tf.Tensor4D, 1)],
    ['barlow of int32', () => barlowAugmenter().augment(tf.zeros([1, 4, 4, 3], 'int32') as tf.Tensor4D, 1)],
  ];
  for (const [name, f] of cases) {
    it(name, () => {
      const before = tf.memory().numTensors;
      expectInvalid(f, /images/);
      // Only the tensors the case itself built remain (at most one input).
      expect(tf.memory().numTensors - before).toBeLessThanOrEqual(1);
    });
  }
});

describe('bad options are refused', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['missing seed', () => randomFlipLeftRight(x, {} as { seed: number }), /seed/],
    ['fractional seed', () => randomGrayscale(x, { seed: 1.5 }), /seed/],
    ['seed beyond 2^53', () => colorJitter(x, { seed: 2 ** 60 }), /seed/],
    ['options not an object', () => randomSolarize(x, 3 as unknown as { seed: number }), /options/],
    ['p > 1', () => randomFlipLeftRight(x, { seed: 1, p: 1.5 }), /\bp\b/],
    ['p < 0', () => randomGrayscale(x, { seed: 1, p: -0.1 }), /\bp\b/],
    ['p NaN', () => randomSolarize(x, { seed: 1, p: Number.NaN }), /\bp\b/],
    ['solarize threshold 2', () => randomSolarize(x, { seed: 1, threshold: 2 }), /threshold/],
    ['scale low 0', () => randomResizedCrop(x, { seed: 1, scale: [0, 1] }), /scale/],
    ['scale above 1', () => randomResizedCrop(x, { seed: 1, scale: [0.5, 1.2] }), /scale/],
    ['scale reversed', () => randomResizedCrop(x, { seed: 1, scale: [0.9, 0.2] }), /scale/],
    ['ratio negative', () => randomResizedCrop(x, { seed: 1, ratio: [-1, 2] }), /ratio/],
    [
      'ratio of 3 values',
      () => randomResizedCrop(x, { seed: 1, ratio: [1, 2, 3] as unknown as [number, number] }),
      /ratio/,
    ],
    ['height 0', () => randomResizedCrop(x, { seed: 1, height: 0 }), /height/],
    ['width 2.5', () => randomResizedCrop(x, { seed: 1, width: 2.5 }), /width/],
    ['brightness −1', () => colorJitter(x, { seed: 1, brightness: -1 }), /brightness/],
    ['contrast 1.5', () => colorJitter(x, { seed: 1, contrast: 1.5 }), /contrast/],
    ['saturation 2', () => colorJitter(x, { seed: 1, saturation: 2 }), /saturation/],
    ['hue 0.6', () => colorJitter(x, { seed: 1, hue: 0.6 }), /hue/],
    ['brightnessMode', () => colorJitter(x, { seed: 1, brightnessMode: 'gamma' as 'additive' }), /brightnessMode/],
    ['randomOrder', () => colorJitter(x, { seed: 1, randomOrder: 'yes' as unknown as boolean }), /randomOrder/],
    ['sigma negative', () => randomGaussianBlur(x, { seed: 1, sigma: [-1, 1] }), /sigma/],
    ['even kernelSize', () => randomGaussianBlur(x, { seed: 1, kernelSize: 4 }), /kernelSize/],
    ['kernel larger than the image', () => randomGaussianBlur(x, { seed: 1, kernelSize: 33 }), /kernelSize/],
    ['gaussianBlur sigma list too short', () => gaussianBlur(x, { sigma: [1] }), /sigma/],
    ['gaussianBlur without options', () => gaussianBlur(x, undefined as unknown as { sigma: number }), /sigma/],
    ['adjustHue delta 2', () => adjustHue(x, 2), /delta/],
    ['adjustBrightness Infinity', () => adjustBrightness(x, Number.POSITIVE_INFINITY), /delta/],
    ['scaleBrightness negative', () => scaleBrightness(x, [1, -1]), /factor\[1\]/],
    ['simclr version', () => simclrAugmenter({ version: 'v3' as 'v2' }), /version/],
    ['simclr jitterStrength 2', () => simclrAugmenter({ jitterStrength: 2 }), /jitterStrength/],
    ['simclr height −1', () => simclrAugmenter({ height: -1 }), /height/],
    ['simclr crop "no"', () => simclrAugmenter({ crop: 'no' as unknown as boolean }), /crop/],
    ['simclr blurProbability 3', () => simclrAugmenter({ blurProbability: 3 }), /blurProbability/],
    ['barlow contrast 1.1', () => barlowAugmenter({ contrast: 1.1 }), /contrast/],
    ['barlow cropScale', () => barlowAugmenter({ cropScale: [0.5, 0.4] }), /cropScale/],
    ['barlow solarizeThreshold', () => barlowAugmenter({ solarizeThreshold: -0.1 }), /solarizeThreshold/],
    ['barlow kernelSize 0', () => barlowAugmenter({ kernelSize: 0 }), /kernelSize/],
    [
      'barlow kernel too large for the output',
      () => barlowAugmenter({ height: 4, width: 4, kernelSize: 9 }).augment(x, 1),
      /kernelSize/,
    ],
    ['augment seed NaN', () => simclrAugmenter().augment(x, Number.NaN), /seed/],
    ['twoViews without an augmenter', () => twoViews({} as never, x, 1), /augment/],
    ['twoViews seed "1"', () => twoViews(simclrAugmenter(), x, '1' as unknown as number), /seed/],
  ];
  for (const [name, f, message] of cases) {
    it(name, () => expectInvalid(f, message));
  }

  it('good options at the edges of their ranges are accepted', () => {
    const outs = [
      randomFlipLeftRight(x, { seed: -(2 ** 53 - 1), p: 1 }),
      randomResizedCrop(x, { seed: 0, scale: [1, 1], ratio: [0.01, 100], height: 1, width: 1 }),
      colorJitter(x, { seed: 1, brightness: 5, contrast: 1, saturation: 1, hue: 0.5 }),
      randomGaussianBlur(x, { seed: 1, sigma: [0, 0], kernelSize: 31 }),
      randomSolarize(x, { seed: 1, threshold: 0 }),
      simclrAugmenter({ jitterStrength: 1.25 }).augment(x, 1),
      barlowAugmenter({ height: 1, width: 1 }).augment(x, 1),
    ];
    for (const o of outs) expect(o.dtype).toBe('float32');
    tf.dispose(outs);
  });
});
