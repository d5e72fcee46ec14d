import {
  type ProgressEvent,
  assertFinite,
  assertPositiveInteger,
  describe,
  invalidArgument,
  rngFor,
} from '@simkit/core';
import { UMAP } from 'umap-js';

/**
 * Optimisation epochs of the report's projection. umap-js would pick 500 for up to 2,500
 * points; 1,000 × 520-d embeddings take about 6 s with it on a 2-core machine (about 2 s of
 * it the neighbour graph), well inside the job's time budget.
 */
export const PROJECTOR_EPOCHS = 500;

/** Names the projection's random stream, so it is not the stream of any other use of the seed. */
const UMAP_STREAM = 0x756d6170; // 'umap'

export interface ProjectorOptions {
  /** Seeds UMAP's neighbour search, initial layout and sampling: same seed, same map. */
  readonly seed: number;
  /** Neighbours of each point in UMAP's graph (umap-learn's default: 15). Must be < rows. */
  readonly nNeighbors?: number;
  /** How tightly points may pack in the map, 0..1 (umap-learn's default: 0.1). */
  readonly minDist?: number;
  /** Optimisation epochs (default PROJECTOR_EPOCHS). */
  readonly nEpochs?: number;
  /**
   * `cosine` (the model's distance) scales every row to unit length first, so that the
   * Euclidean distances UMAP works with order neighbours as the cosine does.
   */
  readonly distance?: 'euclidean' | 'cosine';
  /** Reports `{ task: 'project', done, total }` as epochs complete. */
  readonly onProgress?: (event: ProgressEvent) => void;
}

/** A 2-D map of the embeddings: point `i` at (`x[i]`, `y[i]`). */
export interface Projection2d {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly epochs: number;
}

function checkOptions(rows: number, options: ProjectorOptions): Required<Omit<ProjectorOptions, 'onProgress'>> {
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument(`projectEmbeddings options must be an object with a seed; got ${describe(options)}.`);
  }
  const { seed, nNeighbors = 15, minDist = 0.1, nEpochs = PROJECTOR_EPOCHS, distance = 'euclidean' } = options;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw invalidArgument(`projectEmbeddings: seed must be a safe integer; got ${describe(seed)}.`);
  }
  if (typeof nNeighbors !== 'number' || !Number.isSafeInteger(nNeighbors) || nNeighbors < 2) {
    throw invalidArgument(`projectEmbeddings: nNeighbors must be an integer ≥ 2; got ${describe(nNeighbors)}.`);
  }
  if (nNeighbors >= rows) {
    throw invalidArgument(
      `projectEmbeddings: nNeighbors (${nNeighbors}) must be less than the number of rows (${rows}); project more points or ask for fewer neighbours.`,
    );
  }
  if (typeof minDist !== 'number' || !(minDist >= 0 && minDist <= 1)) {
    throw invalidArgument(`projectEmbeddings: minDist must be a number from 0 to 1; got ${describe(minDist)}.`);
  }
  assertPositiveInteger(nEpochs, 'projectEmbeddings: nEpochs');
  if (distance !== 'euclidean' && distance !== 'cosine') {
    throw invalidArgument(`projectEmbeddings: distance must be 'euclidean' or 'cosine'; got ${describe(distance)}.`);
  }
  return { seed, nNeighbors, minDist, nEpochs, distance };
}

/**
 * Projects `rows` embeddings of `dim` values (row-major) to 2-D with UMAP (umap-js), as
 * TensorFlow Similarity's `projector` does with umap-learn. Every random draw of umap-js
 * comes from a generator seeded with `seed`, so the same inputs and options give the
 * same coordinates.
 *
 * @throws SimkitError INVALID_ARGUMENT when the embeddings are not a Float32Array of
 *   rows × dim finite values, or an option is out of range (nNeighbors must be < rows)
 */
export function projectEmbeddings(
  embeddings: Float32Array,
  rows: number,
  dim: number,
  options: ProjectorOptions,
): Projection2d {
  if (!(embeddings instanceof Float32Array)) {
    throw invalidArgument(`projectEmbeddings: embeddings must be a Float32Array; got ${describe(embeddings)}.`);
  }
  assertPositiveInteger(rows, 'projectEmbeddings: rows');
  assertPositiveInteger(dim, 'projectEmbeddings: dim');
  if (embeddings.length !== rows * dim) {
    throw invalidArgument(
      `projectEmbeddings: expected rows × dim = ${rows} × ${dim} = ${rows * dim} values; got ${embeddings.length}.`,
    );
  }
  assertFinite({ data: embeddings, rows, dim }, 'projectEmbeddings: embeddings');
  const o = checkOptions(rows, options);

  const points: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const v = Array.from(embeddings.subarray(i * dim, (i + 1) * dim));
    if (o.distance === 'cosine') {
      let norm = 0;
      for (const a of v) norm += a * a;
      norm = Math.sqrt(norm);
      if (norm > 0) for (let j = 0; j < dim; j++) v[j] = (v[j] as number) / norm;
    }
    points.push(v);
  }

  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: o.nNeighbors,
    minDist: o.minDist,
    nEpochs: o.nEpochs,
    random: rngFor(o.seed, UMAP_STREAM),
  });
  const onProgress = options.onProgress;
  const epochs = umap.initializeFit(points);
  const every = Math.max(1, Math.round(epochs / 20));
  onProgress?.({ task: 'project', done: 0, total: epochs });
  for (let e = 1; e <= epochs; e++) {
    umap.step();
    if (e % every === 0 || e === epochs) onProgress?.({ task: 'project', done: e, total: epochs });
  }

  const map = umap.getEmbedding();
  const x = new Float32Array(rows);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const p = map[i] as number[];
    x[i] = p[0] as number;
    y[i] = p[1] as number;
  }
  return { x, y, epochs };
}
