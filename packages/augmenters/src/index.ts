/**
 * `@simkit/augmenters`: seeded image augmentations on TensorFlow.js backends for
 * self-supervised training (SimCLR, Barlow Twins), ported in spirit from TensorFlow
 * Similarity's `augmenters`.
 *
 * @module index
 */
export {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  defaultKernelSize,
  flipLeftRight,
  type GaussianBlurOptions,
  GRAYSCALE_WEIGHTS,
  gaussianBlur,
  type PerImage,
  scaleBrightness,
  solarize,
  toGrayscale,
} from './adjust.js';
export {
  type Augmenter,
  type BarlowAugmenter,
  type BarlowAugmenterOptions,
  type BarlowSettings,
  barlowAugmenter,
  type SimCLRAugmenter,
  type SimCLRAugmenterOptions,
  type SimCLRSettings,
  simclrAugmenter,
  twoViews,
} from './augmenters.js';
export type { Range } from './checks.js';
export {
  type BrightnessMode,
  type ColorJitterOptions,
  type CropBox,
  colorJitter,
  type RandomApplyOptions,
  type RandomGaussianBlurOptions,
  type RandomResizedCropOptions,
  type RandomSolarizeOptions,
  randomFlipLeftRight,
  randomGaussianBlur,
  randomGrayscale,
  randomResizedCrop,
  randomSolarize,
  type SeededOptions,
  sampleCropBox,
} from './random-ops.js';
