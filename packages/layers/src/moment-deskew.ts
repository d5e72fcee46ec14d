import { SimkitError, describe } from '@simkit/core';
import { type Tensor, tensor } from '@tensorflow/tfjs-core';
import { type Shape, layers } from '@tensorflow/tfjs-layers';
import { sumChannels } from './channel-sums.js';

type LayerArgs = NonNullable<Parameters<typeof layers.flatten>[0]>;
type LayerKwargs = Parameters<InstanceType<typeof layers.Layer>['call']>[1];

/** Masses and second moments below this count as zero (a blank image is left as it is). */
const TINY = 1e-6;

/**
 * Straightens slanted glyphs: for each image of a (batch, rows, cols, channels)
 * tensor it measures the intensity's centre of mass (cx, cy) and the slant
 * α = μ₁₁ / μ₀₂ (how far x drifts per row), then resamples the image bilinearly so
 * that the slant is removed and the centre of mass sits at the image centre:
 * output(x, y) = input(x + cx − xₘ + α·(y − yₘ), y + cy − yₘ), where (xₘ, yₘ) is
 * the centre of the image and pixels outside it read as 0. Moments are taken over
 * the sum of the channels and every channel gets the same shear.
 *
 * This is the classic deskewing of handwritten digits: a slant-free, centred digit
 * is much closer to others of its class, for any class, seen in training or not.
 * The layer has no weights; use it on a model's input (it passes no gradient to the
 * layers before it).
 */
export class MomentDeskew extends layers.Layer {
  static className = 'MomentDeskew';

  constructor(args: LayerArgs = {}) {
    if (args === null || typeof args !== 'object') {
      throw new SimkitError('INVALID_ARGUMENT', `MomentDeskew takes an options object; got ${describe(args)}.`);
    }
    super(args);
  }

  private checkShape(shape: Shape): void {
    if (shape.length !== 4) {
      throw new SimkitError(
        'DIMENSION_MISMATCH',
        `MomentDeskew expects images of rank 4 (batch, rows, cols, channels); got shape [${shape.join(', ')}].`,
        { details: { expected: 4, actual: shape.length } },
      );
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    this.checkShape((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.checkShape(shape);
    return shape;
  }

  override call(inputs: Tensor | Tensor[], _kwargs: LayerKwargs): Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as Tensor) : inputs;
    this.checkShape(x.shape);
    const [n, h, w, c] = x.shape as [number, number, number, number];
    // One pass over the data on the CPU side: as tensor ops the same work takes dozens of
    // broadcast ops (40 ms for 60 digits on wasm, against about 7 ms here). It reads the
    // input synchronously and passes no gradient back, which an input layer does not need.
    const source = x.dataSync() as Float32Array;
    const out = new Float32Array(source.length);
    for (let i = 0; i < n; i++) {
      const size = h * w * c;
      deskewImage(source.subarray(i * size, (i + 1) * size), out.subarray(i * size, (i + 1) * size), h, w, c);
    }
    return tensor(out, x.shape, 'float32');
  }
}

/** Deskews one (rows, cols, channels) image from `src` into `out` (see MomentDeskew). */
function deskewImage(src: Float32Array, out: Float32Array, h: number, w: number, c: number): void {
  // Moments of the channel sum, in float64.
  const intensity = sumChannels(src, c, new Float64Array(h * w));
  let m = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = intensity[y * w + x] as number;
      m += v;
      sx += v * x;
      sy += v * y;
    }
  }
  const mass = Math.max(m, TINY);
  const cx = sx / mass;
  const cy = sy / mass;
  let mu11 = 0;
  let mu02 = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = intensity[y * w + x] as number;
      mu11 += v * (x - cx) * (y - cy);
      mu02 += v * (y - cy) * (y - cy);
    }
  }
  const alpha = mu11 / Math.max(mu02, TINY);
  const midX = (w - 1) / 2;
  const midY = (h - 1) / 2;
  for (let y = 0; y < h; y++) {
    const srcY = y + cy - midY;
    const y0 = Math.floor(srcY);
    const fy = srcY - y0;
    for (let x = 0; x < w; x++) {
      const srcX = x + cx - midX + alpha * (y - midY);
      const x0 = Math.floor(srcX);
      const fx = srcX - x0;
      for (let ch = 0; ch < c; ch++) {
        let v = 0;
        for (let j = 0; j < 2; j++) {
          const yy = y0 + j;
          if (yy < 0 || yy >= h) continue;
          const wy = j === 0 ? 1 - fy : fy;
          for (let i = 0; i < 2; i++) {
            const xx = x0 + i;
            if (xx < 0 || xx >= w) continue;
            v += wy * (i === 0 ? 1 - fx : fx) * (src[(yy * w + xx) * c + ch] as number);
          }
        }
        out[(y * w + x) * c + ch] = v;
      }
    }
  }
}

/** Creates a MomentDeskew layer, in the style of `tf.layers.*`. */
export function momentDeskew(args?: LayerArgs): MomentDeskew {
  return new MomentDeskew(args);
}
