import { expectCode } from '@simkit/core/testing';
import { type Tensor, memory, tensor3d, tensor4d } from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MomentDeskew, momentDeskew } from '../src/index.js';
import { useCpu } from './setup-backend.js';

beforeAll(useCpu);

/** A side×side single-channel image with value 1 at each (x, y) given. */
function image(side: number, points: ReadonlyArray<readonly [number, number]>): number[] {
  const px = new Array<number>(side * side).fill(0);
  for (const [x, y] of points) px[y * side + x] = 1;
  return px;
}

function deskew(images: number[][], side: number, channels = 1): number[][] {
  const layer = new MomentDeskew();
  const out = layer.apply(tensor4d(images.flat(), [images.length, side, side, channels])) as Tensor;
  const flat = Array.from(out.dataSync());
  out.dispose();
  const size = side * side * channels;
  return images.map((_, i) => flat.slice(i * size, (i + 1) * size));
}

/**
 * Straightforward float64 reference: moments of the channel sum, then bilinear
 * sampling at (x + cx − mid + α(y − mid), y + cy − mid), zero outside.
 */
function reference(px: number[], h: number, w: number, c: number): number[] {
  let m = 0;
  let sx = 0;
  let sy = 0;
  const at = (x: number, y: number, ch: number) => px[(y * w + x) * c + ch] as number;
  const mass = (x: number, y: number) => {
    let s = 0;
    for (let ch = 0; ch < c; ch++) s += at(x, y, ch);
    return s;
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      m += mass(x, y);
      sx += mass(x, y) * x;
      sy += mass(x, y) * y;
    }
  }
  const mm = Math.max(m, 1e-6);
  const cx = sx / mm;
  const cy = sy / mm;
  let mu11 = 0;
  let mu02 = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      mu11 += mass(x, y) * (x - cx) * (y - cy);
      mu02 += mass(x, y) * (y - cy) ** 2;
    }
  }
  const alpha = mu11 / Math.max(mu02, 1e-6);
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const srcX = x + cx - (w - 1) / 2 + alpha * (y - (h - 1) / 2);
      const srcY = y + cy - (h - 1) / 2;
      const x0 = Math.floor(srcX);
      const y0 = Math.floor(srcY);
      for (let ch = 0; ch < c; ch++) {
        let v = 0;
        for (const [xi, yi, wt] of [
          [x0, y0, (1 - (srcX - x0)) * (1 - (srcY - y0))],
          [x0 + 1, y0, (srcX - x0) * (1 - (srcY - y0))],
          [x0, y0 + 1, (1 - (srcX - x0)) * (srcY - y0)],
          [x0 + 1, y0 + 1, (srcX - x0) * (srcY - y0)],
        ] as const) {
          if (xi >= 0 && xi < w && yi >= 0 && yi < h) v += wt * at(xi, yi, ch);
        }
        out.push(v);
      }
    }
  }
  return out;
}

describe('MomentDeskew', () => {
  it('leaves a centred upright stroke as it is', () => {
    // Column 3 of a 7×7 image, rows 1–5: centre of mass (3, 3) = the image centre, μ₁₁ = 0.
    const bar = image(
      7,
      [1, 2, 3, 4, 5].map((y) => [3, y] as const),
    );
    expect(deskew([bar], 7)[0]).toEqual(bar);
  });

  it('moves the centre of mass to the image centre', () => {
    // One pixel at (1, 1) of a 5×5 image: cx = cy = 1, α = 0 (μ₀₂ = 0), so
    // output(x, y) = input(x + 1 − 2, y + 1 − 2): the pixel lands on (2, 2).
    expect(deskew([image(5, [[1, 1]])], 5)[0]).toEqual(image(5, [[2, 2]]));
  });

  it('straightens a slanted stroke: the diagonal (1,1),(2,2),(3,3) becomes column 2', () => {
    // cx = cy = 2; μ₁₁ = (−1)(−1) + 0 + 1·1 = 2, μ₀₂ = 1 + 0 + 1 = 2, so α = 1 and
    // output(x, y) = input(x + (y − 2), y): output (2, y) reads input (y, y).
    expect(
      deskew(
        [
          image(5, [
            [1, 1],
            [2, 2],
            [3, 3],
          ]),
        ],
        5,
      )[0],
    ).toEqual(
      image(5, [
        [2, 1],
        [2, 2],
        [2, 3],
      ]),
    );
  });

  it('gives each image of a batch its own correction', () => {
    const [a, b, c] = deskew(
      [
        image(5, [[1, 1]]),
        image(5, [
          [1, 1],
          [2, 2],
          [3, 3],
        ]),
        image(5, [[3, 0]]),
      ],
      5,
    );
    expect(a).toEqual(image(5, [[2, 2]]));
    expect(b).toEqual(
      image(5, [
        [2, 1],
        [2, 2],
        [2, 3],
      ]),
    );
    // (3, 0) → shifted by (−1, +2) to the centre.
    expect(c).toEqual(image(5, [[2, 2]]));
  });

  it('keeps a blank image blank, with no NaN', () => {
    const [out] = deskew([new Array<number>(16).fill(0)], 4);
    expect(out).toEqual(new Array<number>(16).fill(0));
  });

  it('shears every channel alike, from the moments of their sum', () => {
    // Channel 0 holds the diagonal, channel 1 is twice channel 0: the sum has the same moments.
    const diag = image(5, [
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    const twoChannels = diag.flatMap((v) => [v, 2 * v]);
    const [out] = deskew([twoChannels], 5, 2);
    const column = image(5, [
      [2, 1],
      [2, 2],
      [2, 3],
    ]);
    expect(out).toEqual(column.flatMap((v) => [v, 2 * v]));
  });

  it('matches a float64 reference on random images with fractional moments', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 9 }),
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (h, w, c, seed) => {
          let s = seed;
          const rand = () => {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            return (s >>> 8) / 2 ** 24;
          };
          const px = Array.from({ length: h * w * c }, () => (rand() < 0.5 ? 0 : rand()));
          const layer = momentDeskew();
          const out = layer.apply(tensor4d(px, [1, h, w, c])) as Tensor;
          const got = Array.from(out.dataSync());
          out.dispose();
          const want = reference(px, h, w, c);
          for (const [i, v] of want.entries()) expect(got[i]).toBeCloseTo(v, 4);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('has the output shape of its input and leaks no tensors', () => {
    const layer = new MomentDeskew();
    expect(layer.computeOutputShape([null, 28, 28, 1])).toEqual([null, 28, 28, 1]);
    const x = tensor4d(new Float32Array(2 * 6 * 6).fill(0.5), [2, 6, 6, 1]);
    layer.apply(x);
    const before = memory().numTensors;
    (layer.apply(x) as Tensor).dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('rejects inputs that are not (batch, rows, cols, channels) with DIMENSION_MISMATCH', () => {
    expectCode(() => new MomentDeskew().apply(tensor3d([1, 2, 3, 4], [1, 2, 2])), 'DIMENSION_MISMATCH');
    expectCode(() => new MomentDeskew().computeOutputShape([null, 28, 28]), 'DIMENSION_MISMATCH');
  });

  it('rejects a non-object argument with INVALID_ARGUMENT', () => {
    expectCode(() => new MomentDeskew(3 as never), 'INVALID_ARGUMENT');
  });
});
