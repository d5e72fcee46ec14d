import { seededRandom } from '@simkit/core';
import type { BatchSource, TrainingBatch } from '@simkit/model';
import { IMAGE_SIDE, IMAGE_SIZE } from './mnist-data.js';

/** Ranges of the random affine distortion applied to each training digit. */
export interface AugmentOptions {
  /** Largest shift in pixels, each axis. */
  readonly maxShift: number;
  /** Largest rotation in degrees, either way. */
  readonly maxRotation: number;
  /** Largest relative change of scale, e.g. 0.1 for 0.9×–1.1×. */
  readonly maxScale: number;
  readonly seed: number;
}

/** One 32-bit seed from several integers, so batch (epoch, index) streams are unrelated. */
function mix(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return h >>> 0;
}

/**
 * Writes digit `src` rotated, scaled and shifted about the image centre into `out`,
 * sampling the source bilinearly (pixels outside the image read as 0).
 */
export function affineDigit(
  src: Float32Array,
  out: Float32Array,
  angle: number,
  scale: number,
  dx: number,
  dy: number,
) {
  const c = Math.cos(angle) / scale;
  const s = Math.sin(angle) / scale;
  const mid = (IMAGE_SIDE - 1) / 2;
  for (let py = 0; py < IMAGE_SIDE; py++) {
    for (let px = 0; px < IMAGE_SIDE; px++) {
      const u = px - mid - dx;
      const v = py - mid - dy;
      const sx = c * u + s * v + mid;
      const sy = -s * u + c * v + mid;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      let value = 0;
      for (let j = 0; j < 2; j++) {
        const yy = y0 + j;
        if (yy < 0 || yy >= IMAGE_SIDE) continue;
        const wy = j === 0 ? 1 - fy : fy;
        for (let i = 0; i < 2; i++) {
          const xx = x0 + i;
          if (xx < 0 || xx >= IMAGE_SIDE) continue;
          value += wy * (i === 0 ? 1 - fx : fx) * (src[yy * IMAGE_SIDE + xx] as number);
        }
      }
      out[py * IMAGE_SIDE + px] = value;
    }
  }
}

/**
 * Wraps a sampler so every batch it hands out is a randomly distorted copy:
 * each digit gets its own rotation, scale and shift. The distortion of batch
 * `index` of epoch `epoch` depends only on the seed, so training stays reproducible.
 */
export function augmentedSource(source: BatchSource, options: AugmentOptions): BatchSource {
  const { maxShift, maxRotation, maxScale, seed } = options;
  const maxAngle = (maxRotation * Math.PI) / 180;
  return {
    stepsPerEpoch: source.stepsPerEpoch,
    getBatch(index: number, epoch: number): TrainingBatch {
      const batch = source.getBatch(index, epoch);
      const rand = seededRandom(mix(seed, epoch, index));
      const spread = () => rand() * 2 - 1;
      const x = new Float32Array(batch.x.length);
      for (let r = 0; r < batch.rows; r++) {
        const angle = spread() * maxAngle;
        const scale = 1 + spread() * maxScale;
        const dx = spread() * maxShift;
        const dy = spread() * maxShift;
        const at = r * IMAGE_SIZE;
        affineDigit(batch.x.subarray(at, at + IMAGE_SIZE), x.subarray(at, at + IMAGE_SIZE), angle, scale, dx, dy);
      }
      return { x, y: batch.y, rows: batch.rows };
    },
  };
}
