import { seededRandom } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  colorJitter,
  defaultKernelSize,
  flipLeftRight,
  GRAYSCALE_WEIGHTS,
  gaussianBlur,
  randomFlipLeftRight,
  randomGaussianBlur,
  randomGrayscale,
  randomResizedCrop,
  randomSolarize,
  sampleCropBox,
  scaleBrightness,
  simclrAugmenter,
  solarize,
  toGrayscale,
} from '../src/index.js';
import { expectClose, imageValues, randomImages, take, useCpu } from './helpers.js';

beforeAll(useCpu);

/** A 2×3 one-channel image, values 0.1 … 0.6 row by row. */
const TWO_BY_THREE = Array.from(Float32Array.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6));
const MIRRORED = Array.from(Float32Array.of(0.3, 0.2, 0.1, 0.6, 0.5, 0.4));
const twoByThree = () => tf.tensor4d(TWO_BY_THREE, [1, 2, 3, 1]);

describe('flip', () => {
  it('p = 1 mirrors a known 2×3 image', () => {
    const x = twoByThree();
    expectClose(take(randomFlipLeftRight(x, { seed: 1, p: 1 })), MIRRORED, 0);
    expectClose(take(flipLeftRight(x)), MIRRORED, 0);
    x.dispose();
  });

  it('p = 0 is the identity', () => {
    const x = randomImages(2, 5, 6, 7, 3);
    expectClose(take(randomFlipLeftRight(x, { seed: 1, p: 0 })), x.dataSync(), 0);
    x.dispose();
  });

  it('p = 0.5 flips some images of a batch and leaves the others', () => {
    const x = tf.tile(twoByThree(), [16, 1, 1, 1]) as tf.Tensor4D;
    const out = randomFlipLeftRight(x, { seed: 4, p: 0.5 });
    let flipped = 0;
    for (let i = 0; i < 16; i++) {
      const v = Array.from(imageValues(out, i));
      const isFlip = v.every((a, j) => Math.abs(a - (MIRRORED[j] as number)) < 1e-7);
      const isSame = v.every((a, j) => Math.abs(a - (TWO_BY_THREE[j] as number)) < 1e-7);
      expect(isFlip || isSame).toBe(true);
      if (isFlip) flipped++;
    }
    expect(flipped).toBeGreaterThan(0);
    expect(flipped).toBeLessThan(16);
    tf.dispose([x, out]);
  });
});

describe('p = 0 is the identity for every random-apply op', () => {
  const x = () => randomImages(3, 3, 9, 9, 3);
  const cases: [string, (x: tf.Tensor4D) => tf.Tensor4D][] = [
    ['colorJitter', (i) => colorJitter(i, { seed: 1, p: 0 })],
    ['randomGrayscale', (i) => randomGrayscale(i, { seed: 1, p: 0 })],
    ['randomGaussianBlur', (i) => randomGaussianBlur(i, { seed: 1, p: 0 })],
    ['randomSolarize', (i) => randomSolarize(i, { seed: 1, p: 0 })],
  ];
  for (const [name, run] of cases) {
    it(name, () => {
      const input = x();
      expectClose(take(run(input)), input.dataSync(), 0);
      input.dispose();
    });
  }
});

describe('solarize', () => {
  it('inverts pixels at or above the threshold 0.5', () => {
    const x = tf.tensor4d([0, 0.2, 0.49, 0.5, 0.7, 1], [1, 2, 3, 1]);
    const expected = [0, 0.2, 0.49, 0.5, 0.3, 0];
    expectClose(take(solarize(x)), expected, 1e-7);
    expectClose(take(randomSolarize(x, { seed: 9, p: 1, threshold: 0.5 })), expected, 1e-7);
    expectClose(take(solarize(x, 0.25)), [0, 0.2, 0.51, 0.5, 0.3, 0], 1e-7);
    x.dispose();
  });
});

describe('grayscale', () => {
  it('uses tf.image.rgb_to_grayscale weights and keeps 3 equal channels', () => {
    expect([...GRAYSCALE_WEIGHTS]).toEqual([0.2989, 0.587, 0.114]);
    const x = tf.tensor4d([0.2, 0.4, 0.6, 1, 0, 0], [1, 1, 2, 3]);
    const g1 = 0.2989 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6;
    const expected = [g1, g1, g1, 0.2989, 0.2989, 0.2989];
    expectClose(take(toGrayscale(x)), expected, 1e-6);
    expectClose(take(randomGrayscale(x, { seed: 3, p: 1 })), expected, 1e-6);
    // tfjs' own rgbToGrayscale (einsum, not on wasm) agrees.
    const tfGray = tf.image.rgbToGrayscale(x);
    expectClose(take(tfGray), [g1, 0.2989], 1e-6);
    x.dispose();
  });

  it('leaves 1-channel images unchanged', () => {
    const x = twoByThree();
    expectClose(take(randomGrayscale(x, { seed: 3, p: 1 })), TWO_BY_THREE, 0);
    x.dispose();
  });
});

describe('brightness', () => {
  it('multiplies (scaleBrightness) and adds (adjustBrightness) per image, clipped', () => {
    const x = tf.tensor4d([0.1, 0.4, 0.6, 0.1, 0.4, 0.6], [2, 1, 3, 1]);
    expectClose(take(scaleBrightness(x, [0.5, 2])), [0.05, 0.2, 0.3, 0.2, 0.8, 1], 1e-7);
    expectClose(take(adjustBrightness(x, [-0.2, 0.5])), [0, 0.2, 0.4, 0.6, 0.9, 1], 1e-7);
    x.dispose();
  });

  it('colorJitter with only brightness scales each image by one factor in [1 − b, 1 + b]', () => {
    const x = tf.tile(tf.tensor4d([0.1, 0.2, 0.3, 0.4], [1, 2, 2, 1]), [8, 1, 1, 1]) as tf.Tensor4D;
    const out = colorJitter(x, { seed: 12, p: 1, brightness: 0.5, contrast: 0, saturation: 0, hue: 0 });
    const factors: number[] = [];
    for (let i = 0; i < 8; i++) {
      const v = imageValues(out, i);
      const f = (v[0] as number) / 0.1;
      expect(f).toBeGreaterThanOrEqual(0.5);
      expect(f).toBeLessThanOrEqual(1.5);
      // The same factor on every pixel (0.4 · 1.5 = 0.6 stays below 1).
      expectClose(v, [0.1 * f, 0.2 * f, 0.3 * f, 0.4 * f], 1e-6);
      factors.push(f);
    }
    expect(new Set(factors.map((f) => f.toFixed(5))).size).toBe(8);
    tf.dispose([x, out]);
  });

  it('colorJitter additive brightness shifts each image by one delta in [−b, b]', () => {
    const x = tf.tile(tf.tensor4d([0.3, 0.4, 0.5, 0.6], [1, 2, 2, 1]), [6, 1, 1, 1]) as tf.Tensor4D;
    const out = colorJitter(x, {
      seed: 2,
      p: 1,
      brightness: 0.25,
      contrast: 0,
      saturation: 0,
      hue: 0,
      brightnessMode: 'additive',
    });
    for (let i = 0; i < 6; i++) {
      const v = imageValues(out, i);
      const d = (v[0] as number) - 0.3;
      expect(Math.abs(d)).toBeLessThanOrEqual(0.25);
      expectClose(v, [0.3 + d, 0.4 + d, 0.5 + d, 0.6 + d], 1e-6);
    }
    tf.dispose([x, out]);
  });
});

describe('contrast', () => {
  it('scales each channel around its mean', () => {
    // Channel means 0.4 (R) and 0.5 (G, B... here a 2-pixel, 3-channel image).
    const x = tf.tensor4d([0.2, 0.5, 0.9, 0.6, 0.5, 0.1], [1, 1, 2, 3]);
    // means: R 0.4, G 0.5, B 0.5
    expectClose(take(adjustContrast(x, 0)), [0.4, 0.5, 0.5, 0.4, 0.5, 0.5], 1e-6);
    expectClose(take(adjustContrast(x, 2)), [0, 0.5, 1, 0.8, 0.5, 0], 1e-6);
    expectClose(take(adjustContrast(x, 1)), x.dataSync(), 1e-6);
    x.dispose();
  });
});

/** Python colorsys-style RGB ↔ HSV, as TF's rgb_to_hsv / hsv_to_rgb. */
function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const v = Math.max(r, g, b);
  const c = v - Math.min(r, g, b);
  const s = v > 0 ? c / v : 0;
  if (c === 0) return [0, s, v];
  let h: number;
  if (v === r) h = (g - b) / c;
  else if (v === g) h = (b - r) / c + 2;
  else h = (r - g) / c + 4;
  h /= 6;
  return [h - Math.floor(h), s, v];
}

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

describe('hue and saturation', () => {
  it('rotates pure colours by thirds', () => {
    const x = tf.tensor4d([1, 0, 0, 0, 1, 0], [1, 1, 2, 3]);
    expectClose(take(adjustHue(x, 1 / 3)), [0, 1, 0, 0, 0, 1], 1e-6);
    expectClose(take(adjustHue(x, -1 / 3)), [0, 0, 1, 1, 0, 0], 1e-6);
    expectClose(take(adjustHue(x, 0.5)), [0, 1, 1, 1, 0, 1], 1e-6);
    x.dispose();
  });

  it('matches a reference HSV round trip on random pixels', () => {
    const rand = seededRandom(5);
    const n = 200;
    const pixels = Array.from({ length: n * 3 }, () => rand());
    const deltas = [-0.45, -0.1, 0.07, 0.3];
    const factors = [0, 0.4, 1.3, 2];
    const x = tf.tensor4d(pixels, [1, 1, n, 3]);
    for (let t = 0; t < deltas.length; t++) {
      const hue: number[] = [];
      const sat: number[] = [];
      for (let i = 0; i < n; i++) {
        const [h, s, v] = rgbToHsv(pixels[3 * i] as number, pixels[3 * i + 1] as number, pixels[3 * i + 2] as number);
        const hh = h + (deltas[t] as number);
        hue.push(...hsvToRgb(hh - Math.floor(hh), s, v));
        sat.push(...hsvToRgb(h, Math.min(1, s * (factors[t] as number)), v));
      }
      expectClose(take(adjustHue(x, deltas[t] as number)), hue, 2e-6);
      expectClose(take(adjustSaturation(x, factors[t] as number)), sat, 2e-6);
    }
    x.dispose();
  });

  it('saturation 0 gives the HSV value on all channels', () => {
    const x = tf.tensor4d([0.8, 0.4, 0.2], [1, 1, 1, 3]);
    expectClose(take(adjustSaturation(x, 0)), [0.8, 0.8, 0.8], 1e-7);
    x.dispose();
  });

  it('are no-ops on 1-channel images', () => {
    const x = twoByThree();
    expectClose(take(adjustHue(x, 0.3)), TWO_BY_THREE, 0);
    expectClose(take(adjustSaturation(x, 0)), TWO_BY_THREE, 0);
    x.dispose();
  });
});

describe('random resized crop', () => {
  it('scale [1, 1] and ratio [1, 1] on a square image is the identity', () => {
    const x = randomImages(8, 3, 28, 28, 1);
    expectClose(take(randomResizedCrop(x, { seed: 77, scale: [1, 1], ratio: [1, 1] })), x.dataSync(), 1e-6);
    x.dispose();
  });

  it('a full-image crop resized to twice the size keeps the corners', () => {
    const x = twoByThree();
    const out = randomResizedCrop(x, { seed: 1, scale: [1, 1], ratio: [1.5, 1.5], height: 3, width: 5 });
    const v = take(out);
    // Corner pixels map to corner pixels; the middle row is the mean of the two rows.
    expectClose([v[0] as number, v[4] as number, v[10] as number, v[14] as number], [0.1, 0.3, 0.4, 0.6], 1e-6);
    expectClose([v[5] as number, v[7] as number, v[9] as number], [0.25, 0.35, 0.45], 1e-6);
    x.dispose();
  });

  it('crops of a constant image stay constant up to the last row and column (no extrapolated zeros)', () => {
    const x = tf.ones([16, 24, 20, 1]) as tf.Tensor4D;
    for (const seed of [1, 2, 3, 1234]) {
      for (const scale of [
        [0.08, 1],
        [0.5625, 1],
      ] as const) {
        const v = take(randomResizedCrop(x, { seed, scale, ratio: [1, 1], height: 17, width: 13 }));
        for (const a of v) expect(Math.abs(a - 1)).toBeLessThan(1e-6);
      }
    }
    x.dispose();
  });

  it('sampleCropBox keeps crops inside the image with area and ratio in range', () => {
    for (let seed = 0; seed < 300; seed++) {
      const box = sampleCropBox(seededRandom(seed), 40, 30, [0.08, 1], [3 / 4, 4 / 3]);
      expect(box.top).toBeGreaterThanOrEqual(0);
      expect(box.left).toBeGreaterThanOrEqual(0);
      expect(box.top + box.height).toBeLessThanOrEqual(40);
      expect(box.left + box.width).toBeLessThanOrEqual(30);
      const area = (box.height * box.width) / 1200;
      // Whole-pixel rounding moves the area and ratio a little.
      expect(area).toBeGreaterThan(0.05);
      expect(area).toBeLessThanOrEqual(1);
      const ratio = box.width / box.height;
      expect(ratio).toBeGreaterThan(0.6);
      expect(ratio).toBeLessThan(1.6);
    }
  });

  it('crops of a gradient image differ per image and stay within its values', () => {
    const ramp = tf.tile(tf.reshape(tf.linspace(0, 1, 32), [1, 1, 32, 1]), [4, 32, 1, 1]) as tf.Tensor4D;
    const out = randomResizedCrop(ramp, { seed: 3 });
    for (let i = 0; i < 4; i++) {
      const v = imageValues(out, i);
      // Every row of a horizontal ramp stays a non-decreasing ramp after crop and resize.
      for (let c = 1; c < 32; c++) expect(v[c] as number).toBeGreaterThanOrEqual((v[c - 1] as number) - 1e-6);
    }
    expect(imageValues(out, 0)[0]).not.toBe(imageValues(out, 1)[0]);
    tf.dispose([ramp, out]);
  });
});

describe('gaussian blur', () => {
  it('uses TF Similarity kernel sizes', () => {
    expect(defaultKernelSize(28)).toBe(3);
    expect(defaultKernelSize(32)).toBe(3);
    expect(defaultKernelSize(224)).toBe(23);
    expect(defaultKernelSize(9)).toBe(1);
  });

  it('a tiny sigma is about the identity', () => {
    const x = randomImages(4, 2, 16, 16, 3);
    expectClose(take(gaussianBlur(x, { sigma: 1e-3, kernelSize: 5 })), x.dataSync(), 1e-6);
    expectClose(take(randomGaussianBlur(x, { seed: 1, p: 1, sigma: [1e-3, 1e-3] })), x.dataSync(), 1e-6);
    x.dispose();
  });

  it('keeps a constant image constant (so its mean)', () => {
    const x = tf.fill([2, 12, 10, 3], 0.37) as tf.Tensor4D;
    const out = randomGaussianBlur(x, { seed: 2, p: 1, sigma: [1, 3], kernelSize: 7 });
    const v = take(out);
    for (const a of v) expect(Math.abs(a - 0.37)).toBeLessThan(1e-6);
    x.dispose();
  });

  it('spreads an impulse by the normalised Gaussian weights', () => {
    const data = new Float32Array(25);
    data[12] = 1;
    const x = tf.tensor4d(data, [1, 5, 5, 1]);
    const e = Math.exp(-0.5);
    const w = [e / (1 + 2 * e), 1 / (1 + 2 * e), e / (1 + 2 * e)] as const;
    const v = take(gaussianBlur(x, { sigma: 1, kernelSize: 3 }));
    const expected = new Array(25).fill(0);
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) expected[(2 + dy) * 5 + 2 + dx] = (w[dy + 1] as number) * (w[dx + 1] as number);
    }
    expectClose(v, expected, 1e-6);
    x.dispose();
  });

  it('gives each image its own sigma', () => {
    const data = new Float32Array(50);
    data[12] = 1;
    data[37] = 1;
    const x = tf.tensor4d(data, [2, 5, 5, 1]);
    const out = gaussianBlur(x, { sigma: [0.5, 2], kernelSize: 3 });
    expect(imageValues(out, 0)[12] as number).toBeGreaterThan((imageValues(out, 1)[12] as number) + 0.1);
    tf.dispose([x, out]);
  });
});

describe('pipelines', () => {
  it('simclrAugmenter with everything off only resizes', () => {
    const x = randomImages(5, 2, 8, 8, 3);
    const aug = simclrAugmenter({ crop: false, flip: false, colorDistort: false });
    expectClose(take(aug.augment(x, 1)), x.dataSync(), 1e-6);
    const resized = simclrAugmenter({ crop: false, flip: false, colorDistort: false, height: 4, width: 4 }).augment(
      x,
      1,
    );
    expect(resized.shape).toEqual([2, 4, 4, 3]);
    resized.dispose();
    x.dispose();
  });
});
