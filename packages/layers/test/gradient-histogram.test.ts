import { expectCode } from '@simkit/core/testing';
import { type Tensor, memory, tensor3d, tensor4d } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GradientHistogram, type GradientHistogramArgs, gradientHistogram } from '../src/index.js';
import { useCpu } from './setup-backend.js';

beforeAll(useCpu);

/** A rows×cols single-channel image, 1 at each (x, y) given. */
function image(rows: number, cols: number, points: ReadonlyArray<readonly [number, number]>): number[] {
  const px = new Array<number>(rows * cols).fill(0);
  for (const [x, y] of points) px[y * cols + x] = 1;
  return px;
}

function histograms(args: GradientHistogramArgs, images: number[][], rows: number, cols: number, channels = 1) {
  const out = new GradientHistogram(args).apply(
    tensor4d(images.flat(), [images.length, rows, cols, channels]),
  ) as Tensor;
  const values = out.arraySync() as number[][];
  out.dispose();
  return values;
}

describe('GradientHistogram', () => {
  it('bins the four gradients around a single lit pixel (unsigned, 4 bins of 45°)', () => {
    // 3×3 image, 1 at the centre; central differences, 0 outside the image:
    //   left of it  (0,1): gx = 1 − 0 = 1,  gy = 0 → 0°   → bin 0, magnitude 1
    //   right of it (2,1): gx = 0 − 1 = −1, gy = 0 → 180° ≡ 0° (unsigned) → bin 0
    //   above it    (1,0): gy = 1 − 0 = 1 → 90° → bin 2; below it (1,2): gy = −1 → −90° ≡ 90° → bin 2
    //   the centre and the corners have no gradient. Histogram [2, 0, 2, 0]; power 1 keeps it.
    const [h] = histograms({ cellSize: 3, bins: 4, power: 1 }, [image(3, 3, [[1, 1]])], 3, 3);
    expect(h).toEqual([2, 0, 2, 0]);
  });

  it('takes the power of each bin (default 0.5) and keeps direction with signed: true', () => {
    const [root] = histograms({ cellSize: 3, bins: 4 }, [image(3, 3, [[1, 1]])], 3, 3);
    expect(root?.[0]).toBeCloseTo(Math.SQRT2, 6);
    expect(root?.[2]).toBeCloseTo(Math.SQRT2, 6);
    // Signed, 4 bins of 90°: 0° → bin 0, 180° → bin 2, 90° → bin 1, −90° ≡ 270° → bin 3.
    const [signed] = histograms({ cellSize: 3, bins: 4, signed: true, power: 1 }, [image(3, 3, [[1, 1]])], 3, 3);
    expect(signed).toEqual([1, 1, 1, 1]);
  });

  it('splits a gradient between the two nearest bins', () => {
    // A ramp rising to the right and down, 1 per pixel each way, inside a 5×5 image: at the
    // centre gx = gy = 2, so 45°, magnitude 2√2. With 8 bins of 22.5° that is exactly bin 2;
    // with 4 bins of 45° exactly bin 1; with 3 bins of 60° it is 0.75 of the way from bin 0
    // to bin 1 (45 / 60), so 0.25 · 2√2 in bin 0 and 0.75 · 2√2 in bin 1.
    const ramp = Array.from({ length: 25 }, (_, i) => (i % 5) + Math.floor(i / 5));
    const centreOnly = (bins: number) => {
      // One 1×1 cell per pixel: pick the centre pixel's own histogram.
      const [h] = histograms({ cellSize: 1, bins, power: 1 }, [ramp], 5, 5);
      return (h as number[]).slice(12 * bins, 13 * bins);
    };
    const eight = centreOnly(8);
    expect(eight[2]).toBeCloseTo(2 * Math.SQRT2, 5);
    expect(eight.reduce((a, b) => a + b, 0)).toBeCloseTo(2 * Math.SQRT2, 5);
    const three = centreOnly(3);
    expect(three[0]).toBeCloseTo(0.25 * 2 * Math.SQRT2, 5);
    expect(three[1]).toBeCloseTo(0.75 * 2 * Math.SQRT2, 5);
    expect(three[2]).toBeCloseTo(0, 6);
  });

  it('lays cells out row by row with bins last, and leaves out pixels that do not fill a cell', () => {
    // 7 rows × 3 cols, cells of 3: two cell rows (rows 0–5), row 6 is left out.
    // The lit pixel (1,1) is in cell 0; cell 1 sees nothing.
    const [h] = histograms({ cellSize: 3, bins: 4, power: 1 }, [image(7, 3, [[1, 1]])], 7, 3);
    expect(h).toEqual([2, 0, 2, 0, 0, 0, 0, 0]);
    expect(new GradientHistogram().computeOutputShape([null, 28, 28, 1])).toEqual([null, 7 * 7 * 8]);
  });

  it('sums the channels before taking gradients, and treats each image of a batch alone', () => {
    const half = image(3, 3, [[1, 1]]).flatMap((v) => [v / 2, v / 2]);
    const [summed] = histograms({ cellSize: 3, bins: 4, power: 1 }, [half], 3, 3, 2);
    expect(summed).toEqual([2, 0, 2, 0]);
    const batch = histograms({ cellSize: 3, bins: 4, power: 1 }, [image(3, 3, [[1, 1]]), image(3, 3, [])], 3, 3);
    expect(batch).toEqual([
      [2, 0, 2, 0],
      [0, 0, 0, 0],
    ]);
  });

  it('leaks no tensors', () => {
    const layer = gradientHistogram();
    const x = tensor4d(new Float32Array(2 * 8 * 8).fill(0.5), [2, 8, 8, 1]);
    layer.apply(x);
    const before = memory().numTensors;
    (layer.apply(x) as Tensor).dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('rejects bad options with INVALID_ARGUMENT and bad shapes with DIMENSION_MISMATCH', () => {
    expectCode(() => new GradientHistogram({ cellSize: 0 }), 'INVALID_ARGUMENT');
    expectCode(() => new GradientHistogram({ bins: 2.5 }), 'INVALID_ARGUMENT');
    expectCode(() => new GradientHistogram({ power: 0 }), 'INVALID_ARGUMENT');
    expectCode(() => new GradientHistogram({ signed: 'yes' as never }), 'INVALID_ARGUMENT');
    expectCode(() => new GradientHistogram(7 as never), 'INVALID_ARGUMENT');
    expectCode(() => new GradientHistogram().apply(tensor3d([1, 2, 3, 4], [1, 2, 2])), 'DIMENSION_MISMATCH');
    expectCode(() => new GradientHistogram({ cellSize: 5 }).computeOutputShape([null, 4, 4, 1]), 'DIMENSION_MISMATCH');
  });
});
