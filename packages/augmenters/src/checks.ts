import { describe, invalidArgument, mixSeed, type Rng, rngFor } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';

/** A closed interval `[low, high]`. */
export type Range = readonly [number, number];

/** Checks a batch of images: a float32 tf.Tensor4D [B, H, W, C] with B, H, W ≥ 1 and C = 1 or 3. */
export function checkImages(images: unknown, op: string): asserts images is tf.Tensor4D {
  if (!(images instanceof tf.Tensor)) {
    throw invalidArgument(
      `${op}: images must be a float32 tf.Tensor4D [batch, height, width, channels]; got ${describe(images)}.`,
    );
  }
  if (images.rank !== 4) {
    throw invalidArgument(
      `${op}: images have shape [${images.shape.join(', ')}]; pass a rank-4 tensor [batch, height, width, channels] (add a batch axis with tf.expandDims(image, 0)).`,
    );
  }
  if (images.dtype !== 'float32') {
    throw invalidArgument(
      `${op}: images have dtype ${images.dtype}; pass float32 values in [0, 1] (e.g. tf.div(tf.cast(x, 'float32'), 255)).`,
    );
  }
  const [b, h, w, c] = images.shape as [number, number, number, number];
  if (b < 1 || h < 1 || w < 1) {
    throw invalidArgument(
      `${op}: images have shape [${images.shape.join(', ')}]; pass at least one image of at least 1×1 pixels.`,
    );
  }
  if (c !== 1 && c !== 3) {
    throw invalidArgument(`${op}: images have ${c} channels; pass grayscale (1 channel) or RGB (3 channels) images.`);
  }
}

/** Checks an options object (undefined counts as `{}`). */
export function checkOptionsObject<T extends object>(options: unknown, op: string): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalidArgument(`${op}: options must be an object; got ${describe(options)}.`);
  }
  return options as Partial<T>;
}

/** Checks a seed: any safe integer. */
export function checkSeed(seed: unknown, op: string): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw invalidArgument(`${op}: seed must be a safe integer (e.g. the step number); got ${describe(seed)}.`);
  }
  return seed;
}

/** Checks a probability in [0, 1]. */
export function checkProbability(p: unknown, name: string, op: string): number {
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1) {
    throw invalidArgument(`${op}: ${name} must be a probability from 0 to 1; got ${describe(p)}.`);
  }
  return p;
}

/** Checks a finite number in [min, max]. */
export function checkNumber(x: unknown, name: string, op: string, min: number, max = Number.POSITIVE_INFINITY): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max) {
    const upper = max === Number.POSITIVE_INFINITY ? '' : ` and ≤ ${max}`;
    throw invalidArgument(`${op}: ${name} must be a finite number ≥ ${min}${upper}; got ${describe(x)}.`);
  }
  return x;
}

/** Checks a positive integer (an image size). */
export function checkSize(x: unknown, name: string, op: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 1) {
    throw invalidArgument(`${op}: ${name} must be a positive integer number of pixels; got ${describe(x)}.`);
  }
  return x;
}

/** Checks an odd positive integer kernel size. */
export function checkKernelSize(x: unknown, op: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 1 || x % 2 === 0) {
    throw invalidArgument(`${op}: kernelSize must be an odd positive integer (1, 3, 5, …); got ${describe(x)}.`);
  }
  return x;
}

/**
 * Checks a range `[low, high]` of finite numbers with `min ≤ low ≤ high ≤ max`
 * (`low > min` when `openMin`).
 */
export function checkRange(
  x: unknown,
  name: string,
  op: string,
  min: number,
  max = Number.POSITIVE_INFINITY,
  openMin = false,
): Range {
  const ok =
    Array.isArray(x) &&
    x.length === 2 &&
    x.every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    (openMin ? x[0] > min : x[0] >= min) &&
    x[0] <= x[1] &&
    x[1] <= max;
  if (!ok) {
    const lower = openMin ? `> ${min}` : `≥ ${min}`;
    const upper = max === Number.POSITIVE_INFINITY ? '' : ` ≤ ${max}`;
    throw invalidArgument(`${op}: ${name} must be [low, high] with ${lower}, low ≤ high${upper}; got ${describe(x)}.`);
  }
  return [x[0], x[1]] as const;
}

/** Checks a boolean option. */
export function checkBoolean(x: unknown, name: string, op: string): boolean {
  if (typeof x !== 'boolean') throw invalidArgument(`${op}: ${name} must be true or false; got ${describe(x)}.`);
  return x;
}

/**
 * A per-image value: one number for the whole batch, or an array of `batch` numbers,
 * each checked by `check`. Returns `batch` numbers.
 */
export function perImage(
  x: unknown,
  batch: number,
  name: string,
  op: string,
  check: (v: unknown, label: string) => number,
): number[] {
  if (typeof x === 'number') {
    const v = check(x, name);
    return Array.from({ length: batch }, () => v);
  }
  if (Array.isArray(x) || ArrayBuffer.isView(x)) {
    const values = Array.from(x as ArrayLike<unknown>);
    if (values.length !== batch) {
      throw invalidArgument(
        `${op}: ${name} has ${values.length} values for ${batch} images; pass one number or one per image.`,
      );
    }
    return values.map((v, i) => check(v, `${name}[${i}]`));
  }
  throw invalidArgument(`${op}: ${name} must be a number or an array of one number per image; got ${describe(x)}.`);
}

/** Stream tags, so that two ops given the same seed draw independently. */
export const TAG = {
  crop: 1,
  flip: 2,
  jitter: 3,
  grayscale: 4,
  blur: 5,
  solarize: 6,
} as const;

/** The seeded stream of image `index` for the op `tag`. */
export function imageRng(seed: number, tag: number, index: number): Rng {
  return rngFor(seed, tag, index);
}

/** A uniform draw in [low, high). */
export function uniform(rng: Rng, low: number, high: number): number {
  return low + (high - low) * rng();
}

/** The seed of stage `stage` of a pipeline (or view `stage` of `twoViews`). */
export function subSeed(seed: number, stage: number): number {
  return mixSeed(seed, stage);
}

/** A bool mask [B, 1, 1, 1] from per-image flags. */
export function maskOf(flags: readonly boolean[]): tf.Tensor4D {
  return tf.tensor4d(
    flags.map((f) => (f ? 1 : 0)),
    [flags.length, 1, 1, 1],
    'bool',
  );
}

/** A float32 [B, 1, 1, 1] tensor of per-image values. */
export function columnOf(values: readonly number[]): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(values), [values.length, 1, 1, 1], 'float32');
}

/** `where(flags, changed, original)` per image; `changed` is only computed when some flag is set. */
export function applyWhere(
  x: tf.Tensor4D,
  flags: readonly boolean[],
  change: (x: tf.Tensor4D) => tf.Tensor4D,
): tf.Tensor4D {
  if (!flags.some(Boolean)) return x;
  const changed = change(x);
  if (flags.every(Boolean)) return changed;
  return tf.where(maskOf(flags), changed, x) as tf.Tensor4D;
}

/** Clips to [0, 1]. */
export function clip01(x: tf.Tensor): tf.Tensor4D {
  return tf.clipByValue(x, 0, 1) as tf.Tensor4D;
}
