import { invalidArgument, shuffleInPlace } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  blurKernel,
  checkKernelFits,
  contrastKernel,
  defaultKernelSize,
  grayscaleKernel,
  hueKernel,
  multiplyKernel,
  saturationKernel,
  shiftKernel,
  solarizeKernel,
} from './adjust.js';
import {
  applyWhere,
  checkBoolean,
  checkImages,
  checkKernelSize,
  checkNumber,
  checkOptionsObject,
  checkProbability,
  checkRange,
  checkSeed,
  checkSize,
  clip01,
  columnOf,
  imageRng,
  type Range,
  TAG,
  uniform,
} from './checks.js';

/** The seed every random op takes. */
export interface SeededOptions {
  /** Any safe integer. The same seed and input give the same output; each image draws from its own stream. */
  readonly seed: number;
}

// ---------------------------------------------------------------------------
// Random resized crop
// ---------------------------------------------------------------------------

/** Options of `randomResizedCrop`. */
export interface RandomResizedCropOptions extends SeededOptions {
  /** Range of the crop's area as a fraction of the image's, 0 < low ≤ high ≤ 1. Default [0.08, 1]. */
  readonly scale?: Range;
  /** Range of the crop's aspect ratio width / height (sampled log-uniformly), 0 < low ≤ high. Default [3/4, 4/3]. */
  readonly ratio?: Range;
  /** Output height in pixels; default the input height. */
  readonly height?: number;
  /** Output width in pixels; default the input width. */
  readonly width?: number;
}

/** Checked settings of a random resized crop. */
export interface CropSettings {
  readonly scale: Range;
  readonly ratio: Range;
  readonly height: number | undefined;
  readonly width: number | undefined;
}

export function cropSettings(options: unknown, op: string): CropSettings {
  const o = checkOptionsObject<RandomResizedCropOptions>(options, op);
  return {
    scale: checkRange(o.scale ?? [0.08, 1], 'scale', op, 0, 1, true),
    ratio: checkRange(o.ratio ?? [3 / 4, 4 / 3], 'ratio', op, 0, Number.POSITIVE_INFINITY, true),
    height: o.height === undefined ? undefined : checkSize(o.height, 'height', op),
    width: o.width === undefined ? undefined : checkSize(o.width, 'width', op),
  };
}

/** A crop in whole pixels: top row, left column, height, width. */
export interface CropBox {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/**
 * torchvision's `RandomResizedCrop.get_params`: up to 10 tries of an area fraction
 * uniform in `scale` and a log-uniform ratio in `ratio`; a fitting crop gets a uniform
 * position. If none fits, the largest centred crop whose ratio is clamped into `ratio`.
 */
export function sampleCropBox(
  rng: () => number,
  imageHeight: number,
  imageWidth: number,
  scale: Range,
  ratio: Range,
): CropBox {
  const area = imageHeight * imageWidth;
  const logLow = Math.log(ratio[0]);
  const logHigh = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * uniform(rng, scale[0], scale[1]);
    const aspect = Math.exp(uniform(rng, logLow, logHigh));
    const width = Math.round(Math.sqrt(target * aspect));
    const height = Math.round(Math.sqrt(target / aspect));
    if (width > 0 && width <= imageWidth && height > 0 && height <= imageHeight) {
      const top = Math.floor(rng() * (imageHeight - height + 1));
      const left = Math.floor(rng() * (imageWidth - width + 1));
      return { top, left, height, width };
    }
  }
  const inRatio = imageWidth / imageHeight;
  let width = imageWidth;
  let height = imageHeight;
  if (inRatio < ratio[0]) height = Math.max(1, Math.min(imageHeight, Math.round(width / ratio[0])));
  else if (inRatio > ratio[1]) width = Math.max(1, Math.min(imageWidth, Math.round(height * ratio[1])));
  return {
    top: Math.floor((imageHeight - height) / 2),
    left: Math.floor((imageWidth - width) / 2),
    height,
    width,
  };
}

/**
 * Normalised [y1, x1, y2, x2] of a pixel box for `tf.image.cropAndResize` on the image
 * padded by one edge pixel on each side: the box runs from the centre of its first
 * pixel to the centre of its last.
 */
function boxCoordinates(box: CropBox, imageHeight: number, imageWidth: number): [number, number, number, number] {
  const ny = imageHeight + 1;
  const nx = imageWidth + 1;
  return [(box.top + 1) / ny, (box.left + 1) / nx, (box.top + box.height) / ny, (box.left + box.width) / nx];
}

/**
 * Crops each image to the given box and resizes it bilinearly to height × width.
 * The image is first padded with a copy of its edge pixels: a sample that rounding
 * puts a hair outside the last row or column then reads that row again, where
 * cropAndResize would otherwise return its extrapolation value 0 (and cpu and wasm,
 * rounding differently, would disagree).
 */
export function cropKernel(x: tf.Tensor4D, boxes: readonly CropBox[], height: number, width: number): tf.Tensor4D {
  const [batch, imageHeight, imageWidth] = x.shape;
  const padded = tf.mirrorPad(
    x,
    [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ],
    'symmetric',
  );
  const coords = boxes.flatMap((b) => boxCoordinates(b, imageHeight, imageWidth));
  return tf.image.cropAndResize(
    padded,
    tf.tensor2d(coords, [batch, 4]),
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i),
      'int32',
    ),
    [height, width],
    'bilinear',
  );
}

/** Unchecked random resized crop. */
export function randomCropKernel(x: tf.Tensor4D, seed: number, s: CropSettings): tf.Tensor4D {
  const [batch, imageHeight, imageWidth] = x.shape;
  const boxes = Array.from({ length: batch }, (_, b) =>
    sampleCropBox(imageRng(seed, TAG.crop, b), imageHeight, imageWidth, s.scale, s.ratio),
  );
  return cropKernel(x, boxes, s.height ?? imageHeight, s.width ?? imageWidth);
}

/**
 * Random resized crop (torchvision's `RandomResizedCrop`, which TF Similarity's SimCLR
 * crop approximates with `sample_distorted_bounding_box`): each image gets its own crop
 * of `scale` × its area and width/height ratio in `ratio`, in whole pixels, resized
 * bilinearly to `height` × `width`. Output clipped to [0, 1].
 *
 * @throws SimkitError INVALID_ARGUMENT on bad images, seed, ranges or sizes
 */
export function randomResizedCrop(images: tf.Tensor4D, options: RandomResizedCropOptions): tf.Tensor4D {
  const op = 'randomResizedCrop';
  checkImages(images, op);
  const seed = checkSeed(checkOptionsObject<RandomResizedCropOptions>(options, op).seed, op);
  const s = cropSettings(options, op);
  return tf.tidy(() => clip01(randomCropKernel(images, seed, s)));
}

// ---------------------------------------------------------------------------
// Flip, grayscale, solarize: one coin per image
// ---------------------------------------------------------------------------

/** Options of the ops that apply to each image with probability `p`. */
export interface RandomApplyOptions extends SeededOptions {
  /** Probability that an image is changed. */
  readonly p?: number;
}

/** Per-image coins: image b is chosen when its stream's first draw is < p. */
export function coins(seed: number, tag: number, batch: number, p: number): boolean[] {
  return Array.from({ length: batch }, (_, b) => imageRng(seed, tag, b)() < p);
}

function randomApply(
  images: unknown,
  options: unknown,
  op: string,
  tag: number,
  defaultP: number,
  change: (x: tf.Tensor4D) => tf.Tensor4D,
): tf.Tensor4D {
  checkImages(images, op);
  const o = checkOptionsObject<RandomApplyOptions>(options, op);
  const seed = checkSeed(o.seed, op);
  const p = checkProbability(o.p ?? defaultP, 'p', op);
  return tf.tidy(() => clip01(applyWhere(images, coins(seed, tag, images.shape[0], p), change)));
}

/**
 * Mirrors each image left to right with probability `p` (default 0.5).
 *
 * @throws SimkitError INVALID_ARGUMENT on bad images, seed or p
 */
export function randomFlipLeftRight(images: tf.Tensor4D, options: RandomApplyOptions): tf.Tensor4D {
  return randomApply(images, options, 'randomFlipLeftRight', TAG.flip, 0.5, (x) => tf.reverse(x, 2));
}

/**
 * Turns each image grey with probability `p` (default 0.2), with `tf.image.rgb_to_grayscale`'s
 * weights, keeping 3 channels. A no-op on 1-channel images.
 *
 * @throws SimkitError INVALID_ARGUMENT on bad images, seed or p
 */
export function randomGrayscale(images: tf.Tensor4D, options: RandomApplyOptions): tf.Tensor4D {
  return randomApply(images, options, 'randomGrayscale', TAG.grayscale, 0.2, grayscaleKernel);
}

/** Options of `randomSolarize`. */
export interface RandomSolarizeOptions extends RandomApplyOptions {
  /** Pixels ≥ threshold become 1 − x; in [0, 1], default 0.5. */
  readonly threshold?: number;
}

/**
 * Solarizes each image with probability `p` (default 0.2): pixels ≥ `threshold`
 * (default 0.5) become 1 − x.
 *
 * @throws SimkitError INVALID_ARGUMENT on bad images, seed, p or threshold
 */
export function randomSolarize(images: tf.Tensor4D, options: RandomSolarizeOptions): tf.Tensor4D {
  const op = 'randomSolarize';
  const o = checkOptionsObject<RandomSolarizeOptions>(options, op);
  const threshold = checkNumber(o.threshold ?? 0.5, 'threshold', op, 0, 1);
  return randomApply(images, options, op, TAG.solarize, 0.2, (x) => solarizeKernel(x, threshold));
}

// ---------------------------------------------------------------------------
// Gaussian blur
// ---------------------------------------------------------------------------

/** Options of `randomGaussianBlur`. */
export interface RandomGaussianBlurOptions extends RandomApplyOptions {
  /** Range of sigma in pixels, 0 ≤ low ≤ high; each blurred image draws its own. Default [0.1, 2]. */
  readonly sigma?: Range;
  /** Odd kernel size; default TF Similarity's `2·⌊⌊H/10⌋/2⌋ + 1` from the image height. */
  readonly kernelSize?: number;
}

/** Checked settings of a random blur. */
export interface BlurSettings {
  readonly p: number;
  readonly sigma: Range;
  readonly kernelSize: number | undefined;
}

export function blurSettings(options: unknown, op: string, defaultP: number, defaultSigma: Range): BlurSettings {
  const o = checkOptionsObject<RandomGaussianBlurOptions>(options, op);
  return {
    p: checkProbability(o.p ?? defaultP, 'p', op),
    sigma: checkRange(o.sigma ?? defaultSigma, 'sigma', op, 0),
    kernelSize: o.kernelSize === undefined ? undefined : checkKernelSize(o.kernelSize, op),
  };
}

/** Unchecked random blur (the kernel size must fit: see `checkKernelFits`). */
export function randomBlurKernel(x: tf.Tensor4D, seed: number, s: BlurSettings, kernelSize: number): tf.Tensor4D {
  const batch = x.shape[0];
  const flags: boolean[] = [];
  const sigmas: number[] = [];
  for (let b = 0; b < batch; b++) {
    const rng = imageRng(seed, TAG.blur, b);
    flags.push(rng() < s.p);
    sigmas.push(uniform(rng, s.sigma[0], s.sigma[1]));
  }
  return applyWhere(x, flags, (y) => blurKernel(y, sigmas, kernelSize));
}

/**
 * Blurs each image with probability `p` (default 0.5) with a Gaussian of sigma uniform
 * in `sigma` (default [0.1, 2]) pixels, separable, reflect-padded.
 *
 * @throws SimkitError INVALID_ARGUMENT on bad images, seed, p, sigma range or kernel size
 */
export function randomGaussianBlur(images: tf.Tensor4D, options: RandomGaussianBlurOptions): tf.Tensor4D {
  const op = 'randomGaussianBlur';
  checkImages(images, op);
  const seed = checkSeed(checkOptionsObject<RandomGaussianBlurOptions>(options, op).seed, op);
  const s = blurSettings(options, op, 0.5, [0.1, 2]);
  const [, height, width] = images.shape;
  const k = s.kernelSize ?? defaultKernelSize(height);
  checkKernelFits(k, height, width, op);
  return tf.tidy(() => clip01(randomBlurKernel(images, seed, s, k)));
}

// ---------------------------------------------------------------------------
// Colour jitter
// ---------------------------------------------------------------------------

/** How brightness is jittered: SimCLR v2 multiplies, SimCLR v1 (and TF Similarity's Barlow) adds. */
export type BrightnessMode = 'multiplicative' | 'additive';

/** Options of `colorJitter`. */
export interface ColorJitterOptions extends RandomApplyOptions {
  /** Brightness strength ≥ 0: factor uniform in [max(0, 1 − b), 1 + b] (multiplicative) or delta in [−b, b] (additive). Default 0.8. */
  readonly brightness?: number;
  /** Contrast strength in [0, 1]: factor uniform in [1 − c, 1 + c]. Default 0.8. */
  readonly contrast?: number;
  /** Saturation strength in [0, 1]: factor uniform in [1 − s, 1 + s]. Default 0.8. */
  readonly saturation?: number;
  /** Hue strength in [0, 0.5]: rotation uniform in [−h, h] turns. Default 0.2. */
  readonly hue?: number;
  /** `'multiplicative'` (default, SimCLR v2) or `'additive'`. */
  readonly brightnessMode?: BrightnessMode;
  /** Apply the four changes in a random order per image (default true), else brightness, contrast, saturation, hue. */
  readonly randomOrder?: boolean;
}

/** A recipe's colour-jitter defaults (probability, the four strengths, the brightness mode). */
export interface JitterDefaults {
  readonly p: number;
  readonly brightness: number;
  readonly contrast: number;
  readonly saturation: number;
  readonly hue: number;
  readonly brightnessMode: BrightnessMode;
}

/** Checked settings of a colour jitter: its defaults' fields, and whether the four adjustments run in random order. */
export interface JitterSettings extends JitterDefaults {
  readonly randomOrder: boolean;
}

export const SIMCLR_JITTER: JitterDefaults = {
  p: 0.8,
  brightness: 0.8,
  contrast: 0.8,
  saturation: 0.8,
  hue: 0.2,
  brightnessMode: 'multiplicative',
};

export function jitterSettings(options: unknown, op: string, d: JitterDefaults): JitterSettings {
  const o = checkOptionsObject<ColorJitterOptions>(options, op);
  const mode = o.brightnessMode ?? d.brightnessMode;
  if (mode !== 'multiplicative' && mode !== 'additive') {
    throw invalidArgument(`${op}: brightnessMode must be 'multiplicative' or 'additive'; got ${String(mode)}.`);
  }
  return {
    p: checkProbability(o.p ?? d.p, 'p', op),
    brightness: checkNumber(o.brightness ?? d.brightness, 'brightness', op, 0),
    contrast: checkNumber(o.contrast ?? d.contrast, 'contrast', op, 0, 1),
    saturation: checkNumber(o.saturation ?? d.saturation, 'saturation', op, 0, 1),
    hue: checkNumber(o.hue ?? d.hue, 'hue', op, 0, 0.5),
    brightnessMode: mode,
    randomOrder: checkBoolean(o.randomOrder ?? true, 'randomOrder', op),
  };
}

/** Per-image jitter draws. */
interface JitterDraw {
  readonly apply: boolean;
  /** The order of the four changes: 0 brightness, 1 contrast, 2 saturation, 3 hue. */
  readonly order: number[];
  /** Brightness factor (multiplicative) or delta (additive). */
  readonly brightness: number;
  readonly contrast: number;
  readonly saturation: number;
  readonly hue: number;
}

/** Each image's draws, always in the same order: coin, permutation, brightness, contrast, saturation, hue. */
function drawJitter(seed: number, b: number, s: JitterSettings): JitterDraw {
  const rng = imageRng(seed, TAG.jitter, b);
  const apply = rng() < s.p;
  const order = shuffleInPlace(rng, [0, 1, 2, 3]);
  const brightness =
    s.brightnessMode === 'multiplicative'
      ? uniform(rng, Math.max(0, 1 - s.brightness), 1 + s.brightness)
      : uniform(rng, -s.brightness, s.brightness);
  return {
    apply,
    order: s.randomOrder ? order : [0, 1, 2, 3],
    brightness,
    contrast: uniform(rng, 1 - s.contrast, 1 + s.contrast),
    saturation: uniform(rng, 1 - s.saturation, 1 + s.saturation),
    hue: uniform(rng, -s.hue, s.hue),
  };
}

/**
 * Unchecked colour jitter. Four steps; at step t each jittered image applies its t-th
 * change, the others keep their pixels (a `tf.where` per change), then everything is
 * clipped to [0, 1], as TF Similarity clips after each change.
 */
export function jitterKernel(x: tf.Tensor4D, seed: number, s: JitterSettings): tf.Tensor4D {
  const batch = x.shape[0];
  const draws = Array.from({ length: batch }, (_, b) => drawJitter(seed, b, s));
  if (!draws.some((d) => d.apply)) return x;
  const rgb = x.shape[3] === 3;
  const strengths = [s.brightness, s.contrast, rgb ? s.saturation : 0, rgb ? s.hue : 0];
  const column = (key: 'brightness' | 'contrast' | 'saturation' | 'hue') => columnOf(draws.map((d) => d[key]));
  const changes: ((y: tf.Tensor4D) => tf.Tensor4D)[] = [
    (y) =>
      s.brightnessMode === 'multiplicative'
        ? multiplyKernel(y, column('brightness'))
        : shiftKernel(y, column('brightness')),
    (y) => contrastKernel(y, column('contrast')),
    (y) => saturationKernel(y, column('saturation')),
    (y) => hueKernel(y, column('hue')),
  ];
  let out = x;
  for (let step = 0; step < 4; step++) {
    for (let change = 0; change < 4; change++) {
      if (strengths[change] === 0) continue;
      const flags = draws.map((d) => d.apply && d.order[step] === change);
      out = applyWhere(out, flags, changes[change] as (y: tf.Tensor4D) => tf.Tensor4D);
    }
    out = clip01(out);
  }
  return out;
}

/**
 * Colour jitter (TF Similarity's `color_jitter` with `random_order`): with probability
 * `p` (default 0.8) an image gets brightness, contrast, saturation and hue changes,
 * each with its own random strength, in a random order per image, clipped to [0, 1]
 * after each. A strength of 0 skips that change. On 1-channel images saturation and
 * hue do nothing; brightness and contrast still apply.
 *
 * @throws SimkitError INVALID_ARGUMENT on bad images, seed, p, strengths or brightnessMode
 */
export function colorJitter(images: tf.Tensor4D, options: ColorJitterOptions): tf.Tensor4D {
  const op = 'colorJitter';
  checkImages(images, op);
  const seed = checkSeed(checkOptionsObject<ColorJitterOptions>(options, op).seed, op);
  const s = jitterSettings(options, op, SIMCLR_JITTER);
  return tf.tidy(() => clip01(jitterKernel(images, seed, s)));
}

/** Unchecked random flip/grayscale/solarize for the pipelines. */
export function flipKernel(x: tf.Tensor4D, seed: number, p: number): tf.Tensor4D {
  return applyWhere(x, coins(seed, TAG.flip, x.shape[0], p), (y) => tf.reverse(y, 2));
}

export function randomGrayKernel(x: tf.Tensor4D, seed: number, p: number): tf.Tensor4D {
  return applyWhere(x, coins(seed, TAG.grayscale, x.shape[0], p), grayscaleKernel);
}

export function randomSolarizeKernel(x: tf.Tensor4D, seed: number, p: number, threshold: number): tf.Tensor4D {
  return applyWhere(x, coins(seed, TAG.solarize, x.shape[0], p), (y) => solarizeKernel(y, threshold));
}
