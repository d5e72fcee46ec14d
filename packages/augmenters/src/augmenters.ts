import { invalidArgument } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkKernelFits, defaultKernelSize } from './adjust.js';
import {
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
  type Range,
  subSeed,
} from './checks.js';
import {
  type BrightnessMode,
  cropKernel,
  flipKernel,
  type JitterSettings,
  jitterKernel,
  randomBlurKernel,
  randomCropKernel,
  randomGrayKernel,
  randomSolarizeKernel,
} from './random-ops.js';

/** A seeded augmentation pipeline. */
export interface Augmenter {
  /** `'simclr'` or `'barlow'`. */
  readonly name: string;
  /**
   * One augmented view of a batch: float32 [B, height, width, C] in [0, 1]. The same
   * `seed` and input give the same output; the caller disposes the result (the input is kept).
   */
  augment(images: tf.Tensor4D, seed: number): tf.Tensor4D;
}

/** The output size: the configured one, else the input's. */
interface Size {
  readonly height: number | undefined;
  readonly width: number | undefined;
}

function sizeOf(o: { height?: number; width?: number }, op: string): Size {
  return {
    height: o.height === undefined ? undefined : checkSize(o.height, 'height', op),
    width: o.width === undefined ? undefined : checkSize(o.width, 'width', op),
  };
}

function checkMode(mode: unknown, op: string): BrightnessMode {
  if (mode !== 'multiplicative' && mode !== 'additive') {
    throw invalidArgument(`${op}: brightnessMode must be 'multiplicative' or 'additive'; got ${String(mode)}.`);
  }
  return mode;
}

/**
 * Checks a pipeline's input and seed, and works out its output size and blur kernel size:
 * the configured ones, else the input's size and TF Similarity's kernel for that height.
 */
function outputGeometry(
  images: tf.Tensor4D,
  seed: number,
  s: { height: number | undefined; width: number | undefined; kernelSize: number | undefined; blurProbability: number },
  op: string,
): { height: number; width: number; k: number } {
  checkImages(images, op);
  checkSeed(seed, op);
  const height = s.height ?? images.shape[1];
  const width = s.width ?? images.shape[2];
  const k = s.kernelSize ?? defaultKernelSize(height);
  if (s.blurProbability > 0) checkKernelFits(k, height, width, op);
  return { height, width, k };
}

/** Resizes bilinearly to the output size when it differs from the input's (no crop). */
function resizeKernel(x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  const [batch, h, w] = x.shape;
  if (h === height && w === width) return x;
  const boxes = Array.from({ length: batch }, () => ({ top: 0, left: 0, height: h, width: w }));
  return cropKernel(x, boxes, height, width);
}

// ---------------------------------------------------------------------------
// SimCLR
// ---------------------------------------------------------------------------

/** Options of `simclrAugmenter`; defaults are TF Similarity's `SimCLRAugmenter` (training). */
export interface SimCLRAugmenterOptions {
  /** Output height in pixels; default the input height. */
  readonly height?: number;
  /** Output width in pixels; default the input width. */
  readonly width?: number;
  /** Random resized crop (default true); without it the images are only resized. */
  readonly crop?: boolean;
  /** Crop area fraction range. Default [0.08, 1]. */
  readonly cropScale?: Range;
  /** Crop width/height ratio range. Default [3/4, 4/3]. */
  readonly cropRatio?: Range;
  /** Random left-right flip (default true). */
  readonly flip?: boolean;
  /** Flip probability. Default 0.5. */
  readonly flipProbability?: number;
  /** Colour jitter and random grayscale (default true). */
  readonly colorDistort?: boolean;
  /** Scales the jitter strengths 0.8 (brightness, contrast, saturation) and 0.2 (hue); in [0, 1.25]. Default 1. */
  readonly jitterStrength?: number;
  /** Probability of colour jitter. Default 0.8. */
  readonly jitterProbability?: number;
  /** Probability of grayscale (after the jitter). Default 0.2. */
  readonly grayscaleProbability?: number;
  /** `'v2'` (default): multiplicative brightness; `'v1'`: additive. */
  readonly version?: 'v1' | 'v2';
  /** Probability of a Gaussian blur at the end. Default 0 (TF Similarity's SimCLR does not blur; the SimCLR paper uses 0.5 on ImageNet). */
  readonly blurProbability?: number;
  /** Blur sigma range in pixels. Default [0.1, 2]. */
  readonly blurSigma?: Range;
  /** Odd blur kernel size; default `2·⌊⌊height/10⌋/2⌋ + 1` of the output height. */
  readonly kernelSize?: number;
}

/** Resolved options of a SimCLR augmenter. */
export interface SimCLRSettings {
  readonly height: number | undefined;
  readonly width: number | undefined;
  readonly crop: boolean;
  readonly cropScale: Range;
  readonly cropRatio: Range;
  readonly flip: boolean;
  readonly flipProbability: number;
  readonly colorDistort: boolean;
  readonly jitterStrength: number;
  readonly jitterProbability: number;
  readonly grayscaleProbability: number;
  readonly version: 'v1' | 'v2';
  readonly blurProbability: number;
  readonly blurSigma: Range;
  readonly kernelSize: number | undefined;
}

/** A SimCLR augmenter with its resolved options. */
export interface SimCLRAugmenter extends Augmenter {
  readonly options: SimCLRSettings;
}

/**
 * SimCLR's training augmentation (Chen et al. 2020), as TF Similarity's
 * `SimCLRAugmenter`: random resized crop → flip (p 0.5) → colour jitter (p 0.8,
 * strengths 0.8/0.8/0.8/0.2 × `jitterStrength`, random order) → grayscale (p 0.2)
 * → optional blur → clip to [0, 1]. Each stage draws from its own sub-seed.
 *
 * @throws SimkitError INVALID_ARGUMENT on bad options (here) or bad images or seed (in `augment`)
 */
export function simclrAugmenter(options: SimCLRAugmenterOptions = {}): SimCLRAugmenter {
  const op = 'simclrAugmenter';
  const o = checkOptionsObject<SimCLRAugmenterOptions>(options, op);
  const version = o.version ?? 'v2';
  if (version !== 'v1' && version !== 'v2') {
    throw invalidArgument(`${op}: version must be 'v1' or 'v2'; got ${String(version)}.`);
  }
  const settings: SimCLRSettings = {
    ...sizeOf(o, op),
    crop: checkBoolean(o.crop ?? true, 'crop', op),
    cropScale: checkRange(o.cropScale ?? [0.08, 1], 'cropScale', op, 0, 1, true),
    cropRatio: checkRange(o.cropRatio ?? [3 / 4, 4 / 3], 'cropRatio', op, 0, Number.POSITIVE_INFINITY, true),
    flip: checkBoolean(o.flip ?? true, 'flip', op),
    flipProbability: checkProbability(o.flipProbability ?? 0.5, 'flipProbability', op),
    colorDistort: checkBoolean(o.colorDistort ?? true, 'colorDistort', op),
    jitterStrength: checkNumber(o.jitterStrength ?? 1, 'jitterStrength', op, 0, 1.25),
    jitterProbability: checkProbability(o.jitterProbability ?? 0.8, 'jitterProbability', op),
    grayscaleProbability: checkProbability(o.grayscaleProbability ?? 0.2, 'grayscaleProbability', op),
    version,
    blurProbability: checkProbability(o.blurProbability ?? 0, 'blurProbability', op),
    blurSigma: checkRange(o.blurSigma ?? [0.1, 2], 'blurSigma', op, 0),
    kernelSize: o.kernelSize === undefined ? undefined : checkKernelSize(o.kernelSize, op),
  };
  const s = settings;
  const jitter: JitterSettings = {
    p: s.jitterProbability,
    brightness: 0.8 * s.jitterStrength,
    contrast: 0.8 * s.jitterStrength,
    saturation: 0.8 * s.jitterStrength,
    hue: 0.2 * s.jitterStrength,
    brightnessMode: s.version === 'v2' ? 'multiplicative' : 'additive',
    randomOrder: true,
  };
  return {
    name: 'simclr',
    options: settings,
    augment(images: tf.Tensor4D, seed: number): tf.Tensor4D {
      const { height, width, k } = outputGeometry(images, seed, s, 'simclrAugmenter.augment');
      return tf.tidy(() => {
        let x = s.crop
          ? randomCropKernel(images, subSeed(seed, 0), { scale: s.cropScale, ratio: s.cropRatio, height, width })
          : resizeKernel(images, height, width);
        if (s.flip) x = flipKernel(x, subSeed(seed, 1), s.flipProbability);
        if (s.colorDistort) {
          x = jitterKernel(x, subSeed(seed, 2), jitter);
          x = randomGrayKernel(x, subSeed(seed, 3), s.grayscaleProbability);
        }
        if (s.blurProbability > 0) {
          x = randomBlurKernel(x, subSeed(seed, 4), { p: s.blurProbability, sigma: s.blurSigma, kernelSize: k }, k);
        }
        return clip01(x);
      });
    },
  };
}

// ---------------------------------------------------------------------------
// Barlow Twins
// ---------------------------------------------------------------------------

/** Options of `barlowAugmenter`; defaults follow TF Similarity's `BarlowAugmenter`. */
export interface BarlowAugmenterOptions {
  /** Output height in pixels; default the input height. */
  readonly height?: number;
  /** Output width in pixels; default the input width. */
  readonly width?: number;
  /** Crop area fraction range. Default [0.5625, 1] (TF Similarity: a square of 75–100 % of the side). */
  readonly cropScale?: Range;
  /** Crop width/height ratio range. Default [1, 1] (square crops, as TF Similarity). */
  readonly cropRatio?: Range;
  /** Flip probability. Default 0.5. */
  readonly flipProbability?: number;
  /** Brightness strength. Default 0.8. */
  readonly brightness?: number;
  /** Contrast strength in [0, 1]. Default 0.6. */
  readonly contrast?: number;
  /** Saturation strength in [0, 1]. Default 0.6. */
  readonly saturation?: number;
  /** Hue strength in [0, 0.5]. Default 0.2. */
  readonly hue?: number;
  /** Brightness mode. Default `'additive'` (TF Similarity's Barlow uses `impl="additive"`). */
  readonly brightnessMode?: BrightnessMode;
  /** Probability of colour jitter. Default 0.8. */
  readonly jitterProbability?: number;
  /** Probability of grayscale. Default 0.2. */
  readonly grayscaleProbability?: number;
  /** Probability of blur. Default 0.2. */
  readonly blurProbability?: number;
  /** Blur sigma range in pixels. Default [0, 1]. */
  readonly blurSigma?: Range;
  /** Odd blur kernel size; default `2·⌊⌊height/10⌋/2⌋ + 1` of the output height. */
  readonly kernelSize?: number;
  /** Probability of solarize. Default 0.2. */
  readonly solarizeProbability?: number;
  /** Solarize threshold in [0, 1]. Default 0.5. */
  readonly solarizeThreshold?: number;
}

/** Resolved options of a Barlow augmenter. */
export interface BarlowSettings {
  readonly height: number | undefined;
  readonly width: number | undefined;
  readonly cropScale: Range;
  readonly cropRatio: Range;
  readonly flipProbability: number;
  readonly brightness: number;
  readonly contrast: number;
  readonly saturation: number;
  readonly hue: number;
  readonly brightnessMode: BrightnessMode;
  readonly jitterProbability: number;
  readonly grayscaleProbability: number;
  readonly blurProbability: number;
  readonly blurSigma: Range;
  readonly kernelSize: number | undefined;
  readonly solarizeProbability: number;
  readonly solarizeThreshold: number;
}

/** A Barlow augmenter with its resolved options. */
export interface BarlowAugmenter extends Augmenter {
  readonly options: BarlowSettings;
}

/**
 * Barlow Twins' augmentation as TF Similarity's `BarlowAugmenter`: random resized crop
 * → flip (p 0.5) → colour jitter (p 0.8; additive brightness 0.8, contrast 0.6,
 * saturation 0.6, hue 0.2) → grayscale (p 0.2) → blur (p 0.2, sigma [0, 1]) →
 * solarize (p 0.2, threshold 0.5) → clip to [0, 1].
 *
 * @throws SimkitError INVALID_ARGUMENT on bad options (here) or bad images or seed (in `augment`)
 */
export function barlowAugmenter(options: BarlowAugmenterOptions = {}): BarlowAugmenter {
  const op = 'barlowAugmenter';
  const o = checkOptionsObject<BarlowAugmenterOptions>(options, op);
  const settings: BarlowSettings = {
    ...sizeOf(o, op),
    cropScale: checkRange(o.cropScale ?? [0.5625, 1], 'cropScale', op, 0, 1, true),
    cropRatio: checkRange(o.cropRatio ?? [1, 1], 'cropRatio', op, 0, Number.POSITIVE_INFINITY, true),
    flipProbability: checkProbability(o.flipProbability ?? 0.5, 'flipProbability', op),
    brightness: checkNumber(o.brightness ?? 0.8, 'brightness', op, 0),
    contrast: checkNumber(o.contrast ?? 0.6, 'contrast', op, 0, 1),
    saturation: checkNumber(o.saturation ?? 0.6, 'saturation', op, 0, 1),
    hue: checkNumber(o.hue ?? 0.2, 'hue', op, 0, 0.5),
    brightnessMode: checkMode(o.brightnessMode ?? 'additive', op),
    jitterProbability: checkProbability(o.jitterProbability ?? 0.8, 'jitterProbability', op),
    grayscaleProbability: checkProbability(o.grayscaleProbability ?? 0.2, 'grayscaleProbability', op),
    blurProbability: checkProbability(o.blurProbability ?? 0.2, 'blurProbability', op),
    blurSigma: checkRange(o.blurSigma ?? [0, 1], 'blurSigma', op, 0),
    kernelSize: o.kernelSize === undefined ? undefined : checkKernelSize(o.kernelSize, op),
    solarizeProbability: checkProbability(o.solarizeProbability ?? 0.2, 'solarizeProbability', op),
    solarizeThreshold: checkNumber(o.solarizeThreshold ?? 0.5, 'solarizeThreshold', op, 0, 1),
  };
  const s = settings;
  const jitter: JitterSettings = {
    p: s.jitterProbability,
    brightness: s.brightness,
    contrast: s.contrast,
    saturation: s.saturation,
    hue: s.hue,
    brightnessMode: s.brightnessMode,
    randomOrder: true,
  };
  return {
    name: 'barlow',
    options: settings,
    augment(images: tf.Tensor4D, seed: number): tf.Tensor4D {
      const { height, width, k } = outputGeometry(images, seed, s, 'barlowAugmenter.augment');
      return tf.tidy(() => {
        let x = randomCropKernel(images, subSeed(seed, 0), { scale: s.cropScale, ratio: s.cropRatio, height, width });
        x = flipKernel(x, subSeed(seed, 1), s.flipProbability);
        x = jitterKernel(x, subSeed(seed, 2), jitter);
        x = randomGrayKernel(x, subSeed(seed, 3), s.grayscaleProbability);
        x = clip01(x);
        if (s.blurProbability > 0) {
          x = randomBlurKernel(x, subSeed(seed, 4), { p: s.blurProbability, sigma: s.blurSigma, kernelSize: k }, k);
        }
        x = randomSolarizeKernel(x, subSeed(seed, 5), s.solarizeProbability, s.solarizeThreshold);
        return clip01(x);
      });
    },
  };
}

// ---------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------

/**
 * Two augmented views of the same batch for a self-supervised loss: view i is
 * `augmenter.augment(images, mixSeed(seed, i))`, so the views differ and the same
 * seed gives the same pair. The caller disposes both.
 *
 * @throws SimkitError INVALID_ARGUMENT when `augmenter` has no `augment` method or the seed is not a safe integer
 */
export function twoViews(augmenter: Augmenter, images: tf.Tensor4D, seed: number): [tf.Tensor4D, tf.Tensor4D] {
  const op = 'twoViews';
  if (augmenter === null || typeof augmenter !== 'object' || typeof augmenter.augment !== 'function') {
    throw invalidArgument(`${op}: augmenter must have an augment(images, seed) method, e.g. simclrAugmenter().`);
  }
  checkSeed(seed, op);
  const first = augmenter.augment(images, subSeed(seed, 0));
  try {
    return [first, augmenter.augment(images, subSeed(seed, 1))];
  } catch (e) {
    first.dispose();
    throw e;
  }
}
