import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { simclrAugmenter, twoViews } from '../src/index.js';
import { expectInUnitRange, imageValues, maxAbsDiff, randomImages, repeatedImage, take, useCpu } from './helpers.js';
import { GRAY_CHANGING, SEEDED_OPS } from './ops.js';

beforeAll(useCpu);

describe.each([3, 1])('%i-channel images', (channels) => {
  for (const [name, run] of SEEDED_OPS) {
    describe(name, () => {
      it('gives identical output for the same seed and a float32 [0, 1] result of the expected shape', () => {
        const x = randomImages(7, 6, 20, 16, channels);
        const a = run(x, 42);
        const b = run(x, 42);
        const expectedShape = name.endsWith('12×10') ? [6, 12, 10, channels] : [6, 20, 16, channels];
        expect(a.shape).toEqual(expectedShape);
        expect(a.dtype).toBe('float32');
        const av = take(a);
        expect(maxAbsDiff(av, take(b))).toBe(0);
        expectInUnitRange(av);
        x.dispose();
      });

      it('gives different output for a different seed', () => {
        if (channels === 1 && !GRAY_CHANGING.has(name)) {
          // Grayscale does nothing to 1-channel images: any seed gives the input back.
          const x = randomImages(7, 6, 20, 16, 1);
          expect(maxAbsDiff(take(run(x, 1)), x.dataSync())).toBe(0);
          x.dispose();
          return;
        }
        const x = randomImages(7, 6, 20, 16, channels);
        expect(maxAbsDiff(take(run(x, 1)), take(run(x, 2)))).toBeGreaterThan(1e-3);
        x.dispose();
      });

      it('draws per image: copies of one image come out different', () => {
        if (channels === 1 && !GRAY_CHANGING.has(name)) return expect(GRAY_CHANGING.has(name)).toBe(false);
        const x = repeatedImage(3, 8, 20, 16, channels);
        const out = run(x, 5);
        const first = imageValues(out, 0);
        let differing = 0;
        for (let i = 1; i < 8; i++) if (maxAbsDiff(first, imageValues(out, i)) > 1e-4) differing++;
        expect(differing).toBeGreaterThan(0);
        tf.dispose([x, out]);
      });
    });
  }
});

describe('per-image streams', () => {
  it('image i of a batch gets the same augmentation as image i alone would at the same index', () => {
    // Streams are keyed by (seed, op, image index): a batch's first image does not depend on the rest.
    const x = randomImages(11, 4, 16, 16, 3);
    const aug = simclrAugmenter();
    const full = aug.augment(x, 9);
    const firstOnly = tf.slice(x, [0, 0, 0, 0], [1, 16, 16, 3]) as tf.Tensor4D;
    const alone = aug.augment(firstOnly, 9);
    expect(maxAbsDiff(imageValues(full, 0), take(alone))).toBeLessThanOrEqual(1e-6);
    tf.dispose([x, full, firstOnly]);
  });
});

describe('twoViews', () => {
  it('returns two different views, and the same pair for the same seed', () => {
    const x = randomImages(1, 4, 16, 16, 3);
    const aug = simclrAugmenter();
    const [a, b] = twoViews(aug, x, 3);
    const [c, d] = twoViews(aug, x, 3);
    expect(a.shape).toEqual([4, 16, 16, 3]);
    expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(a.dataSync(), c.dataSync())).toBe(0);
    expect(maxAbsDiff(b.dataSync(), d.dataSync())).toBe(0);
    tf.dispose([x, a, b, c, d]);
  });
});

describe('property: any seed and image size', () => {
  // Async, yielding between runs: the whole property is many seconds of synchronous tfjs work,
  // and a worker that never yields misses vitest's progress calls (they time out under load).
  it('pipelines keep shape, dtype and [0, 1] and repeat exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 24 }),
        fc.integer({ min: 2, max: 24 }),
        fc.constantFrom(1, 3),
        async (seed, batch, h, w, channels) => {
          await new Promise((resolve) => setImmediate(resolve));
          const x = randomImages(seed & 0xffff, batch, h, w, channels);
          for (const [, run] of SEEDED_OPS) {
            const a = run(x, seed);
            expect(a.shape[0]).toBe(batch);
            expect(a.shape[3]).toBe(channels);
            expect(a.dtype).toBe('float32');
            const av = take(a);
            expectInUnitRange(av);
            expect(maxAbsDiff(av, take(run(x, seed)))).toBe(0);
          }
          x.dispose();
        },
      ),
      { numRuns: 15, seed: 20240601 },
    );
  });
});
