import { SimkitError, describe } from '@simkit/core';
import {
  type Tensor,
  type Tensor1D,
  add,
  cast,
  clipByValue,
  div,
  floor,
  gather,
  greaterEqual,
  lessEqual,
  logicalAnd,
  maximum,
  mul,
  range,
  reshape,
  serialization,
  sub,
  sum,
  tidy,
  where,
  zerosLike,
} from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';

type LayerArgs = NonNullable<Parameters<typeof layers.flatten>[0]>;
type LayerKwargs = Parameters<InstanceType<typeof layers.Layer>['call']>[1];
type Shape = Array<number | null>;

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
 * The layer has no weights; use it on a model's input (it passes no useful gradient
 * to the layers before it).
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
    return tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as Tensor) : inputs;
      this.checkShape(x.shape);
      const [n, h, w, c] = x.shape as [number, number, number, number];
      const pixels = h * w;
      // Moments of the channel sum, per image.
      const mass = reshape(sum(x, 3), [n, h, w]);
      const xs = reshape(range(0, w), [1, 1, w]);
      const ys = reshape(range(0, h), [1, h, 1]);
      const m = maximum(sum(mass, [1, 2]), TINY);
      const cx = reshape(div(sum(mul(mass, xs), [1, 2]), m), [n, 1, 1]);
      const cy = reshape(div(sum(mul(mass, ys), [1, 2]), m), [n, 1, 1]);
      const dx = sub(xs, cx);
      const dy = sub(ys, cy);
      const mu11 = sum(mul(mass, mul(dx, dy)), [1, 2]);
      const mu02 = sum(mul(mass, mul(dy, dy)), [1, 2]);
      const alpha = reshape(div(mu11, maximum(mu02, TINY)), [n, 1, 1]);
      const midX = (w - 1) / 2;
      const midY = (h - 1) / 2;
      // Where each output pixel reads from: (n, h, w) source coordinates.
      const sx = add(add(xs, sub(cx, midX)), mul(alpha, sub(ys, midY)));
      const sy = add(ys, sub(cy, midY));
      const x0 = floor(sx);
      const y0 = floor(sy);
      const fx = sub(sx, x0);
      const fy = sub(sy, y0);
      const flat = reshape(x, [n * pixels, c]);
      const base = reshape(mul(range(0, n), pixels), [n, 1, 1]);
      const corner = (xi: Tensor, yi: Tensor, weight: Tensor): Tensor => {
        const inside = logicalAnd(
          logicalAnd(greaterEqual(xi, 0), lessEqual(xi, w - 1)),
          logicalAnd(greaterEqual(yi, 0), lessEqual(yi, h - 1)),
        );
        // Pixel positions stay far below 2^24, so float arithmetic is exact before the cast.
        const col = clipByValue(xi, 0, w - 1);
        const row = clipByValue(yi, 0, h - 1);
        const at = cast(reshape(add(base, add(mul(row, w), col)), [n * pixels]), 'int32') as Tensor1D;
        const wt = reshape(where(inside, weight, zerosLike(weight)), [n * pixels, 1]);
        return mul(gather(flat, at), wt);
      };
      const gx = sub(1, fx);
      const gy = sub(1, fy);
      const x1 = add(x0, 1);
      const y1 = add(y0, 1);
      const parts = [
        corner(x0, y0, mul(gx, gy)),
        corner(x1, y0, mul(fx, gy)),
        corner(x0, y1, mul(gx, fy)),
        corner(x1, y1, mul(fx, fy)),
      ];
      const total = parts.reduce((a, b) => add(a, b));
      return reshape(total, [n, h, w, c]);
    });
  }
}

serialization.registerClass(MomentDeskew, 'Similarity');

export function momentDeskew(args?: LayerArgs): MomentDeskew {
  return new MomentDeskew(args);
}
