import { SimkitError } from './errors.js';

/**
 * The commit record of a save: written last, by an atomic rename, so its presence and
 * content decide which generation of files is the save. See `writeSave`.
 */
export const SAVE_MANIFEST = 'simkit-save.json';
export const SAVE_FORMAT = 'simkit-save';
export const SAVE_FORMAT_VERSION = 1;
/** A manifest lists a handful of files; anything bigger than this is not one. */
export const MAX_MANIFEST_BYTES = 1 << 20;

/** One file of a save: its path inside the generation, its size and SHA-256. */
export interface SavedFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface SaveManifest {
  readonly format: typeof SAVE_FORMAT;
  readonly version: number;
  /** What was saved, e.g. `simkit-index`; a load that expects another kind refuses the save. */
  readonly kind: string;
  /** Unique per save; ties the parts of one save together. */
  readonly id: string;
  /** The directory (inside the save directory) that holds this save's files. */
  readonly generation: string;
  readonly files: readonly SavedFile[];
}

const GENERATION = /^gen-[0-9]{1,10}-[0-9a-f]{16}$/;
const PATH_PART = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** Name of a generation directory written by process `pid` for save `id`. */
export function generationName(pid: number, id: string): string {
  return `gen-${pid}-${id}`;
}

/** The process id in a generation or temp name, or undefined when the name is not ours. */
export function ownerPid(name: string): number | undefined {
  const m = /^(?:gen|\.tmp)-([0-9]{1,10})-[0-9a-f]{16}(?:\.json)?$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** True for a relative path made of plain names (no `..`, no absolute paths, no odd characters). */
export function isSafeRelativePath(path: string): boolean {
  if (typeof path !== 'string' || path.length === 0 || path.length > 1024) return false;
  return path.split('/').every((part) => PATH_PART.test(part) && part !== '..' && part !== '.');
}

/** The manifest's JSON text: the body, then a checksum of the body's compact JSON. */
export function manifestText(manifest: SaveManifest, checksum: string): string {
  return `${JSON.stringify({ ...manifest, checksum }, null, 2)}\n`;
}

/**
 * The text the manifest checksum covers: the manifest object without its `checksum` field,
 * as compact JSON with the keys in the order they are stored. It depends on no field's
 * meaning, so a damaged manifest of any format version is recognised as damaged.
 */
export function manifestBody(manifest: object): string {
  const { checksum: _ignored, ...body } = manifest as Record<string, unknown>;
  return JSON.stringify(body);
}

/**
 * Checks a parsed manifest field by field, after its checksum (over `manifestBody`) was
 * found to match. Returns the manifest and the checksum it claims.
 */
export function checkManifest(
  value: unknown,
  corrupt: (problem: string) => SimkitError,
): { manifest: SaveManifest; checksum: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw corrupt('it is not a JSON object');
  const m = value as Record<string, unknown>;
  if (m.format !== SAVE_FORMAT) throw corrupt(`its format is ${JSON.stringify(m.format)}, not "${SAVE_FORMAT}"`);
  if (typeof m.version !== 'number' || !Number.isInteger(m.version) || m.version < 1) {
    throw corrupt('it has no valid format version');
  }
  if (m.version > SAVE_FORMAT_VERSION) {
    throw new SimkitError(
      'UNSUPPORTED',
      `This save was written in save format ${m.version}, newer than this @simkit/core reads (${SAVE_FORMAT_VERSION}); upgrade the simkit packages.`,
    );
  }
  if (typeof m.kind !== 'string' || !/^[a-z0-9-]{1,64}$/.test(m.kind)) throw corrupt('its kind is not valid');
  if (typeof m.id !== 'string' || !/^[0-9a-f]{16}$/.test(m.id)) throw corrupt('its id is not valid');
  if (typeof m.generation !== 'string' || !GENERATION.test(m.generation)) {
    throw corrupt('its generation name is not valid');
  }
  if (typeof m.checksum !== 'string' || !SHA256.test(m.checksum)) throw corrupt('its checksum is not valid');
  if (!Array.isArray(m.files) || m.files.length > 10_000) throw corrupt('its file list is not valid');
  const seen = new Set<string>();
  const files: SavedFile[] = [];
  for (const f of m.files as unknown[]) {
    const e = f as Record<string, unknown> | null;
    if (
      typeof e !== 'object' ||
      e === null ||
      typeof e.path !== 'string' ||
      !isSafeRelativePath(e.path) ||
      seen.has(e.path) ||
      typeof e.bytes !== 'number' ||
      !Number.isSafeInteger(e.bytes) ||
      e.bytes < 0 ||
      typeof e.sha256 !== 'string' ||
      !SHA256.test(e.sha256)
    ) {
      throw corrupt('an entry of its file list is not valid');
    }
    seen.add(e.path);
    files.push({ path: e.path, bytes: e.bytes, sha256: e.sha256 });
  }
  return {
    manifest: {
      format: SAVE_FORMAT,
      version: m.version,
      kind: m.kind,
      id: m.id,
      generation: m.generation,
      files,
    },
    checksum: m.checksum,
  };
}
