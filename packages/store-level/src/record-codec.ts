import { type CheckedLabels, type EmbeddingBatch, SimkitError, type StoreRecord } from '@simkit/core';

/**
 * Binary layout of one record (format version 1), all integers little-endian:
 *
 * | offset  | size    | field                                          |
 * |---------|---------|------------------------------------------------|
 * | 0       | 1       | flags: bit 0 label present, bit 1 data present |
 * | 1       | 4       | label, int32 (0 when absent)                   |
 * | 5       | 4       | n = byte length of the data, uint32            |
 * | 9       | n       | data as UTF-8 JSON                             |
 * | 9 + n   | 4 × dim | embedding, float32                             |
 *
 * Keys are the id as 4 big-endian bytes, so LevelDB's byte order is id order.
 */
export const HEADER_BYTES = 9;
export const FLAG_LABEL = 1;
export const FLAG_DATA = 2;
const KNOWN_FLAGS = FLAG_LABEL | FLAG_DATA;

/** Ids are below 2^31, so every record key starts with a byte below 0x80; this key bounds the record range. */
export const RECORDS_END: Uint8Array = Uint8Array.of(0x80);

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** The 4-byte big-endian key of one id. */
export function encodeKey(id: number): Uint8Array {
  return Uint8Array.of((id >>> 24) & 0xff, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff);
}

/** Keys for many ids as views over one buffer. */
export function encodeKeys(ids: ArrayLike<number>): Uint8Array[] {
  const bytes = new Uint8Array(ids.length * 4);
  const keys = new Array<Uint8Array>(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    const o = i * 4;
    bytes[o] = (id >>> 24) & 0xff;
    bytes[o + 1] = (id >>> 16) & 0xff;
    bytes[o + 2] = (id >>> 8) & 0xff;
    bytes[o + 3] = id & 0xff;
    keys[i] = bytes.subarray(o, o + 4);
  }
  return keys;
}

/** The id of a record key; CORRUPT_INDEX for anything that is not a record key. */
export function decodeKey(key: Uint8Array): number {
  if (key.length !== 4 || (key[0] as number) >= 0x80) {
    throw corrupt(`a key of ${key.length} bytes that is not a record id`);
  }
  return (
    (((key[0] as number) << 24) | ((key[1] as number) << 16) | ((key[2] as number) << 8) | (key[3] as number)) >>> 0
  );
}

/** Encoded records: one view per record, all inside `bytes`. */
export interface EncodedRecords {
  readonly values: Uint8Array[];
  readonly bytes: Uint8Array;
}

/**
 * Encodes every row of a checked batch into one buffer — `scratch` when it is
 * large enough, else a new one — and returns one view per record. Copies the
 * embeddings, so later changes to the input do not leak in.
 */
export function encodeRecords(
  batch: EmbeddingBatch,
  labels: CheckedLabels | null,
  json: Array<string | null> | null,
  scratch?: Uint8Array,
): EncodedRecords {
  const { rows, dim, data } = batch;
  const embBytes = dim * 4;
  let capacity = 0;
  for (let i = 0; i < rows; i++) {
    const text = json?.[i];
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    capacity += HEADER_BYTES + embBytes + (text == null ? 0 : text.length * 3);
  }
  const out = scratch !== undefined && scratch.length >= capacity ? scratch : new Uint8Array(capacity);
  const source = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const view = HOST_IS_LITTLE_ENDIAN ? null : new DataView(out.buffer);
  const values = new Array<Uint8Array>(rows);
  let pos = 0;
  for (let i = 0; i < rows; i++) {
    const start = pos;
    const hasLabel = labels !== null && labels.present[i] === 1;
    const text = json?.[i] ?? null;
    const label = hasLabel ? (labels.values[i] as number) : 0;
    out[start] = (hasLabel ? FLAG_LABEL : 0) | (text === null ? 0 : FLAG_DATA);
    out[start + 1] = label & 0xff;
    out[start + 2] = (label >>> 8) & 0xff;
    out[start + 3] = (label >>> 16) & 0xff;
    out[start + 4] = (label >>> 24) & 0xff;
    let n = 0;
    if (text !== null) {
      n = utf8Encoder.encodeInto(
        text,
        out.subarray(start + HEADER_BYTES, start + HEADER_BYTES + text.length * 3),
      ).written;
    }
    out[start + 5] = n & 0xff;
    out[start + 6] = (n >>> 8) & 0xff;
    out[start + 7] = (n >>> 16) & 0xff;
    out[start + 8] = (n >>> 24) & 0xff;
    const embStart = start + HEADER_BYTES + n;
    if (view === null) {
      out.set(source.subarray(i * embBytes, (i + 1) * embBytes), embStart);
    } else {
      for (let j = 0; j < dim; j++) view.setFloat32(embStart + j * 4, data[i * dim + j] as number, true);
    }
    pos = embStart + embBytes;
    values[i] = out.subarray(start, pos);
  }
  return { values, bytes: out };
}

/** Where the parts of a stored value are, after checking that they fit together. */
interface RecordLayout {
  readonly flags: number;
  /** Byte length of the JSON data. */
  readonly n: number;
  readonly embBytes: number;
}

/** Checks the header and lengths of a stored value; `dim`, when known, must match its embedding. */
function recordLayout(id: number, value: Uint8Array, dim: number | undefined): RecordLayout {
  if (value.length < HEADER_BYTES) throw corrupt(`record ${id} is ${value.length} bytes, shorter than its header`);
  const flags = value[0] as number;
  if ((flags & ~KNOWN_FLAGS) !== 0) throw corrupt(`record ${id} has unknown flags ${flags}`);
  const n =
    ((value[5] as number) |
      ((value[6] as number) << 8) |
      ((value[7] as number) << 16) |
      ((value[8] as number) << 24)) >>>
    0;
  const embBytes = value.length - HEADER_BYTES - n;
  if (embBytes < 4 || embBytes % 4 !== 0 || (dim !== undefined && embBytes !== dim * 4)) {
    throw corrupt(`record ${id} has ${value.length} bytes, which does not fit its data length and dimension`);
  }
  if ((flags & FLAG_DATA) === 0 && n !== 0) throw corrupt(`record ${id} has ${n} data bytes but no data flag`);
  return { flags, n, embBytes };
}

function parseData(id: number, value: Uint8Array, n: number): unknown {
  try {
    return JSON.parse(utf8Decoder.decode(value.subarray(HEADER_BYTES, HEADER_BYTES + n)));
  } catch (cause) {
    throw corrupt(`record ${id} holds data that is not UTF-8 JSON`, cause);
  }
}

/**
 * Decodes one stored value. `dim`, when known, must match the stored embedding.
 * Copies the embedding bytes: values read from level may share memory and need not be 4-byte aligned.
 */
export function decodeRecord(id: number, value: Uint8Array, dim: number | undefined): StoreRecord {
  const { flags, n, embBytes } = recordLayout(id, value, dim);
  const label =
    (flags & FLAG_LABEL) === 0
      ? null
      : (value[1] as number) |
        ((value[2] as number) << 8) |
        ((value[3] as number) << 16) |
        ((value[4] as number) << 24);
  const data = (flags & FLAG_DATA) === 0 ? null : parseData(id, value, n);
  const d = embBytes / 4;
  const embedding = new Float32Array(d);
  const embStart = HEADER_BYTES + n;
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(embedding.buffer).set(value.subarray(embStart, embStart + embBytes));
  } else {
    const view = new DataView(value.buffer, value.byteOffset + embStart, embBytes);
    for (let j = 0; j < d; j++) embedding[j] = view.getFloat32(j * 4, true);
  }
  return { id, embedding, label, data };
}

/**
 * Checks a stored value exactly as decodeRecord() would read it (header, lengths, dimension,
 * UTF-8 JSON data), without building the record: used to check every record of a snapshot.
 */
export function checkRecord(id: number, value: Uint8Array, dim: number | undefined): void {
  const { flags, n } = recordLayout(id, value, dim);
  if ((flags & FLAG_DATA) !== 0) parseData(id, value, n);
}

function corrupt(what: string, cause?: unknown): SimkitError {
  return new SimkitError(
    'CORRUPT_INDEX',
    `The level store is damaged: ${what} (damaged files, or written by another program). Restore it from a saved snapshot with load(dir), or reset() it.`,
    { details: { problem: what }, ...(cause === undefined ? {} : { cause }) },
  );
}
