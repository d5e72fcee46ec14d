import { invalidArgument } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkImages, checkKernelSize, checkNumber, checkOptionsObject, clip01, columnOf, perImage } from './checks.js';

/** One number for every image of the batch, or one number per image. */
export type PerImage = number | readonly number[];

/** Weights of `tf.image.rgb_to_grayscale` (ITU-R BT.601 luma): R, G, B. */
export const GRAYSCALE_WEIGHTS = [0.2989, 0.587, 0.114] as const;

// ---- Unchecked kernels, shared with the random ops. `x` is [B, H, W, C]. ----

/** x · factor, factor [B, 1, 1, 1]. */
export function multiplyKernel(x: tf.Tensor4D, factor: tf.Tensor4D): tf.Tensor4D {
  return tf.mul(x, factor);
}

/** x + delta, delta [B, 1, 1, 1]. */
export function shiftKernel(x: tf.Tensor4D, delta: tf.Tensor4D): tf.Tensor4D {
  return tf.add(x, delta);
}

/** (x − mean) · factor + mean, with the mean per image and channel (as `tf.image.adjust_contrast`). */
export function contrastKernel(x: tf.Tensor4D, factor: tf.Tensor4D): tf.Tensor4D {
  const mean = tf.mean(x, [1, 2], true);
  return tf.add(tf.mul(tf.sub(x, mean), factor), mean);
}

/**
 * HSV saturation times `factor`, clipped to 1, without the HSV round trip: with
 * v = max and c = max − min over the channels, HSV → RGB gives each channel as
 * v − c·w(h), so scaling c by f (at most up to v, i.e. saturation ≤ 1) gives
 * v − (v − x)·min(f, v / c). Grayscale pixels (c = 0) stay as they are.
 */
export function saturationKernel(x: tf.Tensor4D, factor: tf.Tensor4D): tf.Tensor4D {
  if (x.shape[3] === 1) return x;
  const v = tf.max(x, 3, true);
  const c = tf.sub(v, tf.min(x, 3, true));
  const positive = tf.greater(c, 0);
  const ratio = tf.div(v, tf.where(positive, c, tf.onesLike(c)));
  const scale = tf.where(positive, tf.minimum(factor, ratio), tf.zerosLike(c));
  return tf.sub(v, tf.mul(tf.sub(v, x), scale));
}

/** Hue rotated by `delta` (a fraction of the colour circle), through HSV as `tf.image.adjust_hue`. */
export function hueKernel(x: tf.Tensor4D, delta: tf.Tensor4D): tf.Tensor4D {
  if (x.shape[3] === 1) return x;
  const [r, g, b] = tf.split(x, 3, 3) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  const v = tf.maximum(r, tf.maximum(g, b));
  const c = tf.sub(v, tf.minimum(r, tf.minimum(g, b)));
  const positive = tf.greater(c, 0);
  const safeC = tf.where(positive, c, tf.onesLike(c));
  // Hue in sextants [0, 6): red max → (g − b)/c, green max → (b − r)/c + 2, blue max → (r − g)/c + 4.
  const fromR = tf.div(tf.sub(g, b), safeC);
  const fromG = tf.add(tf.div(tf.sub(b, r), safeC), 2);
  const fromB = tf.add(tf.div(tf.sub(r, g), safeC), 4);
  const raw = tf.where(tf.equal(v, r), fromR, tf.where(tf.equal(v, g), fromG, fromB));
  // New hue in sextants, wrapped into [0, 6).
  const shifted = tf.add(raw, tf.mul(delta, 6));
  const h = tf.sub(shifted, tf.mul(tf.floor(tf.div(shifted, 6)), 6));
  // HSV → RGB: channel n (R 5, G 3, B 1) = v − c · clamp(min(k, 4 − k), 0, 1) with k = (n + h) mod 6.
  const channel = (n: number) => {
    const k0 = tf.add(h, n);
    const k = tf.sub(k0, tf.mul(tf.floor(tf.div(k0, 6)), 6));
    const w = tf.clipByValue(tf.minimum(k, tf.sub(4, k)), 0, 1);
    return tf.sub(v, tf.mul(c, w));
  };
  return tf.concat([channel(5), channel(3), channel(1)], 3) as tf.Tensor4D;
}

/** Luma with `GRAYSCALE_WEIGHTS`, repeated over the 3 channels; 1-channel images unchanged. */
export function grayscaleKernel(x: tf.Tensor4D): tf.Tensor4D {
  if (x.shape[3] === 1) return x;
  const luma = tf.sum(tf.mul(x, tf.tensor1d(GRAYSCALE_WEIGHTS as unknown as number[])), 3, true);
  return tf.tile(luma, [1, 1, 1, 3]) as tf.Tensor4D;
}

/** `x` where x < threshold, else 1 − x. */
export function solarizeKernel(x: tf.Tensor4D, threshold: number): tf.Tensor4D {
  return tf.where(tf.less(x, threshold), x, tf.sub(1, x)) as tf.Tensor4D;
}

/** Smallest sigma used in a kernel: a sigma of 0 means "no blur", not 0/0. */
const MIN_SIGMA = 1e-6;

/** Normalised 1-D Gaussian weights of length 2r + 1. */
export function gaussianWeights(sigma: number, radius: number): number[] {
  const s = Math.max(sigma, MIN_SIGMA);
  const w = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * s * s)));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
}

/** The kernel size TF Similarity derives from the image height: ⌊H/10⌋, made odd (size 2·⌊⌊H/10⌋/2⌋ + 1). */
export function defaultKernelSize(height: number): number {
  return 2 * Math.floor(Math.floor(height / 10) / 2) + 1;
}

/**
 * Separable Gaussian blur with one sigma per image and reflect padding. The batch is
 * folded into the channels ([1, H, W, B·C]) so one depthwise convolution gives every
 * image its own kernel.
 */
export function blurKernel(x: tf.Tensor4D, sigmas: readonly number[], kernelSize: number): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  const radius = (kernelSize - 1) / 2;
  if (radius === 0) return x;
  const depth = batch * channels;
  const filter = new Float32Array(kernelSize * depth);
  for (let b = 0; b < batch; b++) {
    const w = gaussianWeights(sigmas[b] as number, radius);
    for (let i = 0; i < kernelSize; i++) {
      for (let c = 0; c < channels; c++) filter[i * depth + b * channels + c] = w[i] as number;
    }
  }
  const folded = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [1, height, width, depth]) as tf.Tensor4D;
  const padded = tf.mirrorPad(
    folded,
    [
      [0, 0],
      [radius, radius],
      [radius, radius],
      [0, 0],
    ],
    'reflect',
  );
  const horizontal = tf.depthwiseConv2d(padded, tf.tensor4d(filter, [1, kernelSize, depth, 1]), 1, 'valid');
  const both = tf.depthwiseConv2d(horizontal, tf.tensor4d(filter, [kernelSize, 1, depth, 1]), 1, 'valid');
  return tf.transpose(tf.reshape(both, [height, width, batch, channels]), [2, 0, 1, 3]) as tf.Tensor4D;
}

// ---- Deterministic public ops. ----

function run(images: unknown, op: string, f: (x: tf.Tensor4D) => tf.Tensor4D): tf.Tensor4D {
  checkImages(images, op);
  return tf.tidy(() => clip01(f(images)));
}

/**
 * Mirrors every image left to right (`tf.image.flip_left_right`), clipped to [0, 1].
 *
 * @throws SimkitError INVALID_ARGUMENT when `images` is not a float32 [B, H, W, 1 or 3] tensor
 */
export function flipLeftRight(images: tf.Tensor4D): tf.Tensor4D {
  return run(images, 'flipLeftRight', (x) => tf.reverse(x, 2));
}

/**
 * Additive brightness (`tf.image.adjust_brightness`): x + delta, clipped to [0, 1].
 * `delta` is one number or one per image, each finite.
 *
 * @throws SimkitError INVALID_ARGUMENT on bad images or a non-finite delta or a delta list of the wrong length
 */
export function adjustBrightness(images: tf.Tensor4D, delta: PerImage): tf.Tensor4D {
  const op = 'adjustBrightness';
  checkImages(images, op);
  const d = perImage(delta, images.shape[0], 'delta', op, (v, n) => checkNumber(v, n, op, -Infinity));
  return run(images, op, (x) => shiftKernel(x, columnOf(d)));
}

/**
 * Multiplicative brightness (SimCLR v2): x · factor, clipped to [0, 1]. `factor` ≥ 0,
 * one number or one per image.
 *
 * @throws SimkitError INVALID_ARGUMENT on bad images or a negative or non-finite factor
 */
export function scaleBrightness(images: tf.Tensor4D, factor: PerImage): tf.Tensor4D {
  const op = 'scaleBrightness';
  checkImages(images, op);
  const f = perImage(factor, images.shape[0], 'factor', op, (v, n) => checkNumber(v, n, op, 0));
  return run(images, op, (x) => multiplyKernel(x, columnOf(f)));
}

/**
 * Contrast (`tf.image.adjust_contrast`): (x − mean) · factor + mean with the mean of
 * each image's channel, clipped to [0, 1]. `factor` ≥ 0, one number or one per image.
 *
 * @throws SimkitError INVALID_ARGUMENT on bad images or a negative or non-finite factor
 */
export function adjustContrast(images: tf.Tensor4D, factor: PerImage): tf.Tensor4D {
  const op = 'adjustContrast';
  checkImages(images, op);
  const f = perImage(factor, images.shape[0], 'factor', op, (v, n) => checkNumber(v, n, op, 0));
  return run(images, op, (x) => contrastKernel(x, columnOf(f)));
}

/**
 * Saturation (`tf.image.adjust_saturation`): the HSV saturation times `factor`,
 * clipped to 1. `factor` ≥ 0, one number or one per image. A no-op on 1-channel images.
 *
 * @throws SimkitError INVALID_ARGUMENT on bad images or a negative or non-finite factor
 */
export function adjustSaturation(images: tf.Tensor4D, factor: PerImage): tf.Tensor4D {
  const op = 'adjustSaturation';
  checkImages(images, op);
  const f = perImage(factor, images.shape[0], 'factor', op, (v, n) => checkNumber(v, n, op, 0));
  return run(images, op, (x) => saturationKernel(x, columnOf(f)));
}

/**
 * Hue (`tf.image.adjust_hue`): rotates the HSV hue by `delta` turns (in [−1, 1]; 0.5 is
 * half way round), one number or one per image. A no-op on 1-channel images.
 *
 * @throws SimkitError INVALID_ARGUMENT on bad images or a delta outside [−1, 1]
 */
export function adjustHue(images: tf.Tensor4D, delta: PerImage): tf.Tensor4D {
  const op = 'adjustHue';
  checkImages(images, op);
  const d = perImage(delta, images.shape[0], 'delta', op, (v, n) => checkNumber(v, n, op, -1, 1));
  return run(images, op, (x) => hueKernel(x, columnOf(d)));
}

/**
 * Grayscale with `tf.image.rgb_to_grayscale`'s weights (0.2989 R + 0.587 G + 0.114 B),
 * kept as 3 equal channels so the shape is unchanged. 1-channel images are returned as they are (clipped).
 *
 * @throws SimkitError INVALID_ARGUMENT when `images` is not a float32 [B, H, W, 1 or 3] tensor
 */
export function toGrayscale(images: tf.Tensor4D): tf.Tensor4D {
  return run(images, 'toGrayscale', grayscaleKernel);
}

/**
 * Solarize: pixels at or above `threshold` (in [0, 1], default 0.5) become 1 − x.
 *
 * @throws SimkitError INVALID_ARGUMENT on bad images or a threshold outside [0, 1]
 */
export function solarize(images: tf.Tensor4D, threshold = 0.5): tf.Tensor4D {
  const op = 'solarize';
  checkImages(images, op);
  const t = checkNumber(threshold, 'threshold', op, 0, 1);
  return run(images, op, (x) => solarizeKernel(x, t));
}

/** Options of `gaussianBlur`. */
export interface GaussianBlurOptions {
  /** Standard deviation in pixels, ≥ 0 (0 leaves the image as it is): one number or one per image. */
  readonly sigma: PerImage;
  /** Odd kernel size; default TF Similarity's `2·⌊⌊H/10⌋/2⌋ + 1` (3 for 28–39 px, 23 for 224 px). */
  readonly kernelSize?: number;
}

/** Checks a blur kernel size against an image's height and width (reflect padding needs radius < size). */
export function checkKernelFits(kernelSize: number, height: number, width: number, op: string): void {
  const radius = (kernelSize - 1) / 2;
  if (radius >= height || radius >= width) {
    throw invalidArgument(
      `${op}: kernelSize ${kernelSize} is too large for ${height}×${width} images; use an odd size below ${2 * Math.min(height, width)}.`,
    );
  }
}

/**
 * Separable Gaussian blur with reflect padding, clipped to [0, 1]. Each image may have
 * its own sigma. The weights are exp(−i²/2σ²) for |i| ≤ r, normalised to sum to 1,
 * so a constant image stays constant.
 *
 * @throws SimkitError INVALID_ARGUMENT on bad images, a negative or non-finite sigma,
 *   an even or non-positive kernel size, or a kernel radius not smaller than the image
 */
export function gaussianBlur(images: tf.Tensor4D, options: GaussianBlurOptions): tf.Tensor4D {
  const op = 'gaussianBlur';
  checkImages(images, op);
  const o = checkOptionsObject<GaussianBlurOptions>(options, op);
  const [batch, height, width] = images.shape;
  const sigmas = perImage(o.sigma, batch, 'sigma', op, (v, n) => checkNumber(v, n, op, 0));
  const k = checkKernelSize(o.kernelSize ?? defaultKernelSize(height), op);
  checkKernelFits(k, height, width, op);
  return run(images, op, (x) => blurKernel(x, sigmas, k));
}
