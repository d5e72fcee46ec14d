import { type CheckedLabels, type EmbeddingBatch, SimkitError, type StoreRecord, dataToJson } from '@simkit/core';

/** One argument of a Redis command: text, or bytes sent as they are. */
export type Arg = string | Buffer;

/**
 * How one record is stored: a hash at `{prefix}:r:<id>` with
 *
 * | field | value                                                        |
 * |-------|--------------------------------------------------------------|
 * | `e`   | the embedding: `4 × dim` bytes, float32 little-endian         |
 * | `l`   | the label as a decimal integer; absent when there is none    |
 * | `d`   | the data as UTF-8 JSON; absent when there is none            |
 */
export const RECORD_FIELDS = ['e', 'l', 'd'] as const;

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const LABEL_MAX = 0x7fffffff;
const INTEGER = /^-?(0|[1-9]\d{0,9})$/;

/** A checked batch in the form it is sent: copied, so the caller may change its arrays at once. */
export interface EncodedBatch {
  readonly rows: number;
  readonly dim: number;
  /** Every embedding, float32 little-endian, row after row. */
  readonly embeddings: Buffer;
  readonly labels: Array<string | null> | null;
  readonly json: Array<string | null> | null;
}

/** Copies a checked batch into the bytes and strings that go to Redis. */
export function encodeBatch(
  batch: EmbeddingBatch,
  labels: CheckedLabels | null,
  data: ArrayLike<unknown> | null,
): EncodedBatch {
  const { rows, dim } = batch;
  const embeddings = Buffer.allocUnsafe(rows * dim * 4);
  if (HOST_IS_LITTLE_ENDIAN) {
    embeddings.set(new Uint8Array(batch.data.buffer, batch.data.byteOffset, rows * dim * 4));
  } else {
    for (let i = 0; i < rows * dim; i++) embeddings.writeFloatLE(batch.data[i] as number, i * 4);
  }
  let labelText: Array<string | null> | null = null;
  if (labels !== null) {
    labelText = new Array<string | null>(rows);
    for (let i = 0; i < rows; i++) labelText[i] = labels.present[i] === 1 ? String(labels.values[i]) : null;
  }
  return { rows, dim, embeddings, labels: labelText, json: dataToJson(data, rows) };
}

/** The HSET that writes row `i` of `batch` under `key`. */
export function recordCommand(key: string, batch: EncodedBatch, i: number): Arg[] {
  const bytes = batch.dim * 4;
  const args: Arg[] = ['HSET', key, 'e', batch.embeddings.subarray(i * bytes, (i + 1) * bytes)];
  const label = batch.labels?.[i] ?? null;
  if (label !== null) args.push('l', label);
  const json = batch.json?.[i] ?? null;
  if (json !== null) args.push('d', json);
  return args;
}

/** A CORRUPT_INDEX naming the damaged key and saying what to do. */
export function damaged(key: string, what: string, cause?: unknown): SimkitError {
  return new SimkitError(
    'CORRUPT_INDEX',
    `The Redis key ${key} is damaged: ${what}. It was changed by another program; delete the record, or reset() the index and add the records again.`,
    { details: { key, problem: what }, ...(cause === undefined ? {} : { cause }) },
  );
}

/** A reply field as bytes: a Buffer, or null when the field is absent. */
function bytesOf(value: unknown, key: string, field: string): Buffer | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  throw damaged(key, `field '${field}' did not come back as a string`);
}

/**
 * Decodes the `HMGET key e l d` reply of a record, checking every part: the embedding has
 * exactly `dim` finite float32 values, the label is an int32, the data is UTF-8 JSON.
 * Returns undefined when the record does not exist (no embedding).
 */
export function decodeRecord(id: number, key: string, reply: unknown, dim: number | null): StoreRecord | undefined {
  if (!Array.isArray(reply) || reply.length !== RECORD_FIELDS.length) {
    throw damaged(key, 'it cannot be read as a record hash');
  }
  const e = bytesOf(reply[0], key, 'e');
  const l = bytesOf(reply[1], key, 'l');
  const d = bytesOf(reply[2], key, 'd');
  if (e === null) {
    if (l !== null || d !== null) throw damaged(key, "it has a label or data but no embedding (field 'e')");
    return undefined;
  }
  if (dim === null) throw damaged(key, 'it exists although the index has no dimension yet');
  if (e.length !== dim * 4) {
    throw damaged(key, `its embedding has ${e.length} bytes, but the index has dimension ${dim} (${dim * 4} bytes)`);
  }
  const embedding = new Float32Array(dim);
  if (HOST_IS_LITTLE_ENDIAN) new Uint8Array(embedding.buffer).set(e);
  else for (let j = 0; j < dim; j++) embedding[j] = e.readFloatLE(j * 4);
  for (let j = 0; j < dim; j++) {
    const v = embedding[j] as number;
    if (v - v !== 0) throw damaged(key, `its embedding holds ${v} at position ${j}`);
  }
  let label: number | null = null;
  if (l !== null) {
    const text = l.toString('latin1');
    const value = INTEGER.test(text) ? Number(text) : Number.NaN;
    if (!(Math.abs(value) <= LABEL_MAX)) throw damaged(key, `its label ${JSON.stringify(text)} is not an int32`);
    label = value;
  }
  let data: unknown = null;
  if (d !== null) {
    try {
      data = JSON.parse(utf8.decode(d));
    } catch (cause) {
      throw damaged(key, 'its data is not UTF-8 JSON', cause);
    }
  }
  return { id, embedding, label, data };
}
