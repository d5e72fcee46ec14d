import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type EmbeddingBatch,
  type Logger,
  type ProgressHandler,
  SAVE_MANIFEST,
  SimkitError,
  batch,
} from '@simkit/core';
import { INDEX_SAVE_KIND, Indexer } from '@simkit/indexer';
import type { SimilarityModel } from '@simkit/model';
import { loadRegistry } from './backends.js';
import type { Rows } from './inputs.js';

const MODEL_SAVE_KIND = 'similarity-model';

/** A saved index opened by a command: an index of embeddings, or a SimilarityModel with its index. */
export interface OpenedIndex {
  readonly kind: 'index' | 'model';
  readonly dir: string;
  readonly indexer: Indexer;
  /** Set for a model save. */
  readonly model?: SimilarityModel;
  /** Embeddings for input rows: the rows themselves for an index, the model's embeddings for a model. */
  embed(rows: Rows): Promise<EmbeddingBatch>;
  /** Saves the index back to `dir` (a model save keeps its model files). */
  save(): Promise<void>;
  /** Releases what the backends opened (level working copies, native indexes). */
  close(): Promise<void>;
}

/** The kind recorded in a save's manifest, or undefined when `dir` holds no simkit save. */
export async function savedKind(dir: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, SAVE_MANIFEST), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new SimkitError('IO_ERROR', `${dir}: cannot be read (${code ?? String(error)}).`, { cause: error });
  }
  try {
    const kind = (JSON.parse(text) as { kind?: unknown }).kind;
    return typeof kind === 'string' ? kind : undefined;
  } catch {
    return 'unreadable';
  }
}

/** Loads tfjs (layers and the fastest backend that starts) and a SimilarityModel saved in `dir`. */
export async function loadModel(dir: string, logger: Logger, withIndex = true): Promise<SimilarityModel> {
  const model = await import('@simkit/model');
  await import('@tensorflow/tfjs-layers');
  await model.selectBackend({ logger });
  return model.SimilarityModel.load(dir, await loadRegistry(), { logger, loadIndex: withIndex });
}

/** Opens the index saved in `dir`: by `Indexer.save`, `simkit index`, or a SimilarityModel's `save`. */
export async function openIndex(
  dir: string,
  options: { logger: Logger; onProgress: ProgressHandler },
): Promise<OpenedIndex> {
  const kind = await savedKind(dir);
  if (kind === MODEL_SAVE_KIND) {
    const model = await loadModel(dir, options.logger);
    if (!model.hasIndex) {
      throw new SimkitError(
        'NOT_FOUND',
        `The model saved in '${dir}' has no index; index inputs with 'simkit index --model ${dir}'.`,
      );
    }
    return fromModel(model, dir);
  }
  if (kind !== undefined && kind !== INDEX_SAVE_KIND) {
    throw new SimkitError('CORRUPT_INDEX', `'${dir}' holds a simkit save of kind '${kind}', not an index or a model.`);
  }
  if (kind === undefined) {
    throw new SimkitError(
      'NOT_FOUND',
      `'${dir}' holds no simkit index (no ${SAVE_MANIFEST}); make one with 'simkit index <embeddings> --out ${dir}'.`,
      { details: { dir } },
    );
  }
  const indexer = await Indexer.load(dir, await loadRegistry(), options);
  return fromIndexer(indexer, dir);
}

/** An opened index of embeddings: input rows are the embeddings. */
export function fromIndexer(indexer: Indexer, dir: string): OpenedIndex {
  return {
    kind: 'index',
    dir,
    indexer,
    embed: async (rows) => {
      if (rows.width !== indexer.embeddingSize) {
        throw new SimkitError(
          'DIMENSION_MISMATCH',
          `${rows.source}: rows have ${rows.width} values but the index in '${dir}' holds embeddings of dimension ${indexer.embeddingSize}.`,
        );
      }
      return batch(rows.values, rows.width);
    },
    save: () => indexer.save(dir),
    close: () => indexer.close(),
  };
}

/** An opened model save: input rows are raw model inputs, embedded by the model. */
export function fromModel(model: SimilarityModel, dir: string): OpenedIndex {
  const inputShape = (model.model.inputs[0]?.shape ?? []).slice(1) as Array<number | null>;
  return {
    kind: 'model',
    dir,
    model,
    indexer: model.indexer,
    embed: async (rows) => {
      const fixed = inputShape.every((d): d is number => d !== null);
      const size = fixed ? inputShape.reduce<number>((a, b) => a * (b as number), 1) : rows.width;
      if (rows.width !== size) {
        throw new SimkitError(
          'DIMENSION_MISMATCH',
          `${rows.source}: rows have ${rows.width} values but the model in '${dir}' takes inputs of shape [${inputShape.join(', ')}] (${size} values).`,
        );
      }
      const shape = fixed ? [rows.rows, ...inputShape] : [rows.rows, ...rows.rowShape];
      return model.embed({ data: rows.values, shape: shape as number[] });
    },
    save: () => model.saveIndex(dir),
    close: async () => {
      await model.indexer.close();
      model.model.dispose();
    },
  };
}
