import { SimkitError, clusteredVectors } from '@simkit/core';
import { describe, expect, it } from 'vitest';
import { IMAGE_SIZE } from '../src/mnist-data.js';
import { projectEmbeddings } from '../src/projector.js';
import { LABEL_COLORS, PROJECTOR_CSS, type ProjectedDigits, projectorSvg } from '../src/projector-svg.js';

/** Share of each point's k nearest 2-D neighbours that have its label, over all points. */
function knnPurity(x: Float32Array, y: Float32Array, labels: Int32Array, k: number): number {
  const n = labels.length;
  let same = 0;
  for (let i = 0; i < n; i++) {
    const d: Array<[number, number]> = [];
    for (let j = 0; j < n; j++) {
      if (j !== i) d.push([((x[i] as number) - (x[j] as number)) ** 2 + ((y[i] as number) - (y[j] as number)) ** 2, j]);
    }
    d.sort((a, b) => a[0] - b[0]);
    for (const [, j] of d.slice(0, k)) if (labels[j] === labels[i]) same++;
  }
  return same / (n * k);
}

function expectInvalid(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(SimkitError.isInstance(error, 'INVALID_ARGUMENT')).toBe(true);
    return;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('projectEmbeddings', () => {
  // 3 Gaussian blobs in 20-d, well apart (centres ~N(0, 1) per coordinate, spread 0.15).
  const blobs = clusteredVectors(150, 20, 3, 7);

  it('gives finite 2-D coordinates, one pair per row', () => {
    const p = projectEmbeddings(blobs.data, 150, 20, { seed: 1, nEpochs: 100 });
    expect(p.x).toBeInstanceOf(Float32Array);
    expect(p.x).toHaveLength(150);
    expect(p.y).toHaveLength(150);
    expect(p.epochs).toBe(100);
    for (let i = 0; i < 150; i++) {
      expect(Number.isFinite(p.x[i])).toBe(true);
      expect(Number.isFinite(p.y[i])).toBe(true);
    }
  });

  it('is deterministic for a seed, and another seed gives another map', () => {
    const a = projectEmbeddings(blobs.data, 150, 20, { seed: 3, nEpochs: 80 });
    const b = projectEmbeddings(blobs.data, 150, 20, { seed: 3, nEpochs: 80 });
    const c = projectEmbeddings(blobs.data, 150, 20, { seed: 4, nEpochs: 80 });
    expect(Array.from(b.x)).toEqual(Array.from(a.x));
    expect(Array.from(b.y)).toEqual(Array.from(a.y));
    expect(Array.from(c.x)).not.toEqual(Array.from(a.x));
  });

  it('keeps well-separated clusters apart in 2-D (kNN purity > 0.9), with either distance', () => {
    for (const distance of ['euclidean', 'cosine'] as const) {
      const p = projectEmbeddings(blobs.data, 150, 20, { seed: 0, nEpochs: 200, distance });
      expect(knnPurity(p.x, p.y, blobs.labels, 10)).toBeGreaterThan(0.9);
    }
  });

  it('reports progress as epochs complete', () => {
    const events: Array<{ done: number; total?: number }> = [];
    projectEmbeddings(blobs.data, 150, 20, { seed: 0, nEpochs: 40, onProgress: (e) => events.push(e) });
    expect(events[0]).toEqual({ task: 'project', done: 0, total: 40 });
    expect(events.at(-1)).toEqual({ task: 'project', done: 40, total: 40 });
  });

  it('refuses bad input and options with INVALID_ARGUMENT', () => {
    const data = blobs.data;
    expectInvalid(() => projectEmbeddings(Array.from(data) as unknown as Float32Array, 150, 20, { seed: 0 }));
    expectInvalid(() => projectEmbeddings(data, 149, 20, { seed: 0 }));
    expectInvalid(() => projectEmbeddings(data, 0, 20, { seed: 0 }));
    expectInvalid(() => projectEmbeddings(data, 150, 20, { seed: 0.5 }));
    expectInvalid(() => projectEmbeddings(data, 150, 20, undefined as unknown as { seed: number }));
    expectInvalid(() => projectEmbeddings(data, 150, 20, { seed: 0, nNeighbors: 1 }));
    expectInvalid(() => projectEmbeddings(data, 150, 20, { seed: 0, nNeighbors: 150 }));
    expectInvalid(() => projectEmbeddings(data, 150, 20, { seed: 0, minDist: -0.1 }));
    expectInvalid(() => projectEmbeddings(data, 150, 20, { seed: 0, minDist: Number.NaN }));
    expectInvalid(() => projectEmbeddings(data, 150, 20, { seed: 0, nEpochs: 0 }));
    expectInvalid(() => projectEmbeddings(data, 150, 20, { seed: 0, nEpochs: 2.5 }));
    expectInvalid(() => projectEmbeddings(data, 150, 20, { seed: 0, distance: 'manhattan' as 'cosine' }));
    const withNaN = data.slice();
    withNaN[42] = Number.NaN;
    expectInvalid(() => projectEmbeddings(withNaN, 150, 20, { seed: 0 }));
  });
});

describe('projectorSvg', () => {
  const n = 30;
  const projection: ProjectedDigits = {
    x: Float32Array.from({ length: n }, (_, i) => Math.cos(i)),
    y: Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 3),
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
    images: Float32Array.from({ length: n * IMAGE_SIZE }, (_, i) => (i % 7) / 7),
    epochs: 10,
    nNeighbors: 5,
    minDist: 0.1,
  };
  const trainClasses = [2, 3, 1, 7, 9, 6];
  const svg = projectorSvg(projection, trainClasses);

  it('draws one point group per digit, each with its hidden image and label', () => {
    expect(svg.startsWith('<svg class="projector"')).toBe(true);
    expect(svg.match(/<g class="pt">/g)).toHaveLength(n);
    expect(svg.match(/<g class="tip"><image href="data:image\/png;base64,/g)).toHaveLength(n);
    expect(svg).toContain('label 8 · unseen · digit #9');
    expect(svg).toContain('label 2 · digit #3');
    expect(svg).not.toMatch(/<script|on\w+=/);
  });

  it('has a legend of the 10 labels, the unseen classes hollow', () => {
    const keys = svg.match(/<g class="key">.*?<\/g>/g) ?? [];
    expect(keys).toHaveLength(10);
    keys.forEach((key, label) => {
      expect(key).toContain(`>${label}`);
      expect(key).toContain(LABEL_COLORS[label]);
      const unseen = !trainClasses.includes(label);
      expect(key.includes('unseen in training')).toBe(unseen);
      expect(key.includes('fill="#fff"')).toBe(unseen);
    });
    expect(new Set(LABEL_COLORS).size).toBe(10);
  });

  it('keeps points inside the plot area', () => {
    for (const m of svg.matchAll(/<g class="pt"><circle cx="([\d.]+)" cy="([\d.]+)"/g)) {
      expect(Number(m[1])).toBeGreaterThanOrEqual(14);
      expect(Number(m[1])).toBeLessThanOrEqual(654);
      expect(Number(m[2])).toBeGreaterThanOrEqual(14);
      expect(Number(m[2])).toBeLessThanOrEqual(654);
    }
  });

  it('comes with the CSS that shows a point’s digit on hover', () => {
    expect(PROJECTOR_CSS).toContain('.projector .tip { display: none; }');
    expect(PROJECTOR_CSS).toContain('.projector .pt:hover .tip { display: inline; }');
  });
});
