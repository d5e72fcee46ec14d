import { type EmbeddingBatch, type ProgressHandler, SimkitError } from '@simkit/core';
import { type Tensor, clone, slice, tidy } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { InputTensors } from './model-input.js';

export interface EmbedOptions {
  /** Rows per forward pass. */
  readonly batchSize: number;
  /** Which model output holds the embeddings. */
  readonly outputIndex: number;
  /** Embedding size the caller expects (checked against the model output). */
  readonly dim: number;
  readonly onProgress: ProgressHandler;
  /** Progress task name, e.g. `embed`. */
  readonly task?: string;
}

/**
 * Runs the model over `inputs` in batches and copies the chosen output into one
 * row-major Float32Array. Every intermediate tensor is released batch by batch.
 */
export async function embedInBatches(
  model: LayersModel,
  inputs: InputTensors,
  options: EmbedOptions,
): Promise<EmbeddingBatch> {
  const { batchSize, outputIndex, dim, onProgress } = options;
  const task = options.task ?? 'embed';
  const rows = inputs.rows;
  const out = new Float32Array(rows * dim);
  for (let start = 0; start < rows; start += batchSize) {
    if (inputs.tensors.some((t) => t.isDisposed)) {
      throw new SimkitError(
        'INVALID_ARGUMENT',
        'A model input tensor was disposed while the model was running on it (the tensor was disposed); dispose input tensors only after the call has finished.',
      );
    }
    const size = Math.min(batchSize, rows - start);
    const head = tidy(() => {
      const batch =
        start === 0 && size === rows ? inputs.tensors : inputs.tensors.map((t) => slice(t, [start], [size]));
      const prediction = model.predict(batch.length === 1 ? (batch[0] as Tensor) : batch, { batchSize: size });
      const outputs = Array.isArray(prediction) ? prediction : [prediction];
      const chosen = outputs[outputIndex];
      if (chosen === undefined) {
        throw new SimkitError(
          'INVALID_ARGUMENT',
          `embeddingOutput ${outputIndex} does not exist: the model returned ${outputs.length} output(s).`,
        );
      }
      // A model whose output is its input would hand back the caller's tensor; copy it instead.
      return inputs.tensors.includes(chosen) ? clone(chosen) : chosen;
    });
    try {
      if (head.shape.length !== 2 || head.shape[1] !== dim || head.shape[0] !== size) {
        throw new SimkitError(
          'DIMENSION_MISMATCH',
          `The embedding output has shape [${head.shape.join(', ')}] but the index expects [${size}, ${dim}]; the model must output (batch, ${dim}) embeddings.`,
        );
      }
      const values = await head.data();
      out.set(values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>), start * dim);
    } finally {
      head.dispose();
    }
    onProgress({ task, done: start + size, total: rows });
  }
  return { data: out, rows, dim };
}
