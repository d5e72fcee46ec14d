import { SimkitError, openSave, writeSave } from '@simkit/core';
import { type NpyArray, type NpyDtype, decodeNpy, npyDataBytes, npyHeader } from './npy-codec.js';
import { InflateError, MAX_INFLATE_RATIO, gunzipExactly, gzip, nodeIo, writeFileParts } from './node-io.js';

/** How a MemoryStore save writes its files: plain, or gzipped. */
export type Compression = 'none' | 'gzip';

/** Everything a saved store holds: the live records in id order, plus the next id to assign. */
export interface StoreSnapshot {
  readonly dim: number | undefined;
  readonly nextId: number;
  /** Live ids, strictly increasing, all below `nextId`. */
  readonly ids: Int32Array;
  /** `ids.length` × `dim` floats, row-major. */
  readonly embeddings: Float32Array;
  readonly labels: Int32Array;
  /** 1 where the record has a label. */
  readonly labelMask: Uint8Array;
  /** JSON text of each record's data, null for none. */
  readonly data: ReadonlyArray<string | null>;
}

/** The `kind` of a MemoryStore save in the core manifest. */
export const SAVE_KIND = 'memory-store';
/** The store's own metadata, one of the files of the save. */
export const STORE_META_FILE = 'store.json';
const FORMAT = 'simkit-memory-store';
export const FORMAT_VERSION = 1;
/** store.json is a few hundred bytes; anything much bigger is not one. */
const MAX_META_BYTES = 64 * 1024;
/** Ids are int32. */
const MAX_IDS = 0x7fffffff;

const BASE_NAMES = ['embeddings.npy', 'ids.npy', 'labels.npy', 'label_mask.npy', 'data.jsonl'] as const;
type BaseName = (typeof BASE_NAMES)[number];

function fileName(base: BaseName, compression: Compression): string {
  return compression === 'gzip' ? `${base}.gz` : base;
}

interface StoreMeta {
  readonly format: string;
  readonly format_version: number;
  readonly dim: number | null;
  readonly size: number;
  readonly next_id: number;
  readonly compression: Compression;
  /** Length of `data.jsonl` before compression, so loading knows how much it may inflate. */
  readonly data_bytes: number;
}

/**
 * Saves a snapshot into `dir` with core's atomic save (kind `memory-store`): NumPy `.npy`
 * arrays, `data.jsonl` and `store.json` go into a fresh generation directory, and the
 * manifest that names them (with their sizes and SHA-256) is committed last.
 */
export async function writeStoreDirectory(
  dir: string,
  snapshot: StoreSnapshot,
  compression: Compression,
): Promise<void> {
  const io = await nodeIo();
  const n = snapshot.ids.length;
  const data = jsonLines(snapshot.data);
  const contents: Record<BaseName, Uint8Array[]> = {
    'embeddings.npy': npyParts('float32', [n, snapshot.dim ?? 0], snapshot.embeddings),
    'ids.npy': npyParts('int32', [n], snapshot.ids),
    'labels.npy': npyParts('int32', [n], snapshot.labels),
    'label_mask.npy': npyParts('bool', [n], snapshot.labelMask),
    'data.jsonl': data,
  };
  const meta: StoreMeta = {
    format: FORMAT,
    format_version: FORMAT_VERSION,
    dim: snapshot.dim ?? null,
    size: n,
    next_id: snapshot.nextId,
    compression,
    data_bytes: data.reduce((sum, part) => sum + part.length, 0),
  };
  // OS failures propagate unchanged; writeSave turns them into IO_ERROR and keeps the previous save.
  await writeSave(dir, SAVE_KIND, async (gen) => {
    for (const base of BASE_NAMES) {
      const parts = compression === 'gzip' ? [await gzip(io, contents[base])] : contents[base];
      await writeFileParts(io, io.path.join(gen, fileName(base, compression)), parts, { exclusive: true });
    }
    await writeFileParts(io, io.path.join(gen, STORE_META_FILE), [Buffer.from(`${JSON.stringify(meta, null, 2)}\n`)], {
      exclusive: true,
    });
  });
}

type Corrupt = (problem: string, cause?: unknown) => SimkitError;
/** Looks at a piece of a file's content at `offset`; returns a problem to stop reading. */
type ChunkCheck = (chunk: Uint8Array, offset: number) => string | undefined;

/**
 * Reads and checks what `writeStoreDirectory` saved. The core manifest vouches for each
 * file's size and checksum (and refuses links, FIFOs and devices); on top of that, every
 * count in `store.json` is checked against the sizes the files really have before
 * anything is allocated, and gzipped files may inflate only to the size they must have.
 * Anything inconsistent fails with CORRUPT_INDEX; nothing is returned half-read.
 */
export async function readStoreDirectory(dir: string): Promise<StoreSnapshot> {
  const io = await nodeIo();
  const corrupt: Corrupt = (problem, cause) =>
    new SimkitError('CORRUPT_INDEX', `The store saved in ${dir} cannot be loaded: ${problem}`, {
      details: { dir },
      ...(cause === undefined ? {} : { cause }),
    });
  const opened = await openSave(dir, SAVE_KIND);
  let raw: unknown;
  try {
    raw = JSON.parse(await opened.readText(STORE_META_FILE, { maxBytes: MAX_META_BYTES }));
  } catch (cause) {
    if (SimkitError.isInstance(cause)) throw cause;
    throw corrupt(`${STORE_META_FILE} is not valid JSON.`, cause);
  }
  const meta = checkMeta(raw, corrupt);
  const n = meta.size;
  const dim = meta.dim ?? 0;
  const gz = meta.compression === 'gzip';

  // What each file must inflate to, from store.json alone; checked against the saved sizes first.
  const expected: Record<BaseName, number> = {
    'ids.npy': npySize('int32', [n]),
    'label_mask.npy': npySize('bool', [n]),
    'labels.npy': npySize('int32', [n]),
    'embeddings.npy': npySize('float32', [n, dim]),
    'data.jsonl': meta.data_bytes,
  };
  // The shortest line is one character and a newline.
  if (meta.data_bytes < 2 * n) {
    throw corrupt(`${STORE_META_FILE} says data.jsonl has ${meta.data_bytes} bytes, too few for ${n} lines.`);
  }
  for (const base of BASE_NAMES) {
    const name = fileName(base, meta.compression);
    const saved = opened.files.get(name)?.bytes;
    if (saved === undefined) throw corrupt(`${name} is missing from the save (its manifest does not list it).`);
    const want = expected[base];
    if (!gz && want !== saved) {
      throw corrupt(
        `${name} has ${saved} bytes but ${STORE_META_FILE} (size ${n}, dim ${dim}) says it should have ${want}.`,
      );
    }
    if (gz && want > saved * MAX_INFLATE_RATIO) {
      throw corrupt(
        `${name} has ${saved} bytes, too few to inflate to the ${want} bytes that ${STORE_META_FILE} (size ${n}, dim ${dim}) says it holds.`,
      );
    }
  }

  const read = async (base: BaseName, check?: ChunkCheck) => {
    const name = fileName(base, meta.compression);
    const want = expected[base];
    const bytes = await opened.read(name, { maxBytes: gz ? gzipBound(want) : want });
    if (!gz) {
      const problem = check?.(bytes, 0);
      if (problem !== undefined) throw corrupt(`${name}: ${problem}.`);
      return bytes;
    }
    try {
      return await gunzipExactly(io, bytes, want, check);
    } catch (cause) {
      if (cause instanceof InflateError) throw corrupt(`${name}: ${cause.message}.`, cause);
      throw tooLarge(want, cause);
    }
  };

  const array = async (
    base: BaseName,
    dtype: NpyDtype,
    shape: readonly number[],
    check?: ChunkCheck,
  ): Promise<NpyArray> => {
    const name = fileName(base, meta.compression);
    const bytes = await read(base, check);
    let arr: NpyArray;
    try {
      arr = decodeNpy(bytes, name);
    } catch (cause) {
      // Inside a save, a dtype or layout this reader does not handle is damage too.
      throw corrupt(cause instanceof Error ? cause.message : String(cause), cause);
    }
    if (arr.dtype !== dtype || arr.shape.length !== shape.length || arr.shape.some((d, i) => d !== shape[i])) {
      throw corrupt(
        `${name} holds ${arr.dtype} of shape (${arr.shape.join(', ')}) but ${STORE_META_FILE} needs ${dtype} of shape (${shape.join(', ')}).`,
      );
    }
    return arr;
  };

  // Ids first, checked while they inflate: a store.json that claims many records must come with as many real ids.
  const ids = (await array('ids.npy', 'int32', [n], increasingIds(expected['ids.npy'] - 4 * n, meta.next_id)))
    .data as Int32Array;
  const labelMask = (await array('label_mask.npy', 'bool', [n])).data as Uint8Array;
  for (let i = 0; i < n; i++) {
    if (labelMask[i] !== 0 && labelMask[i] !== 1) throw corrupt(`label_mask.npy entry ${i} is not a bool.`);
  }
  const labels = (await array('labels.npy', 'int32', [n])).data as Int32Array;
  const embeddings = (await array('embeddings.npy', 'float32', [n, dim])).data as Float32Array;
  for (let i = 0; i < embeddings.length; i++) {
    const v = embeddings[i] as number;
    if (v - v !== 0) {
      throw corrupt(`embeddings.npy holds ${v} at row ${Math.floor(i / dim)}; embeddings must be finite.`);
    }
  }
  const dataName = fileName('data.jsonl', meta.compression);
  const data = parseJsonLines(await read('data.jsonl', atMostLines(n)), n, dataName, corrupt);
  return { dim: meta.dim ?? undefined, nextId: meta.next_id, ids, embeddings, labels, labelMask, data };
}

/** A check for streamed `ids.npy` bytes: after the header, int32 ids must increase and stay below `nextId`. */
function increasingIds(headerBytes: number, nextId: number): ChunkCheck {
  let previous = -1;
  let index = 0;
  let id = 0;
  let shift = 0;
  return (chunk, offset) => {
    for (let i = Math.max(0, headerBytes - offset); i < chunk.length; i++) {
      id |= (chunk[i] as number) << shift;
      shift += 8;
      if (shift < 32) continue;
      if (id <= previous || id >= nextId) {
        return `ids must increase and stay below next_id=${nextId}; entry ${index} is ${id} after ${previous}`;
      }
      previous = id;
      index++;
      id = 0;
      shift = 0;
    }
    return undefined;
  };
}

/** A check for streamed `data.jsonl` bytes: no more than `n` lines. */
function atMostLines(n: number): ChunkCheck {
  let lines = 0;
  return (chunk) => {
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x0a) lines++;
    return lines > n ? `it has more than the ${n} lines ${STORE_META_FILE} announces` : undefined;
  };
}

/** Size of the `.npy` file this package writes for an array of this dtype and shape. */
function npySize(dtype: 'int32' | 'float32' | 'bool', shape: readonly number[]): number {
  const itemSize = dtype === 'bool' ? 1 : 4;
  return npyHeader(dtype, shape).length + shape.reduce((a, b) => a * b, 1) * itemSize;
}

/** More than gzip can ever need for `bytes` of input (zlib's deflateBound plus the gzip wrapper, rounded up). */
function gzipBound(bytes: number): number {
  return bytes + Math.ceil(bytes / 1024) + 1024;
}

function tooLarge(bytes: number, cause: unknown): SimkitError {
  return new SimkitError(
    'UNSUPPORTED',
    `Cannot allocate ${bytes} bytes to load the MemoryStore; the data is too large for memory. Use @simkit/store-level for large collections.`,
    { cause },
  );
}

function checkMeta(raw: unknown, corrupt: Corrupt): StoreMeta {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw corrupt(`${STORE_META_FILE} is not an object.`);
  }
  const m = raw as Record<string, unknown>;
  if (m.format !== FORMAT) {
    throw corrupt(`${STORE_META_FILE} is not a MemoryStore save (format ${JSON.stringify(m.format)}).`);
  }
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_IDS;
  if (!isCount(m.format_version) || m.format_version < 1) {
    throw corrupt(`${STORE_META_FILE} has no valid format_version.`);
  }
  if (m.format_version > FORMAT_VERSION) {
    throw new SimkitError(
      'UNSUPPORTED',
      `This store was saved in format version ${m.format_version}, newer than this package reads (${FORMAT_VERSION}); upgrade @simkit/store-memory.`,
    );
  }
  if (!isCount(m.size)) throw corrupt(`${STORE_META_FILE} has no valid size.`);
  if (!isCount(m.next_id) || m.next_id < m.size) {
    throw corrupt(`${STORE_META_FILE} has next_id ${JSON.stringify(m.next_id)}, which must be an integer ≥ size.`);
  }
  if (m.dim === null ? m.size > 0 : !isCount(m.dim) || m.dim === 0) {
    throw corrupt(
      `${STORE_META_FILE} has dim ${JSON.stringify(m.dim)}; a store with records needs an integer dim ≥ 1.`,
    );
  }
  if (m.compression !== 'none' && m.compression !== 'gzip') {
    throw corrupt(`${STORE_META_FILE} has compression ${JSON.stringify(m.compression)}; expected 'none' or 'gzip'.`);
  }
  if (typeof m.data_bytes !== 'number' || !Number.isSafeInteger(m.data_bytes) || m.data_bytes < 0) {
    throw corrupt(`${STORE_META_FILE} has no valid data_bytes.`);
  }
  return {
    format: FORMAT,
    format_version: m.format_version,
    dim: m.dim as number | null,
    size: m.size,
    next_id: m.next_id,
    compression: m.compression,
    data_bytes: m.data_bytes,
  };
}

function npyParts(
  dtype: NpyDtype,
  shape: readonly number[],
  data: Float32Array | Int32Array | Uint8Array,
): Uint8Array[] {
  return [npyHeader(dtype, shape), npyDataBytes(data)];
}

/** One JSON value per line, `null` for none; chunked so no single string gets huge. */
function jsonLines(data: ReadonlyArray<string | null>): Uint8Array[] {
  const parts: Uint8Array[] = [];
  const chunk = 4096;
  for (let start = 0; start < data.length; start += chunk) {
    let text = '';
    const end = Math.min(data.length, start + chunk);
    for (let i = start; i < end; i++) text += `${data[i] ?? 'null'}\n`;
    parts.push(Buffer.from(text, 'utf8'));
  }
  return parts;
}

function parseJsonLines(bytes: Uint8Array, n: number, name: string, corrupt: Corrupt): Array<string | null> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Array<string | null> = [];
  let start = 0;
  while (start < buf.length) {
    let end = buf.indexOf(0x0a, start);
    if (end === -1) end = buf.length;
    if (out.length === n) throw corrupt(`${name} has more than the ${n} lines ${STORE_META_FILE} announces.`);
    const line = buf.toString('utf8', start, end);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw corrupt(`${name} line ${out.length + 1} is not valid JSON.`, cause);
    }
    out.push(value === null ? null : line);
    start = end + 1;
  }
  if (out.length !== n) throw corrupt(`${name} has ${out.length} lines but ${STORE_META_FILE} announces ${n}.`);
  return out;
}
