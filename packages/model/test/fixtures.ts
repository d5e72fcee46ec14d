import { seededRandom } from '@simkit/core/testing';
import { ready, setBackend, tensor1d, tensor2d } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { type LayersModel, input, layers, model as functionalModel, sequential } from '@tensorflow/tfjs-layers';

/** Model tests run on the cpu backend unless a test says otherwise. */
export async function useCpu(): Promise<void> {
  await setBackend('cpu');
  await ready();
}

/**
 * A Dense 3 → 2 layer whose kernel keeps the first two coordinates and drops the third:
 * embedding(x) = (x0, x1). Zero bias. Distances between embeddings can be worked by hand.
 */
export function projectionModel(): LayersModel {
  const m = sequential({ layers: [layers.dense({ units: 2, inputShape: [3], name: 'projection' })] });
  m.setWeights([
    tensor2d([
      [1, 0],
      [0, 1],
      [0, 0],
    ]),
    tensor1d([0, 0]),
  ]);
  return m;
}

/** A Dense `inDim` → `outDim` layer with seeded weights in [-1, 1), bias 0.1. */
export function randomDenseModel(inDim: number, outDim: number, seed: number): LayersModel {
  const rand = seededRandom(seed);
  const kernel = Array.from({ length: inDim }, () => Array.from({ length: outDim }, () => rand() * 2 - 1));
  const m = sequential({ layers: [layers.dense({ units: outDim, inputShape: [inDim] })] });
  m.setWeights([tensor2d(kernel), tensor1d(new Array(outDim).fill(0.1))]);
  return m;
}

/**
 * A functional model with two heads on a 3-value input: head 0 = (x0, x1) (2 values),
 * head 1 = (x0 + x1 + x2) (1 value).
 */
export function twoHeadModel(): LayersModel {
  const x = input({ shape: [3] });
  const head0 = layers.dense({ units: 2, useBias: false, name: 'head0' });
  const head1 = layers.dense({ units: 1, useBias: false, name: 'head1' });
  const m = functionalModel({
    inputs: x,
    outputs: [head0.apply(x) as ReturnType<typeof input>, head1.apply(x) as ReturnType<typeof input>],
  });
  head0.setWeights([
    tensor2d([
      [1, 0],
      [0, 1],
      [0, 0],
    ]),
  ]);
  head1.setWeights([tensor2d([[1], [1], [1]])]);
  return m;
}

/** Rows of `dim` seeded values in [-1, 1). */
export function randomRows(rows: number, dim: number, seed: number): number[][] {
  const rand = seededRandom(seed);
  return Array.from({ length: rows }, () => Array.from({ length: dim }, () => rand() * 2 - 1));
}

/**
 * Calibration set on the projection model (euclidean, k = 1, embedding = (x0, x1)).
 * Index: id 0 at (0, 0) label 0; id 1 at (10, 0) label 1.
 * Queries, nearest neighbour, distance, match?
 *   (0.5, 0) L0 → id0, 0.5, yes   (8, 0)  L1 → id1, 2, yes   (3, 0)  L1 → id0, 3, no
 *   (10, 4)  L1 → id1, 4, yes     (0, 6)  L2 → id0, 6, no    (17, 0) L3 → id1, 7, no
 */
export const calibrationSet = {
  indexX: [
    [0, 0, 5],
    [10, 0, -5],
  ],
  indexY: [0, 1],
  queryX: [
    [0.5, 0, 1],
    [8, 0, 2],
    [3, 0, 3],
    [10, 4, 4],
    [0, 6, 5],
    [17, 0, 6],
  ],
  queryY: [0, 1, 1, 1, 2, 3],
};
