import { SimkitError } from '@simkit/core';
import { type NpyArray, type NpyDtype, decodeNpy, npyDataBytes, npyHeader } from './npy-codec.js';
import { type NodeIo, gunzip, gzip, isGzip, nodeIo, writeFileSynced } from './node-io.js';

export type Compression = 'none' | 'gzip';

/** Everything a saved store holds: the live records in id order, plus the next id to assign. */
export interface StoreSnapshot {
  readonly dim: number | undefined;
  readonly nextId: number;
  /** Live ids, strictly increasing. */
  readonly ids: Int32Array;
  /** `ids.length` × `dim` floats, row-major. */
  readonly embeddings: Float32Array;
  readonly labels: Int32Array;
  /** 1 where the record has a label. */
  readonly labelMask: Uint8Array;
  /** JSON text of each record's data, null for none. */
  readonly data: ReadonlyArray<string | null>;
}

/** Name of the metadata file; written last, so its presence marks a complete save. */
export const STORE_META_FILE = 'store.json';
const FORMAT = 'simkit-memory-store';
export const FORMAT_VERSION = 1;
const TEMP_PREFIX = '.memory-store-tmp-';

const BASE_NAMES = ['embeddings.npy', 'ids.npy', 'labels.npy', 'label_mask.npy', 'data.jsonl'] as const;
type BaseName = (typeof BASE_NAMES)[number];

function fileName(base: BaseName, compression: Compression): string {
  return compression === 'gzip' ? `${base}.gz` : base;
}

interface FileEntry {
  readonly bytes: number;
  readonly crc32: number;
}

interface StoreMeta {
  readonly format: string;
  readonly format_version: number;
  readonly dim: number | null;
  readonly size: number;
  readonly next_id: number;
  readonly compression: Compression;
  /** Byte length and CRC-32 of each file as written, to catch damaged or mixed-up files. */
  readonly files: Readonly<Record<string, FileEntry>>;
}

/**
 * Writes a snapshot into `dir`: NumPy `.npy` arrays, `data.jsonl` and `store.json`.
 * Files are written and flushed in a temporary sub-directory, then renamed into
 * place with `store.json` last; checksums in `store.json` let `readStoreDirectory`
 * detect a save that was cut short while renaming.
 */
export async function writeStoreDirectory(
  dir: string,
  snapshot: StoreSnapshot,
  compression: Compression,
): Promise<void> {
  const io = await nodeIo();
  const { fs, path } = io;
  const n = snapshot.ids.length;
  const contents: Record<BaseName, Uint8Array[]> = {
    'embeddings.npy': npyParts('float32', [n, snapshot.dim ?? 0], snapshot.embeddings),
    'ids.npy': npyParts('int32', [n], snapshot.ids),
    'labels.npy': npyParts('int32', [n], snapshot.labels),
    'label_mask.npy': npyParts('bool', [n], snapshot.labelMask),
    'data.jsonl': jsonLines(snapshot.data),
  };
  let temp: string | undefined;
  try {
    await fs.mkdir(dir, { recursive: true });
    temp = await fs.mkdtemp(path.join(dir, TEMP_PREFIX));
    const files: Record<string, FileEntry> = {};
    for (const base of BASE_NAMES) {
      const name = fileName(base, compression);
      const parts = compression === 'gzip' ? [await gzip(io, contents[base])] : contents[base];
      let crc = 0;
      let bytes = 0;
      for (const part of parts) {
        // Skipped when empty: Node 20's crc32 returns 0 for a view of an empty ArrayBuffer.
        if (part.length > 0) crc = io.zlib.crc32(part, crc);
        bytes += part.length;
      }
      files[name] = { bytes, crc32: crc };
      await writeFileSynced(io, path.join(temp, name), parts);
    }
    const meta: StoreMeta = {
      format: FORMAT,
      format_version: FORMAT_VERSION,
      dim: snapshot.dim ?? null,
      size: n,
      next_id: snapshot.nextId,
      compression,
      files,
    };
    await writeFileSynced(io, path.join(temp, STORE_META_FILE), [Buffer.from(`${JSON.stringify(meta, null, 2)}\n`)]);
    for (const name of [...Object.keys(files), STORE_META_FILE]) {
      await fs.rename(path.join(temp, name), path.join(dir, name));
    }
    await syncDirectory(io, dir);
    // Files of the other compression would be stale copies of an older save.
    const other: Compression = compression === 'gzip' ? 'none' : 'gzip';
    for (const base of BASE_NAMES) await fs.rm(path.join(dir, fileName(base, other)), { force: true });
  } catch (cause) {
    if (SimkitError.isInstance(cause)) throw cause;
    throw new SimkitError(
      'INVALID_ARGUMENT',
      `Could not save the store to ${dir}: ${(cause as Error).message}. Check that the directory is writable and the disk has space.`,
      { cause },
    );
  } finally {
    if (temp !== undefined) await fs.rm(temp, { recursive: true, force: true });
  }
}

/**
 * Reads and checks what `writeStoreDirectory` wrote. Any missing, truncated or
 * inconsistent file fails with CORRUPT_INDEX; nothing is returned half-read.
 */
export async function readStoreDirectory(dir: string): Promise<StoreSnapshot> {
  const io = await nodeIo();
  const corrupt = (problem: string, cause?: unknown) =>
    new SimkitError('CORRUPT_INDEX', `The store saved in ${dir} cannot be loaded: ${problem}`, {
      details: { dir },
      ...(cause === undefined ? {} : { cause }),
    });

  let metaText: string;
  try {
    metaText = await io.fs.readFile(io.path.join(dir, STORE_META_FILE), 'utf8');
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw corrupt(
      missing
        ? `${STORE_META_FILE} is missing. Pass the directory given to MemoryStore.save(); an interrupted save leaves no ${STORE_META_FILE}.`
        : `${STORE_META_FILE} cannot be read (${(cause as Error).message}).`,
      cause,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(metaText);
  } catch (cause) {
    throw corrupt(`${STORE_META_FILE} is not valid JSON.`, cause);
  }
  const meta = checkMeta(raw, corrupt);
  const n = meta.size;
  const dim = meta.dim ?? 0;

  const read = async (base: BaseName): Promise<Uint8Array> => {
    const name = fileName(base, meta.compression);
    let bytes: Uint8Array;
    try {
      bytes = await io.fs.readFile(io.path.join(dir, name));
    } catch (cause) {
      throw corrupt(`${name} is missing or unreadable (${(cause as Error).message}).`, cause);
    }
    const entry = meta.files[name];
    if (entry !== undefined) {
      if (bytes.length !== entry.bytes) {
        throw corrupt(
          `${name} has ${bytes.length} bytes but ${entry.bytes} were saved (truncated or from another save).`,
        );
      }
      if (io.zlib.crc32(bytes) !== entry.crc32) {
        throw corrupt(`${name} does not match its checksum in ${STORE_META_FILE} (damaged or from another save).`);
      }
    }
    if (meta.compression === 'gzip') {
      if (!isGzip(bytes)) throw corrupt(`${name} is not gzipped although ${STORE_META_FILE} says compression 'gzip'.`);
      try {
        bytes = await gunzip(io, bytes);
      } catch (cause) {
        throw corrupt(`${name} does not decompress (${(cause as Error).message}).`, cause);
      }
    }
    return bytes;
  };

  const array = async (base: BaseName, dtype: NpyDtype, shape: readonly number[]): Promise<NpyArray> => {
    const name = fileName(base, meta.compression);
    const bytes = await read(base);
    let arr: NpyArray;
    try {
      arr = decodeNpy(bytes, name);
    } catch (cause) {
      throw corrupt((cause as Error).message, cause);
    }
    if (arr.dtype !== dtype || arr.shape.length !== shape.length || arr.shape.some((d, i) => d !== shape[i])) {
      throw corrupt(
        `${name} holds ${arr.dtype} of shape (${arr.shape.join(', ')}) but ${STORE_META_FILE} needs ${dtype} of shape (${shape.join(', ')}).`,
      );
    }
    return arr;
  };

  const embeddings = (await array('embeddings.npy', 'float32', [n, dim])).data as Float32Array;
  const ids = (await array('ids.npy', 'int32', [n])).data as Int32Array;
  const labels = (await array('labels.npy', 'int32', [n])).data as Int32Array;
  const labelMask = (await array('label_mask.npy', 'bool', [n])).data as Uint8Array;
  const data = parseJsonLines(await read('data.jsonl'), n, fileName('data.jsonl', meta.compression), corrupt);

  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    const previous = i === 0 ? -1 : (ids[i - 1] as number);
    if (id <= previous || id >= meta.next_id) {
      throw corrupt(
        `ids.npy must hold increasing ids below next_id=${meta.next_id}; entry ${i} is ${id} after ${previous}.`,
      );
    }
    if (labelMask[i] !== 0 && labelMask[i] !== 1) throw corrupt(`label_mask.npy entry ${i} is not a bool.`);
  }
  for (let i = 0; i < embeddings.length; i++) {
    const v = embeddings[i] as number;
    if (v - v !== 0)
      throw corrupt(`embeddings.npy holds ${v} at row ${Math.floor(i / dim)}; embeddings must be finite.`);
  }
  return { dim: meta.dim ?? undefined, nextId: meta.next_id, ids, embeddings, labels, labelMask, data };
}

function checkMeta(raw: unknown, corrupt: (problem: string) => SimkitError): StoreMeta {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw corrupt(`${STORE_META_FILE} is not an object.`);
  const m = raw as Record<string, unknown>;
  if (m.format !== FORMAT)
    throw corrupt(`${STORE_META_FILE} is not a MemoryStore save (format ${JSON.stringify(m.format)}).`);
  const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0x7fffffff;
  if (!isCount(m.format_version)) throw corrupt(`${STORE_META_FILE} has no valid format_version.`);
  if ((m.format_version as number) > FORMAT_VERSION) {
    throw new SimkitError(
      'UNSUPPORTED',
      `This store was saved in format version ${m.format_version}, newer than this package reads (${FORMAT_VERSION}); upgrade @simkit/store-memory.`,
    );
  }
  if (!isCount(m.size)) throw corrupt(`${STORE_META_FILE} has no valid size.`);
  if (!isCount(m.next_id) || (m.next_id as number) < (m.size as number)) {
    throw corrupt(`${STORE_META_FILE} has next_id ${JSON.stringify(m.next_id)}, which must be an integer ≥ size.`);
  }
  if (m.dim === null ? (m.size as number) > 0 : !isCount(m.dim) || m.dim === 0) {
    throw corrupt(
      `${STORE_META_FILE} has dim ${JSON.stringify(m.dim)}; a store with records needs an integer dim ≥ 1.`,
    );
  }
  if (m.compression !== 'none' && m.compression !== 'gzip') {
    throw corrupt(`${STORE_META_FILE} has compression ${JSON.stringify(m.compression)}; expected 'none' or 'gzip'.`);
  }
  const files = m.files ?? {};
  if (files === null || typeof files !== 'object' || Array.isArray(files))
    throw corrupt(`${STORE_META_FILE} has bad 'files'.`);
  for (const [name, entry] of Object.entries(files)) {
    const e = entry as Record<string, unknown> | null;
    if (e === null || typeof e !== 'object' || !Number.isSafeInteger(e.bytes) || !isUint32(e.crc32)) {
      throw corrupt(`${STORE_META_FILE} has a bad entry for ${name} in 'files'.`);
    }
  }
  return { ...(m as unknown as StoreMeta), files: files as StoreMeta['files'] };
}

function isUint32(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
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

function parseJsonLines(
  bytes: Uint8Array,
  n: number,
  name: string,
  corrupt: (problem: string, cause?: unknown) => SimkitError,
): Array<string | null> {
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

async function syncDirectory(io: NodeIo, dir: string): Promise<void> {
  try {
    const handle = await io.fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the files themselves are already flushed.
  }
}
