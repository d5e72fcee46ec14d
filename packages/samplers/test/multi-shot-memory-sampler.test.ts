import type { LogLevel } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MultiShotMemorySampler, type SamplerBatch } from '../src/index.js';
import { counts, labelsFromX, sourceRows, toyData } from './fixtures.js';

/** 10 classes × 8 examples: row r has label r % 10. */
const TEN = toyData(Array.from({ length: 80 }, (_, r) => r % 10));

function classCounts(b: SamplerBatch): number[] {
  return Array.from(counts(b.y).values());
}

describe('MultiShotMemorySampler', () => {
  it('uses the TF Similarity defaults', () => {
    const s = new MultiShotMemorySampler({ x: TEN.x, y: TEN.y });
    expect(s.classesPerBatch).toBe(2);
    expect(s.examplesPerClassPerBatch).toBe(2);
    expect(s.stepsPerEpoch).toBe(1000);
    expect(s.batchSize).toBe(4);
    expect(s.numExamples).toBe(80);
    expect(Array.from(s.classList)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(s.featureShape).toEqual([2]);
  });

  it('builds batches of classesPerBatch classes × examplesPerClassPerBatch distinct examples', () => {
    const s = new MultiShotMemorySampler({
      x: TEN.x,
      y: TEN.y,
      classesPerBatch: 4,
      examplesPerClassPerBatch: 3,
      seed: 3,
    });
    const b = s.getBatch(0);
    // 4 classes × 3 examples = 12 rows of 2 values.
    expect(b.rows).toBe(12);
    expect(b.x.length).toBe(24);
    expect(b.y.length).toBe(12);
    expect(classCounts(b)).toEqual([3, 3, 3, 3]);
    expect(new Set(sourceRows(b.x)).size).toBe(12);
    expect(labelsFromX(b.x)).toEqual(Array.from(b.y));
    // Grouped by class: rows 0-2 share a class, 3-5 another, and so on.
    for (let g = 0; g < 4; g++) expect(new Set(b.y.subarray(g * 3, g * 3 + 3)).size).toBe(1);
  });

  it('is deterministic for a seed, and varies with seed, index and epoch', () => {
    const opts = { x: TEN.x, y: TEN.y, classesPerBatch: 3, examplesPerClassPerBatch: 2 };
    const a = new MultiShotMemorySampler({ ...opts, seed: 42 });
    const b = new MultiShotMemorySampler({ ...opts, seed: 42 });
    const c = new MultiShotMemorySampler({ ...opts, seed: 43 });
    const rows = (s: MultiShotMemorySampler, i: number, e = 0) => sourceRows(s.getBatch(i, e).x);
    expect(rows(a, 5)).toEqual(rows(b, 5));
    expect(rows(a, 5, 2)).toEqual(rows(b, 5, 2));
    // Asking again, or out of order, gives the same batch.
    expect(rows(a, 5)).toEqual(rows(a, 5));
    const all = (s: MultiShotMemorySampler, e: number) => [0, 1, 2, 3].map((i) => rows(s, i, e));
    expect(all(a, 0)).not.toEqual(all(c, 0));
    expect(all(a, 0)).not.toEqual(all(a, 1));
    expect(rows(a, 0)).not.toEqual(rows(a, 1));
  });

  it('draws every class over many batches', () => {
    const s = new MultiShotMemorySampler({ x: TEN.x, y: TEN.y, classesPerBatch: 2, stepsPerEpoch: 200, seed: 1 });
    const seen = new Set<number>();
    for (const b of s) for (const c of b.y) seen.add(c);
    expect(seen.size).toBe(10);
  });

  it('iterates stepsPerEpoch batches per epoch', () => {
    const s = new MultiShotMemorySampler({ x: TEN.x, y: TEN.y, stepsPerEpoch: 7, seed: 2 });
    const epoch0 = [...s];
    expect(epoch0.length).toBe(7);
    expect(sourceRows((epoch0[3] as SamplerBatch).x)).toEqual(sourceRows(s.getBatch(3).x));
    const epoch1 = [...s.batches(1)];
    expect(sourceRows((epoch1[3] as SamplerBatch).x)).toEqual(sourceRows(s.getBatch(3, 1).x));
  });

  it('keeps only the classes in classList', () => {
    const s = new MultiShotMemorySampler({ x: TEN.x, y: TEN.y, classList: [7, 2, 7, 5], stepsPerEpoch: 50, seed: 4 });
    expect(Array.from(s.classList)).toEqual([2, 5, 7]);
    // 3 classes × 8 examples = 24 examples in the pool.
    expect(s.numExamples).toBe(24);
    for (const b of s) for (const c of b.y) expect([2, 5, 7]).toContain(c);
  });

  it('limits the pool to totalExamplesPerClass examples of each class', () => {
    const s = new MultiShotMemorySampler({ x: TEN.x, y: TEN.y, totalExamplesPerClass: 3, stepsPerEpoch: 30, seed: 5 });
    // 10 classes × 3 examples = 30.
    expect(s.numExamples).toBe(30);
    const used = new Set<number>();
    for (const b of s) for (const r of sourceRows(b.x)) used.add(r);
    const perClass = counts(Array.from(used, (r) => r % 10));
    for (const n of perClass.values()) expect(n).toBeLessThanOrEqual(3);
    const slice = s.getSlice();
    expect(slice.rows).toBe(30);
    expect(counts(slice.y)).toEqual(new Map(Array.from({ length: 10 }, (_, c) => [c, 3])));
  });

  it('samples small classes with replacement and warns once through the logger', () => {
    // Class 0 has 1 example, class 1 has 4.
    const { x, y } = toyData([0, 1, 1, 1, 1]);
    const logs: Array<[LogLevel, string, Record<string, unknown> | undefined]> = [];
    const s = new MultiShotMemorySampler({
      x,
      y,
      classesPerBatch: 2,
      examplesPerClassPerBatch: 3,
      seed: 6,
      logger: { log: (level, message, fields) => logs.push([level, message, fields]) },
    });
    expect(logs.length).toBe(1);
    expect(logs[0]?.[0]).toBe('warn');
    expect(logs[0]?.[2]?.classes).toEqual([0]);
    const b = s.getBatch(0);
    const rowsOfClass0 = sourceRows(b.x).filter((_, i) => b.y[i] === 0);
    expect(rowsOfClass0).toEqual([0, 0, 0]);
    s.getBatch(1);
    expect(logs.length).toBe(1);
  });

  it('takes feature shapes and keeps rows whole', () => {
    // 4 examples of shape [2, 3]: row r holds r*10 + 0..5.
    const x = Float32Array.from({ length: 24 }, (_, i) => Math.floor(i / 6) * 10 + (i % 6));
    const s = new MultiShotMemorySampler({ x, y: [0, 0, 1, 1], featureShape: [2, 3], classesPerBatch: 2, seed: 1 });
    const b = s.getBatch(0);
    expect(b.featureShape).toEqual([2, 3]);
    expect(b.x.length).toBe(4 * 6);
    for (let r = 0; r < 4; r++) {
      const first = b.x[r * 6] as number;
      expect(Array.from(b.x.subarray(r * 6, r * 6 + 6))).toEqual([0, 1, 2, 3, 4, 5].map((k) => first + k));
      // Rows 0, 1 come from examples 0, 1 (class 0); rows 2, 3 from examples 2, 3 (class 1).
      expect(b.y[r]).toBe(first < 20 ? 0 : 1);
    }
  });

  it('rejects bad options with stable codes', async () => {
    const { x, y } = TEN;
    await expectCode(() => new MultiShotMemorySampler({ x, y, classesPerBatch: 11 }), 'INVALID_ARGUMENT');
    await expectCode(
      () => new MultiShotMemorySampler({ x, y, classList: [1, 2], classesPerBatch: 3 }),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => new MultiShotMemorySampler({ x, y, classList: [1, 12] }), 'NOT_FOUND');
    await expectCode(() => new MultiShotMemorySampler({ x, y, classesPerBatch: 0 }), 'INVALID_ARGUMENT');
    await expectCode(() => new MultiShotMemorySampler({ x, y, examplesPerClassPerBatch: 1.5 }), 'INVALID_ARGUMENT');
    await expectCode(() => new MultiShotMemorySampler({ x, y, stepsPerEpoch: -1 }), 'INVALID_ARGUMENT');
    await expectCode(() => new MultiShotMemorySampler({ x, y, totalExamplesPerClass: 0 }), 'INVALID_ARGUMENT');
    await expectCode(() => new MultiShotMemorySampler({ x, y, seed: Number.NaN }), 'INVALID_ARGUMENT');
    await expectCode(() => new MultiShotMemorySampler({ x, y, featureShape: [3] }), 'DIMENSION_MISMATCH');
    await expectCode(() => new MultiShotMemorySampler({ x, y, featureShape: [0, 2] }), 'INVALID_ARGUMENT');
    await expectCode(() => new MultiShotMemorySampler({ x, y: y.subarray(1) }), 'DIMENSION_MISMATCH');
    await expectCode(() => new MultiShotMemorySampler(undefined as never), 'INVALID_ARGUMENT');
    const s = new MultiShotMemorySampler({ x, y, stepsPerEpoch: 5 });
    await expectCode(() => s.getBatch(5), 'INVALID_ARGUMENT');
    await expectCode(() => s.getBatch(-1), 'INVALID_ARGUMENT');
    await expectCode(() => s.getBatch(0, 0.5), 'INVALID_ARGUMENT');
    await expectCode(() => s.getSlice(79, 2), 'INVALID_ARGUMENT');
    await expectCode(() => s.getSlice(81), 'INVALID_ARGUMENT');
  });

  it('property: every batch has exactly classesPerBatch classes with examplesPerClassPerBatch examples each', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.nat({ max: 9 }),
        (sizes, cpbRaw, epc, seed, index) => {
          // Class c gets sizes[c] examples; some classes may be smaller than epc.
          const labels = sizes.flatMap((n, c) => new Array<number>(n).fill(c * 3));
          const { x, y } = toyData(labels);
          const cpb = ((cpbRaw - 1) % sizes.length) + 1;
          const s = new MultiShotMemorySampler({
            x,
            y,
            classesPerBatch: cpb,
            examplesPerClassPerBatch: epc,
            stepsPerEpoch: 10,
            seed,
          });
          const b = s.getBatch(index);
          expect(b.rows).toBe(cpb * epc);
          const per = counts(b.y);
          expect(per.size).toBe(cpb);
          for (const n of per.values()) expect(n).toBe(epc);
          expect(labelsFromX(b.x)).toEqual(Array.from(b.y));
          // Without replacement whenever the class has enough examples.
          for (const c of per.keys()) {
            const rows = sourceRows(b.x).filter((_r, i) => b.y[i] === c);
            const available = labels.filter((l) => l === c).length;
            if (available >= epc) expect(new Set(rows).size).toBe(epc);
          }
        },
      ),
    );
  });
});
