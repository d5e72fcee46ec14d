import { seededRandom } from '@simkit/core';
import { describe, expect, it } from 'vitest';
import { affineDigit, augmentedSource } from '../src/augment.js';
import { IMAGE_SIZE } from '../src/mnist-data.js';

function randomDigit(seed: number): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: IMAGE_SIZE }, () => rand());
}

describe('affineDigit', () => {
  it('leaves a digit unchanged without rotation, scaling or shift', () => {
    const src = randomDigit(1);
    const out = new Float32Array(IMAGE_SIZE);
    affineDigit(src, out, 0, 1, 0, 0);
    for (let i = 0; i < IMAGE_SIZE; i++) expect(out[i]).toBeCloseTo(src[i] as number, 6);
  });

  it('shifts by whole pixels and fills the edge with 0', () => {
    const src = randomDigit(2);
    const out = new Float32Array(IMAGE_SIZE);
    affineDigit(src, out, 0, 1, 1, 0);
    // Shifted one pixel right: out(y, x) = src(y, x − 1); column 0 comes from outside the image.
    expect(out[5 * 28 + 10]).toBeCloseTo(src[5 * 28 + 9] as number, 6);
    expect(out[5 * 28]).toBe(0);
  });

  it('rotates a quarter turn about the centre', () => {
    const src = new Float32Array(IMAGE_SIZE);
    src[0] = 1; // top-left corner
    const out = new Float32Array(IMAGE_SIZE);
    affineDigit(src, out, Math.PI / 2, 1, 0, 0);
    // The corner (0, 0) ends at one of the other corners; the total ink stays 1.
    const corners = [out[27], out[27 * 28], out[27 * 28 + 27]].map((v) => Math.round(v as number));
    expect(corners.reduce((a, b) => a + b, 0)).toBe(1);
    expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});

describe('augmentedSource', () => {
  const source = {
    stepsPerEpoch: 4,
    getBatch: () => ({ x: Float32Array.from([...randomDigit(3), ...randomDigit(4)]), y: [1, 2], rows: 2 }),
  };

  it('distorts every batch the same way for the same seed, epoch and index', () => {
    const a = augmentedSource(source, { maxShift: 2, maxRotation: 10, maxScale: 0.1, seed: 5 });
    const b = augmentedSource(source, { maxShift: 2, maxRotation: 10, maxScale: 0.1, seed: 5 });
    expect(Array.from(b.getBatch(1, 2).x)).toEqual(Array.from(a.getBatch(1, 2).x));
    expect(Array.from(a.getBatch(2, 2).x)).not.toEqual(Array.from(a.getBatch(1, 2).x));
    expect(a.getBatch(1, 2).y).toEqual([1, 2]);
    expect(a.stepsPerEpoch).toBe(4);
  });

  it('passes batches through unchanged when every range is 0', () => {
    const none = augmentedSource(source, { maxShift: 0, maxRotation: 0, maxScale: 0, seed: 5 });
    const x = none.getBatch(0, 0).x;
    const raw = source.getBatch().x;
    for (let i = 0; i < x.length; i += 97) expect(x[i]).toBeCloseTo(raw[i] as number, 6);
  });
});
