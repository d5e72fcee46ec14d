import { SimkitError, openSave, writeSave } from '@simkit/core';
import { nodeFiles } from '@simkit/core/node';
import { float32FromLittleEndian, int32FromLittleEndian, toLittleEndian } from './little-endian.js';

/** The `kind` of a LinearSearch save in the core manifest. */
export const SAVE_KIND = 'linear-search';
export const MANIFEST_FILE = 'linear-search.json';
export const VECTORS_FILE = 'vectors.f32';
export const IDS_FILE = 'ids.i32';
const FORMAT = 'simkit-linear-search';
export const FORMAT_VERSION = 1;
/** linear-search.json is a few hundred bytes; anything much bigger is not one. */
const MAX_MANIFEST_BYTES = 64 * 1024;
/** Ids are int32, so an index holds at most this many vectors. */
const MAX_COUNT = 0x7fffffff;

/** What a saved linear index holds: live vectors and their ids, in insertion order. */
export interface SavedIndex {
  readonly distance: string;
  readonly dim: number | undefined;
  readonly vectors: Float32Array;
  readonly ids: Int32Array;
}

interface Manifest {
  format: string;
  version: number;
  distance: string;
  dim: number | null;
  count: number;
  byteOrder: 'little-endian';
}

/**
 * Saves the index into `dir` with core's atomic save (kind `linear-search`): the two
 * little-endian binary files and `linear-search.json` go into a fresh generation directory,
 * and the core manifest naming them, with their sizes and SHA-256, is committed last.
 * OS failures surface as IO_ERROR and leave the previous save in place.
 */
export async function writeIndexFiles(dir: string, saved: SavedIndex): Promise<void> {
  const { fs, path } = await nodeFiles();
  const manifest: Manifest = {
    format: FORMAT,
    version: FORMAT_VERSION,
    distance: saved.distance,
    dim: saved.dim ?? null,
    count: saved.ids.length,
    byteOrder: 'little-endian',
  };
  const files: Array<[string, Uint8Array | string]> = [
    [VECTORS_FILE, toLittleEndian(saved.vectors)],
    [IDS_FILE, toLittleEndian(saved.ids)],
    [MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`],
  ];
  await writeSave(dir, SAVE_KIND, async (gen) => {
    for (const [name, content] of files) await fs.writeFile(path.join(gen, name), content, { flag: 'wx' });
  });
}

function corrupt(dir: string, problem: string, cause?: unknown): SimkitError {
  return new SimkitError(
    'CORRUPT_INDEX',
    `The linear search index in ${dir} cannot be loaded: ${problem}. Save the index again or point load() at the directory save() wrote.`,
    cause === undefined ? { details: { dir } } : { details: { dir }, cause },
  );
}

function parseManifest(dir: string, text: string): Manifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (cause) {
    throw corrupt(dir, `${MANIFEST_FILE} is not valid JSON`, cause);
  }
  if (typeof m !== 'object' || m === null || (m as Manifest).format !== FORMAT) {
    throw corrupt(dir, `${MANIFEST_FILE} is not a simkit linear search manifest`);
  }
  const v = m as Manifest;
  if (typeof v.version !== 'number' || !Number.isInteger(v.version) || v.version < 1) {
    throw corrupt(dir, `${MANIFEST_FILE} has no valid format version`);
  }
  if (v.version > FORMAT_VERSION) {
    throw new SimkitError(
      'UNSUPPORTED',
      `The linear search index in ${dir} has format version ${v.version}, newer than this package reads (${FORMAT_VERSION}); upgrade @simkit/search-linear.`,
    );
  }
  const dimOk = v.dim === null || (Number.isSafeInteger(v.dim) && v.dim > 0);
  const countOk =
    Number.isSafeInteger(v.count) && v.count >= 0 && v.count <= MAX_COUNT && (v.count === 0 || v.dim !== null);
  if (typeof v.distance !== 'string' || !dimOk || !countOk || v.byteOrder !== 'little-endian') {
    throw corrupt(dir, `${MANIFEST_FILE} has missing or invalid fields (distance, dim, count, byteOrder)`);
  }
  return v;
}

/**
 * Reads and checks what `writeIndexFiles` saved. The core manifest vouches for each file's
 * size and checksum (and refuses links, FIFOs and devices); the counts in
 * `linear-search.json` must match the sizes the files really have before anything is read
 * or allocated. Anything missing, short, long, altered or foreign fails with CORRUPT_INDEX;
 * a newer format fails with UNSUPPORTED; an OS failure with IO_ERROR.
 */
export async function readIndexFiles(dir: string): Promise<SavedIndex> {
  const opened = await openSave(dir, SAVE_KIND);
  const manifest = parseManifest(dir, await opened.readText(MANIFEST_FILE, { maxBytes: MAX_MANIFEST_BYTES }));
  const dim = manifest.dim ?? 0;
  const count = manifest.count;
  const wanted: Array<[string, number, string]> = [
    [VECTORS_FILE, count * dim * 4, `${count} × ${dim} float32`],
    [IDS_FILE, count * 4, `${count} int32`],
  ];
  for (const [name, bytes, what] of wanted) {
    const saved = opened.files.get(name)?.bytes;
    if (saved === undefined) throw corrupt(dir, `${name} is missing from the save (its manifest does not list it)`);
    if (saved !== bytes) throw corrupt(dir, `${name} has ${saved} bytes, expected ${bytes} (${what})`);
  }
  const idBytes = await opened.read(IDS_FILE, { maxBytes: count * 4 });
  const vectorBytes = await opened.read(VECTORS_FILE, { maxBytes: count * dim * 4 });
  const vectors = float32FromLittleEndian(vectorBytes);
  for (let i = 0; i < vectors.length; i++) {
    const x = vectors[i] as number;
    // x - x is NaN exactly for NaN and ±Infinity.
    if (x - x !== 0) throw corrupt(dir, `${VECTORS_FILE} holds a non-finite value at row ${Math.floor(i / dim)}`);
  }
  return { distance: manifest.distance, dim: manifest.dim ?? undefined, vectors, ids: int32FromLittleEndian(idBytes) };
}
