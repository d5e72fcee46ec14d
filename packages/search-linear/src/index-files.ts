import { SimkitError, invalidArgument, nodeFiles } from '@simkit/core';
import { crc32 } from './crc32.js';
import { float32FromLittleEndian, int32FromLittleEndian, toLittleEndian } from './little-endian.js';

export const MANIFEST_FILE = 'linear-search.json';
export const VECTORS_FILE = 'vectors.f32';
export const IDS_FILE = 'ids.i32';
const FORMAT = 'simkit-linear-search';
export const FORMAT_VERSION = 1;

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
  crc32: { vectors: number; ids: number };
}

/**
 * Writes the manifest and the two little-endian binary files into `dir`. Each file is written
 * under a temporary name and renamed, data before manifest; checksums in the manifest make a
 * half-replaced directory fail to load rather than load wrong data.
 */
export async function writeIndexFiles(dir: string, saved: SavedIndex): Promise<void> {
  const {
    fs,
    path: { join },
  } = await nodeFiles();
  const vectorBytes = toLittleEndian(saved.vectors);
  const idBytes = toLittleEndian(saved.ids);
  const manifest: Manifest = {
    format: FORMAT,
    version: FORMAT_VERSION,
    distance: saved.distance,
    dim: saved.dim ?? null,
    count: saved.ids.length,
    byteOrder: 'little-endian',
    crc32: { vectors: crc32(vectorBytes), ids: crc32(idBytes) },
  };
  const files: Array<[string, Uint8Array | string]> = [
    [VECTORS_FILE, vectorBytes],
    [IDS_FILE, idBytes],
    [MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`],
  ];
  try {
    await fs.mkdir(dir, { recursive: true });
    for (const [name, content] of files) await fs.writeFile(join(dir, `${name}.tmp`), content);
    for (const [name] of files) await fs.rename(join(dir, `${name}.tmp`), join(dir, name));
  } catch (cause) {
    throw invalidArgument(
      `Could not write the linear search index to ${dir} (${(cause as Error).message}); check that the path is a writable directory.`,
    );
  }
}

function corrupt(dir: string, problem: string, cause?: unknown): SimkitError {
  return new SimkitError(
    'CORRUPT_INDEX',
    `The linear search index in ${dir} cannot be loaded: ${problem}. Save the index again or point load() at the directory save() wrote.`,
    cause === undefined ? { details: { dir } } : { details: { dir }, cause },
  );
}

async function readBytes(dir: string, name: string): Promise<Uint8Array> {
  const {
    fs,
    path: { join },
  } = await nodeFiles();
  try {
    return await fs.readFile(join(dir, name));
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const problem = code === 'ENOENT' ? `${name} is missing` : `${name} cannot be read (${code ?? 'unknown error'})`;
    throw corrupt(dir, problem, cause);
  }
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
  const dimOk = v.dim === null || (Number.isInteger(v.dim) && v.dim > 0);
  const countOk = Number.isInteger(v.count) && v.count >= 0 && (v.count === 0 || v.dim !== null);
  const crcOk =
    typeof v.crc32 === 'object' &&
    v.crc32 !== null &&
    Number.isInteger(v.crc32.vectors) &&
    Number.isInteger(v.crc32.ids);
  if (typeof v.distance !== 'string' || !dimOk || !countOk || !crcOk || v.byteOrder !== 'little-endian') {
    throw corrupt(dir, `${MANIFEST_FILE} has missing or invalid fields (distance, dim, count, byteOrder, crc32)`);
  }
  return v;
}

/**
 * Reads and checks what `writeIndexFiles` wrote. Anything missing, short, long, altered or
 * foreign fails with CORRUPT_INDEX; a newer format fails with UNSUPPORTED.
 */
export async function readIndexFiles(dir: string): Promise<SavedIndex> {
  const manifestBytes = await readBytes(dir, MANIFEST_FILE);
  const manifest = parseManifest(dir, new TextDecoder().decode(manifestBytes));
  const dim = manifest.dim ?? 0;
  const count = manifest.count;
  const vectorBytes = await readBytes(dir, VECTORS_FILE);
  const idBytes = await readBytes(dir, IDS_FILE);
  const wantVectorBytes = count * dim * 4;
  if (vectorBytes.length !== wantVectorBytes) {
    throw corrupt(
      dir,
      `${VECTORS_FILE} has ${vectorBytes.length} bytes, expected ${wantVectorBytes} (${count} × ${dim} float32)`,
    );
  }
  if (idBytes.length !== count * 4) {
    throw corrupt(dir, `${IDS_FILE} has ${idBytes.length} bytes, expected ${count * 4} (${count} int32)`);
  }
  if (crc32(vectorBytes) !== manifest.crc32.vectors) throw corrupt(dir, `${VECTORS_FILE} fails its checksum`);
  if (crc32(idBytes) !== manifest.crc32.ids) throw corrupt(dir, `${IDS_FILE} fails its checksum`);
  const vectors = float32FromLittleEndian(vectorBytes);
  for (let i = 0; i < vectors.length; i++) {
    const x = vectors[i] as number;
    // x - x is NaN exactly for NaN and ±Infinity.
    if (x - x !== 0) throw corrupt(dir, `${VECTORS_FILE} holds a non-finite value at row ${Math.floor(i / dim)}`);
  }
  return { distance: manifest.distance, dim: manifest.dim ?? undefined, vectors, ids: int32FromLittleEndian(idBytes) };
}
