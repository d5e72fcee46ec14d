import '@tensorflow/tfjs-backend-cpu';
import { type LayersModel, type SymbolicTensor, model as tfModel } from '@tensorflow/tfjs-layers';
import { type Tensor, tensor2d } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../src/build-model.js';
import { defaultSettings } from '../src/hello-mnist-job.js';
import { IMAGE_SIZE } from '../src/mnist-data.js';

function rows(m: LayersModel, x: Tensor): number[][] {
  return (m.predict(x) as Tensor).arraySync() as number[][];
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, v, i) => s + v * (b[i] as number), 0);
}

/** Two digit-like inputs: a short vertical stroke and a slanted one. */
function strokes(): Tensor {
  const a = new Array<number>(IMAGE_SIZE).fill(0);
  const b = new Array<number>(IMAGE_SIZE).fill(0);
  for (let y = 6; y < 22; y++) {
    a[y * 28 + 14] = 1;
    b[y * 28 + 8 + Math.floor((y - 6) / 2)] = 1;
  }
  return tensor2d([a, b]);
}

describe('buildModel', () => {
  it('keeps the fixed conv untrained and trains only dense layers by default', () => {
    const { model, trained } = buildModel(defaultSettings.architecture, 0);
    // fixed_conv's kernel and bias are not trainable: dense_1 (kernel, bias) + metric_embedding (kernel, bias).
    const names = ['dense_1/kernel', 'dense_1/bias', 'metric_embedding/kernel', 'metric_embedding/bias'];
    expect(trained.trainableWeights.map((w) => w.originalName)).toEqual(names);
    // The pixel branch has no weights: the indexed model trains exactly the same variables.
    expect(model.trainableWeights.map((w) => w.originalName)).toEqual(names);
    model.dispose();
  });

  it('joins the learned embedding and the deskewed pixels so cosines mix by shapeWeight', () => {
    const arch = { ...defaultSettings.architecture, shapeFeatures: 'pixels' as const, shapeWeight: 0.3 };
    const { model, trained } = buildModel(arch, 0);
    const x = strokes();
    const [joinedA, joinedB] = rows(model, x) as [number[], number[]];
    const [learnedA, learnedB] = rows(trained, x) as [number[], number[]];
    expect(model.outputShape).toEqual([null, arch.embeddingSize + IMAGE_SIZE]);
    // Both branches have unit length, weighted by √0.7 and √0.3: the output has length 1 …
    expect(dot(joinedA, joinedA)).toBeCloseTo(1, 5);
    // … and its first 128 values are √0.7 × the learned embedding.
    for (const [i, v] of learnedA.entries()) expect(joinedA[i]).toBeCloseTo(Math.sqrt(0.7) * v, 6);
    // cos(joined) = 0.7·cos(learned) + 0.3·cos(pixels), with the pixel part read off the output.
    const pixA = joinedA.slice(arch.embeddingSize).map((v) => v / Math.sqrt(0.3));
    const pixB = joinedB.slice(arch.embeddingSize).map((v) => v / Math.sqrt(0.3));
    expect(dot(pixA, pixA)).toBeCloseTo(1, 5);
    expect(dot(joinedA, joinedB)).toBeCloseTo(0.7 * dot(learnedA, learnedB) + 0.3 * dot(pixA, pixB), 5);
    // Deskewing straightens the slanted stroke: its pixels come out much closer to the upright one.
    const rawA = (x.arraySync() as number[][])[0] as number[];
    const rawB = (x.arraySync() as number[][])[1] as number[];
    const rawCos = dot(rawA, rawB) / Math.sqrt(dot(rawA, rawA) * dot(rawB, rawB));
    expect(dot(pixA, pixB)).toBeGreaterThan(rawCos + 0.3);
    model.dispose();
  });

  it('joins gradient histograms by default: 7×7 cells × 8 orientations, at unit length', () => {
    const { model } = buildModel(defaultSettings.architecture, 0);
    const w = defaultSettings.architecture.shapeWeight;
    const size = defaultSettings.architecture.embeddingSize;
    expect(model.outputShape).toEqual([null, size + 7 * 7 * 8]);
    const [a, b] = rows(model, strokes()) as [number[], number[]];
    const shapeA = a.slice(size).map((v) => v / Math.sqrt(w));
    const shapeB = b.slice(size).map((v) => v / Math.sqrt(w));
    expect(dot(shapeA, shapeA)).toBeCloseTo(1, 5);
    // Both strokes are vertical once deskewed: their direction histograms nearly agree.
    expect(dot(shapeA, shapeB)).toBeGreaterThan(0.8);
    model.dispose();
  });

  it('is the learned embedding alone when shapeWeight is 0', () => {
    const { model, trained } = buildModel({ ...defaultSettings.architecture, shapeWeight: 0, deskew: false }, 0);
    expect(model).toBe(trained);
    expect(model.layers.map((l) => l.name)).not.toContain('deskew');
    expect(model.outputShape).toEqual([null, defaultSettings.architecture.embeddingSize]);
    model.dispose();
  });

  it('softens the pixel branch with a pixelBlur × pixelBlur mean filter, or not at all for 1', () => {
    const x = strokes();
    const pixelPart = (pixelBlur: number) => {
      const { model } = buildModel(
        { ...defaultSettings.architecture, shapeFeatures: 'pixels', shapeWeight: 0.5, pixelBlur },
        0,
      );
      const out = (rows(model, x)[0] as number[]).slice(defaultSettings.architecture.embeddingSize);
      const blur = model.layers.find((l) => l.name === 'pixel_blur');
      model.dispose();
      return { nonZero: out.filter((v) => v !== 0).length, blur };
    };
    const sharp = pixelPart(1);
    const soft = pixelPart(3);
    expect(sharp.blur).toBeUndefined();
    expect(soft.blur?.getConfig()).toMatchObject({ poolSize: [3, 3], strides: [1, 1], padding: 'same' });
    // A 3×3 mean spreads each lit pixel over its neighbours: many more pixels are lit.
    expect(soft.nonZero).toBeGreaterThan(2 * sharp.nonZero);
  });

  it('rejects a shapeWeight outside [0, 1), unknown shapeFeatures and a pixelBlur that is not an integer ≥ 1', () => {
    for (const shapeWeight of [-0.1, 1, Number.NaN]) {
      expect(() => buildModel({ ...defaultSettings.architecture, shapeWeight }, 0)).toThrow(/shapeWeight/);
    }
    expect(() => buildModel({ ...defaultSettings.architecture, shapeFeatures: 'edges' as never }, 0)).toThrow(
      /shapeFeatures/,
    );
    for (const pixelBlur of [0, 2.5]) {
      expect(() => buildModel({ ...defaultSettings.architecture, pixelBlur }, 0)).toThrow(/pixelBlur/);
    }
  });

  it("joins the conv responses with 'conv' shape features: trained through the embedding, mixed by shapeWeight", () => {
    const arch = {
      ...defaultSettings.architecture,
      stemFilters: 0,
      convFilters: [4, 8],
      shapeFeatures: 'conv' as const,
      shapeWeight: 0.6,
    };
    const { model, trained } = buildModel(arch, 0);
    const size = arch.embeddingSize;
    // 28 → conv 26 → pool 13 → conv 11 → pool 5: 5·5·8 = 200 conv responses after the embedding.
    expect(model.outputShape).toEqual([null, size + 200]);
    // The joined part adds no weights: the conv layers are trained through the embedding.
    const names = (m: LayersModel) => m.trainableWeights.map((w) => w.originalName);
    expect(names(model)).toEqual(names(trained));
    expect(names(trained)).toContain('conv_1/kernel');
    const x = strokes();
    const [a, b] = rows(model, x) as [number[], number[]];
    const [learnedA, learnedB] = rows(trained, x) as [number[], number[]];
    for (const [i, v] of learnedA.entries()) expect(a[i]).toBeCloseTo(Math.sqrt(0.4) * v, 6);
    // The rest is √0.6 × the flattened conv responses at unit length: non-negative (ReLU, max-pool).
    const convA = a.slice(size).map((v) => v / Math.sqrt(0.6));
    const convB = b.slice(size).map((v) => v / Math.sqrt(0.6));
    expect(dot(convA, convA)).toBeCloseTo(1, 5);
    expect(Math.min(...convA)).toBeGreaterThanOrEqual(0);
    // … and they are the responses entering the dense layers, scaled to unit length.
    const responses = tfModel({ inputs: model.inputs, outputs: model.getLayer('flatten').output as SymbolicTensor });
    const rawA = rows(responses, x)[0] as number[];
    const norm = Math.sqrt(dot(rawA, rawA));
    for (const [i, v] of rawA.entries()) expect(convA[i]).toBeCloseTo(v / norm, 5);
    expect(dot(a, b)).toBeCloseTo(0.4 * dot(learnedA, learnedB) + 0.6 * dot(convA, convB), 5);
    model.dispose();
  });

  it("refuses 'conv' shape features on a network with no conv layer", () => {
    const arch = { ...defaultSettings.architecture, stemFilters: 0, convFilters: [], shapeFeatures: 'conv' as const };
    expect(() => buildModel(arch, 0)).toThrow(/give convFilters or stemFilters/);
    // With shapeWeight 0 nothing is joined, so there is nothing to refuse.
    expect(() => buildModel({ ...arch, shapeWeight: 0 }, 0).model.dispose()).not.toThrow();
  });

  it('trains the 3×3 conv layers of convFilters, each pooled 2×2', () => {
    const arch = { ...defaultSettings.architecture, stemFilters: 0, convFilters: [4, 8] };
    const { model, trained } = buildModel(arch, 0);
    expect(trained.trainableWeights.map((w) => w.originalName).filter((n) => n.startsWith('conv_'))).toEqual([
      'conv_1/kernel',
      'conv_1/bias',
      'conv_2/kernel',
      'conv_2/bias',
    ]);
    // 28 → conv 26 → pool 13 → conv 11 → pool 5: 5·5·8 = 200 values into dense_1.
    expect(model.getLayer('flatten').outputShape).toEqual([null, 200]);
    model.dispose();
  });
});
