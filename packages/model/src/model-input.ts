import { SimkitError, describe, invalidArgument, isNumericTypedArray } from '@simkit/core';
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

/** Deepest nesting of arrays accepted as model input (tensors of higher rank are not models' inputs). */
const MAX_RANK = 16;

type Values = Float32Array | Int32Array | Uint8Array;

/** A typed array for `size` values of `dtype`, or INVALID_ARGUMENT when it cannot be allocated. */
function allocate(size: number, dtype: DataType): Values {
  try {
    return dtype === 'int32' ? new Int32Array(size) : dtype === 'bool' ? new Uint8Array(size) : new Float32Array(size);
  } catch (cause) {
    throw new SimkitError(
      'INVALID_ARGUMENT',
      `Model input of ${size} values does not fit in memory; pass fewer samples per call.`,
      { details: { values: size }, cause },
    );
  }
}

/**
 * True if `value` is a number this dtype holds unchanged: finite for float32 (also
 * after rounding to 32 bits), an int32 for int32, 0 or 1 for bool.
 */
function fits(value: unknown, dtype: DataType): value is number {
  if (typeof value !== 'number') return false;
  if (dtype === 'int32') return Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff;
  if (dtype === 'bool') return value === 0 || value === 1;
  const f = Math.fround(value);
  // f - f is NaN exactly for NaN and ±Infinity (also after float32 overflow).
  return f - f === 0;
}

/** The error for a value that `fits` refused; `where` names its position, e.g. `[3][1]`. */
function badValue(value: unknown, dtype: DataType, where: string): SimkitError {
  if (typeof value !== 'number')
    return invalidArgument(`Model input${where} is ${describe(value)}; expected a number.`);
  const want = dtype === 'int32' ? 'an int32 integer' : dtype === 'bool' ? '0 or 1' : 'a finite 32-bit float';
  return invalidArgument(`Model input${where} is ${value}; this model input (${dtype}) needs ${want}.`);
}

/** Walks nested arrays once: checks that they are regular and collects shape and values. */
function flattenNested(x: NestedArray, dtype: DataType): { values: Values; shape: number[] } {
  const shape: number[] = [];
  let probe: unknown = x;
  while (Array.isArray(probe)) {
    if (shape.length === MAX_RANK) {
      throw invalidArgument(`Model input is nested more than ${MAX_RANK} arrays deep; no model takes such an input.`);
    }
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const values = allocate(
    shape.reduce((a, b) => a * b, 1),
    dtype,
  );
  // The indices down to the current node; a path text is built only for an error.
  const at: number[] = [];
  const where = (last?: number) => [...at, ...(last === undefined ? [] : [last])].map((i) => `[${i}]`).join('');
  let offset = 0;
  const walk = (node: unknown, depth: number): void => {
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new SimkitError(
        'DIMENSION_MISMATCH',
        `Model input${where()} has ${Array.isArray(node) ? node.length : 'no'} entries but the first row at that depth has ${shape[depth]}; nested arrays must be regular.`,
      );
    }
    if (depth === shape.length - 1) {
      for (let i = 0; i < node.length; i++) {
        const v: unknown = node[i];
        if (!fits(v, dtype)) throw badValue(v, dtype, where(i));
        values[offset++] = v;
      }
      return;
    }
    for (let i = 0; i < node.length; i++) {
      at.push(i);
      walk(node[i], depth + 1);
      at.pop();
    }
  };
  walk(x, 0);
  return { values, shape };
}

function fromTensorData(x: TensorData, dtype: DataType): Tensor {
  if (x.shape.length > MAX_RANK) {
    throw invalidArgument(`Model input shape ${JSON.stringify(x.shape)} has more than ${MAX_RANK} dimensions.`);
  }
  for (const d of x.shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > 0x7fffffff) {
      throw invalidArgument(`Model input shape ${JSON.stringify(x.shape)} must hold integers from 0 to 2^31 − 1.`);
    }
  }
  const data: unknown = x.data;
  if (!Array.isArray(data) && !isNumericTypedArray(data)) {
    throw invalidArgument(
      `Model input data must be an array of numbers or a numeric typed array (Float32Array is best); got ${describe(data)}.`,
    );
  }
  const size = x.shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) {
    throw new SimkitError(
      'DIMENSION_MISMATCH',
      `Model input has ${data.length} values but shape ${JSON.stringify(x.shape)} needs ${size}; fix data or shape.`,
    );
  }
  let values: Values;
  if ((data instanceof Float32Array && dtype === 'float32') || (data instanceof Int32Array && dtype === 'int32')) {
    values = data;
    if (data instanceof Float32Array) {
      for (let i = 0; i < data.length; i++) {
        const v = data[i] as number;
        if (v - v !== 0)
          throw invalidArgument(`Model input data[${i}] is ${v}; this model input needs finite numbers.`);
      }
    }
  } else {
    values = allocate(size, dtype);
    for (let i = 0; i < size; i++) {
      const v: unknown = data[i];
      if (!fits(v, dtype)) throw badValue(v, dtype, ` data[${i}]`);
      values[i] = v;
    }
  }
  return tensor(values, [...x.shape], dtype);
}

/** Refuses a tensor the caller has disposed, and dtypes no model input takes. */
function checkTensor(t: Tensor, index: number): void {
  if (t.isDisposed) {
    throw invalidArgument(
      `Model input ${index}: the tensor was disposed; pass a live tensor and dispose it only after the call has finished.`,
    );
  }
  if (t.dtype === 'string' || t.dtype === 'complex64') {
    throw invalidArgument(`Model input ${index} has dtype ${t.dtype}; pass a float32, int32 or bool tensor.`);
  }
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
        checkTensor(part, i);
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
  if (labels.isDisposed) {
    throw invalidArgument('Labels: the tensor was disposed; pass a live tensor and dispose it only after the call.');
  }
  if (labels.dtype !== 'int32' && labels.dtype !== 'float32') {
    throw invalidArgument(`Labels must be an int32 or float32 tensor of integers; got dtype ${labels.dtype}.`);
  }
  const shape = labels.shape;
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    throw invalidArgument(`Labels must be a rank-1 tensor (one integer per sample); got shape ${shapeText(shape)}.`);
  }
  return Array.from(await labels.data());
}
