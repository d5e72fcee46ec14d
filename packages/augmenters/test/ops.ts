import type * as tf from '@tensorflow/tfjs-core';
import {
  barlowAugmenter,
  colorJitter,
  randomFlipLeftRight,
  randomGaussianBlur,
  randomGrayscale,
  randomResizedCrop,
  randomSolarize,
  simclrAugmenter,
} from '../src/index.js';

/** Every seeded op, with options that make it change most images. */
export const SEEDED_OPS: [string, (x: tf.Tensor4D, seed: number) => tf.Tensor4D][] = [
  ['randomResizedCrop', (x, seed) => randomResizedCrop(x, { seed })],
  ['randomResizedCrop to 12×10', (x, seed) => randomResizedCrop(x, { seed, height: 12, width: 10 })],
  ['randomFlipLeftRight', (x, seed) => randomFlipLeftRight(x, { seed })],
  ['colorJitter', (x, seed) => colorJitter(x, { seed, p: 1 })],
  ['colorJitter additive', (x, seed) => colorJitter(x, { seed, p: 1, brightnessMode: 'additive' })],
  ['randomGrayscale', (x, seed) => randomGrayscale(x, { seed, p: 0.5 })],
  ['randomGaussianBlur', (x, seed) => randomGaussianBlur(x, { seed, p: 1 })],
  ['randomSolarize', (x, seed) => randomSolarize(x, { seed, p: 0.5 })],
  ['simclrAugmenter', (x, seed) => simclrAugmenter().augment(x, seed)],
  ['simclrAugmenter with blur', (x, seed) => simclrAugmenter({ blurProbability: 0.5, version: 'v1' }).augment(x, seed)],
  ['barlowAugmenter', (x, seed) => barlowAugmenter().augment(x, seed)],
];

/** Ops that also change 1-channel images for most seeds (grayscale is a no-op there). */
export const GRAY_CHANGING = new Set(SEEDED_OPS.map(([name]) => name).filter((n) => n !== 'randomGrayscale'));
