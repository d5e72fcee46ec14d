import { type EmbeddingBatch, SimkitError, batch, invalidArgument } from '@simkit/core';
import type { Indexer, Lookup } from '@simkit/indexer';
import type { CalibrationResult, SimilarityModel } from '@simkit/model';

/** How one row of a request looks: an embedding (index mode) or one model input (model mode). */
export interface RowLayout {
  /** The JSON key that carries the rows. */
  readonly key: 'embeddings' | 'inputs';
  /** Shape of one row, without the batch axis, e.g. `[64]` or `[28, 28, 1]`. */
  readonly shape: readonly number[];
  /** Values in one row: the product of `shape`. */
  readonly size: number;
}

/** Rows of a request, checked and flattened: `rows` rows of `layout.size` float32 values. */
export interface Rows {
  readonly data: Float32Array;
  readonly rows: number;
}

/** Options of a match request. */
export interface MatchRequest {
  readonly cutpoint: string;
  readonly k: number;
  readonly noMatchLabel: number;
}

/** Options of a calibrate request. */
export interface CalibrateRequest {
  readonly thresholdsTargets?: Record<string, number>;
  readonly k?: number;
  readonly calibrationMetric?: string;
}

/** The index work of the service, for an Indexer or for a SimilarityModel with an index. */
export interface Backend {
  readonly mode: 'index' | 'model';
  readonly layout: RowLayout;
  /** The index behind it (for a model, its current index). */
  readonly indexer: Indexer;
  lookup(rows: Rows, k: number): Promise<Lookup[][]>;
  match(rows: Rows, options: MatchRequest): Promise<Int32Array>;
  add(rows: Rows, labels: Array<number | null> | undefined, data: unknown[] | undefined): Promise<Int32Array>;
  remove(id: number): Promise<void>;
  calibrate(rows: Rows, labels: number[], options: CalibrateRequest): Promise<CalibrationResult>;
  save(dir: string): Promise<void>;
}

/** The backend of an Indexer: rows are embeddings of its `embeddingSize`. */
export function indexBackend(indexer: Indexer): Backend {
  const dim = indexer.embeddingSize;
  const embeddings = (rows: Rows): EmbeddingBatch => batch(rows.data, dim);
  return {
    mode: 'index',
    layout: { key: 'embeddings', shape: [dim], size: dim },
    indexer,
    lookup: (rows, k) => indexer.batchLookup(embeddings(rows), k),
    match: (rows, o) => indexer.match(embeddings(rows), o),
    add: (rows, labels, data) => indexer.batchAdd(embeddings(rows), labels ?? null, data ?? null),
    remove: (id) => indexer.remove([id]),
    calibrate: (rows, labels, o) => indexer.calibrate(embeddings(rows), labels, o),
    save: (dir) => indexer.save(dir),
  };
}

/**
 * The backend of a SimilarityModel: rows are raw inputs of its (single) input, embedded by the
 * model. Saves write model and index (`model.save`), so `SimilarityModel.load(dir)` reads them.
 */
export function modelBackend(model: SimilarityModel): Backend {
  const inputs = model.model.inputs;
  if (inputs.length !== 1) {
    throw invalidArgument(
      `The service serves models with one input; this model has ${inputs.length}. Serve its index with { index: model.indexer } and embed on the client instead.`,
    );
  }
  const shape = (inputs[0]?.shape ?? []).slice(1);
  if (shape.length === 0 || !shape.every((d): d is number => typeof d === 'number' && d > 0)) {
    throw invalidArgument(
      `The model input has shape [${(inputs[0]?.shape ?? []).map((d) => d ?? 'any').join(', ')}]; the service needs a fixed shape after the batch axis.`,
    );
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const x = (rows: Rows) => ({ data: rows.data, shape: [rows.rows, ...shape] });
  return {
    mode: 'model',
    layout: { key: 'inputs', shape, size },
    get indexer() {
      return model.indexer;
    },
    lookup: (rows, k) => model.lookup(x(rows), k),
    match: (rows, o) => model.match(x(rows), o),
    add: (rows, labels, data) => model.index(x(rows), labels ?? null, data ?? null),
    remove: (id) => model.indexer.remove([id]),
    calibrate: (rows, labels, o) => model.calibrate(x(rows), labels, o),
    save: (dir) => model.save(dir),
  };
}

/** Codes of failures that happen before anything is written: such a write left the index as it was. */
const NOTHING_WRITTEN = new Set([
  'INVALID_ARGUMENT',
  'DIMENSION_MISMATCH',
  'NOT_FOUND',
  'EMPTY_INDEX',
  'NOT_CALIBRATED',
  'UNSUPPORTED',
]);

/** True when a failed write may have changed the index (so it must count as a change to save). */
export function mayHaveWritten(error: unknown): boolean {
  return !(SimkitError.isInstance(error) && NOTHING_WRITTEN.has(error.code));
}
