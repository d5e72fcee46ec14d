import { SimkitError, describe, invalidArgument } from '@simkit/core';
import { type DataType, Tensor, reshape, tensor } from '@tensorflow/tfjs-core';

/** A plain tensor description: row-major values and their shape (batch first). */
export interface TensorData {
  readonly data: Float32Array | Int32Array | ArrayLike<number>;
  readonly shape: readonly number[];
}

/** Nested arrays of numbers, batch first, e.g. `[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]`. */
export type NestedArray = ReadonlyArray<number | NestedArray>;

/**
 * What the model façade accepts as model input: a tf.Tensor, `{ data, shape }`,
 * nested arrays, or (for models with several inputs) an array of tf.Tensors.
 */
export type ModelInput = Tensor | TensorData | NestedArray | readonly Tensor[];

/** Expected shape and dtype of one model input, batch dimension first (null = any size). */
export interface InputSpec {
  readonly name: string;
  readonly shape: ReadonlyArray<number | null>;
  readonly dtype: DataType;
}

/** Model input as tensors, one per model input, all with `rows` rows. */
export interface InputTensors {
  readonly tensors: Tensor[];
  readonly rows: number;
  /** Releases the tensors this conversion created (never the caller's own tensors). */
  dispose(): void;
}

function isTensorData(x: unknown): x is TensorData {
  return (
    typeof x === 'object' &&
    x !== null &&
    !Array.isArray(x) &&
    !(x instanceof Tensor) &&
    Array.isArray((x as TensorData).shape) &&
    typeof (x as TensorData).data === 'object' &&
    (x as TensorData).data !== null
  );
}

function shapeText(shape: ReadonlyArray<number | null>): string {
  return `[${shape.map((d) => (d === null ? 'any' : String(d))).join(', ')}]`;
}

/** Walks nested arrays once: checks that they are regular and collects shape and values. */
function flattenNested(
  x: NestedArray,
  dtype: DataType,
): { values: Float32Array | Int32Array | Uint8Array; shape: number[] } {
  const shape: number[] = [];
  let probe: unknown = x;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const values =
    dtype === 'int32' ? new Int32Array(size) : dtype === 'bool' ? new Uint8Array(size) : new Float32Array(size);
  let offset = 0;
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') {
        throw invalidArgument(`Model input${path} is ${describe(node)}; expected a number.`);
      }
      values[offset++] = node;
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new SimkitError(
        'DIMENSION_MISMATCH',
        `Model input${path} has ${Array.isArray(node) ? node.length : 'no'} entries but the first row at that depth has ${shape[depth]}; nested arrays must be regular.`,
      );
    }
    for (let i = 0; i < node.length; i++) walk(node[i], depth + 1, `${path}[${i}]`);
  };
  walk(x, 0, '');
  return { values, shape };
}

function fromTensorData(x: TensorData, dtype: DataType): Tensor {
  for (const d of x.shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw invalidArgument(`Model input shape ${JSON.stringify(x.shape)} must hold integers ≥ 0.`);
    }
  }
  const size = x.shape.reduce((a, b) => a * b, 1);
  if (typeof x.data.length !== 'number' || x.data.length !== size) {
    throw new SimkitError(
      'DIMENSION_MISMATCH',
      `Model input has ${x.data.length} values but shape ${JSON.stringify(x.shape)} needs ${size}; fix data or shape.`,
    );
  }
  const values =
    x.data instanceof Float32Array || x.data instanceof Int32Array
      ? x.data
      : Float32Array.from(x.data as ArrayLike<number>);
  return tensor(values, [...x.shape], dtype);
}

/** Checks one tensor against its input spec (batch axis first, null = any size). */
function checkShape(t: Tensor, spec: InputSpec): void {
  const expected = spec.shape;
  const ok = t.shape.length === expected.length && expected.every((d, i) => d === null || d === t.shape[i]);
  if (!ok) {
    throw new SimkitError(
      'DIMENSION_MISMATCH',
      `Model input '${spec.name}' expects shape ${shapeText(expected)} (batch first) but got ${shapeText(t.shape)}; reshape the input to match the model.`,
      { details: { expected: [...expected], actual: [...t.shape] } },
    );
  }
}

/**
 * Turns model input into one tensor per model input and checks shapes.
 * With `single`, the input is one sample: its batch axis may be omitted.
 */
export function toInputTensors(x: ModelInput, specs: readonly InputSpec[], single = false): InputTensors {
  const created: Tensor[] = [];
  try {
    let parts: Array<Tensor | TensorData | NestedArray>;
    if (Array.isArray(x) && x.length > 0 && x.every((p) => p instanceof Tensor)) {
      parts = x as Tensor[];
    } else {
      parts = [x as Tensor | TensorData | NestedArray];
    }
    if (parts.length !== specs.length) {
      throw invalidArgument(
        `The model has ${specs.length} inputs (${specs.map((s) => s.name).join(', ')}) but got ${parts.length}; pass one tf.Tensor per input in an array.`,
      );
    }
    const tensors = parts.map((part, i): Tensor => {
      const spec = specs[i] as InputSpec;
      let t: Tensor;
      if (part instanceof Tensor) {
        t = part;
      } else if (isTensorData(part)) {
        t = fromTensorData(part, spec.dtype);
        created.push(t);
      } else if (Array.isArray(part)) {
        const { values, shape } = flattenNested(part as NestedArray, spec.dtype);
        t = tensor(values, shape, spec.dtype);
        created.push(t);
      } else {
        throw invalidArgument(
          `Model input must be a tf.Tensor, { data, shape }, nested arrays of numbers, or an array of tf.Tensors; got ${describe(part)}.`,
        );
      }
      if (single && t.shape.length === spec.shape.length - 1) {
        const expanded = reshape(t, [1, ...t.shape]);
        created.push(expanded);
        t = expanded;
      }
      checkShape(t, spec);
      if (single && t.shape[0] !== 1) {
        throw invalidArgument(
          `Expected a single sample but got a batch of ${t.shape[0]}; use the batch method instead.`,
        );
      }
      return t;
    });
    const rows = tensors[0]?.shape[0] ?? 0;
    tensors.forEach((t, i) => {
      if (t.shape[0] !== rows) {
        throw invalidArgument(
          `Model input ${i} has ${t.shape[0]} rows but input 0 has ${rows}; every input needs the same batch size.`,
        );
      }
    });
    return {
      tensors,
      rows,
      dispose() {
        for (const t of created) t.dispose();
      },
    };
  } catch (error) {
    for (const t of created) t.dispose();
    throw error;
  }
}

/** Turns labels given as a tf.Tensor into a plain array; other label inputs pass through. */
export async function toLabelArray<T>(labels: T | Tensor): Promise<T | number[]> {
  if (!(labels instanceof Tensor)) return labels;
  const shape = labels.shape;
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    throw invalidArgument(`Labels must be a rank-1 tensor (one integer per sample); got shape ${shapeText(shape)}.`);
  }
  return Array.from(await labels.data());
}
