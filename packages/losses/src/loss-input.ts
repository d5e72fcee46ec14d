import { describe, invalidArgument, SimkitError } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';

const LABEL_MAX = 0x7fffffff;

/** Labels as accepted by a loss: a tensor [B] or [B, 1], or a plain array of B integers. */
export type LabelsLike = tf.Tensor | ArrayLike<number>;

/** Checks embeddings: a float32 tf.Tensor2D [B, D] with B ≥ 1 and D ≥ 1. */
export function checkEmbeddings(embeddings: unknown, loss: string): asserts embeddings is tf.Tensor2D {
  if (!(embeddings instanceof tf.Tensor)) {
    throw invalidArgument(`${loss}: embeddings must be a tf.Tensor2D [batch, dim]; got ${describe(embeddings)}.`);
  }
  if (embeddings.rank !== 2) {
    throw invalidArgument(
      `${loss}: embeddings have shape [${embeddings.shape.join(', ')}]; pass a rank-2 tensor [batch, dim] (flatten or reshape the model output).`,
    );
  }
  if (embeddings.dtype !== 'float32') {
    throw invalidArgument(`${loss}: embeddings have dtype ${embeddings.dtype}; cast them with tf.cast(x, 'float32').`);
  }
  const [rows, dim] = embeddings.shape as [number, number];
  if (rows === 0 || dim === 0) {
    throw invalidArgument(
      `${loss}: embeddings have shape [${rows}, ${dim}]; a batch needs at least one embedding of at least one value.`,
    );
  }
}

/**
 * Reads and checks the labels of a batch of `rows` embeddings: integers, one per
 * row. Shape [B] or [B, 1]; with `allowTiled`, also [B, k] whose rows each repeat
 * one label (tfjs-layers hands the loss targets shaped like the model output).
 */
export function readLabels(labels: unknown, rows: number, loss: string, allowTiled = false): Int32Array {
  let values: ArrayLike<number>;
  let width = 1;
  if (labels instanceof tf.Tensor) {
    if (labels.dtype !== 'int32' && labels.dtype !== 'float32') {
      throw invalidArgument(
        `${loss}: labels have dtype ${labels.dtype}; pass integer class labels as int32 (or float32).`,
      );
    }
    const shape = labels.shape;
    const tiled = shape.length === 2 && allowTiled;
    if (!(shape.length === 1 || (shape.length === 2 && (shape[1] === 1 || tiled)))) {
      throw invalidArgument(
        `${loss}: labels have shape [${shape.join(', ')}]; pass one integer label per embedding, shaped [batch] or [batch, 1].`,
      );
    }
    if (shape[0] !== rows) {
      throw new SimkitError(
        'DIMENSION_MISMATCH',
        `${loss}: got ${shape[0]} labels for ${rows} embeddings; pass exactly one label per embedding.`,
        { details: { expected: rows, actual: shape[0] } },
      );
    }
    width = shape.length === 2 ? (shape[1] as number) : 1;
    if (width === 0) throw invalidArgument(`${loss}: labels have shape [${shape.join(', ')}]; each row needs a label.`);
    values = labels.dataSync();
  } else if (
    labels !== null &&
    typeof labels === 'object' &&
    typeof (labels as ArrayLike<number>).length === 'number'
  ) {
    values = labels as ArrayLike<number>;
    if (values.length !== rows) {
      throw new SimkitError(
        'DIMENSION_MISMATCH',
        `${loss}: got ${values.length} labels for ${rows} embeddings; pass exactly one label per embedding.`,
        { details: { expected: rows, actual: values.length } },
      );
    }
  } else {
    throw invalidArgument(`${loss}: labels must be a tf.Tensor or an array of integers; got ${describe(labels)}.`);
  }
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const v = values[r * width];
    if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > LABEL_MAX) {
      throw invalidArgument(
        `${loss}: label ${describe(v)} at row ${r} is not an integer; losses need integer class labels (map class names to integers first).`,
        { row: r },
      );
    }
    for (let k = 1; k < width; k++) {
      if (values[r * width + k] !== v) {
        throw invalidArgument(
          `${loss}: target row ${r} holds different values; with targets shaped like the model output, repeat each label across its row (tf.tile(labels, [1, dim])).`,
          { row: r },
        );
      }
    }
    out[r] = v;
  }
  return out;
}

/** Checks a finite number option. */
export function finiteOption(value: unknown, name: string, loss: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidArgument(`${loss}: ${name} must be a finite number; got ${describe(value)}.`);
  }
  return value;
}

/** Checks a finite number option > 0. */
export function positiveOption(value: unknown, name: string, loss: string): number {
  const v = finiteOption(value, name, loss);
  if (v <= 0) throw invalidArgument(`${loss}: ${name} must be > 0; got ${v}.`);
  return v;
}

/** Checks a string option against its allowed values. */
export function choiceOption<T extends string>(value: unknown, allowed: readonly T[], name: string, loss: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidArgument(
      `${loss}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}; got ${describe(value)}.`,
    );
  }
  return value as T;
}

/**
 * Checks a loss's options object and returns its name: `options.name`, else `defaultName`.
 * INVALID_ARGUMENT when the options are not an object or the name is not a non-empty string.
 */
export function lossName(options: unknown, defaultName: string): string {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument(`${defaultName}: options must be an object; got ${describe(options)}.`);
  }
  const name = (options as { name?: unknown }).name ?? defaultName;
  if (typeof name !== 'string' || name.length === 0) {
    throw invalidArgument(`${defaultName}: name must be a non-empty string; got ${describe(name)}.`);
  }
  return name;
}
