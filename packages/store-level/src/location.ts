import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';

/**
 * What is at a location before it is opened:
 * `missing` or `empty` (a new store may be created), `leveldb` (LevelDB files only),
 * `foreign` (other files: never written to), `unknown` (cannot tell; the contents decide).
 */
export type LocationKind = 'missing' | 'empty' | 'leveldb' | 'foreign' | 'unknown';

export interface LocationProbe {
  readonly kind: LocationKind;
  /** For `foreign`: what was found, for messages. */
  readonly detail?: string;
}

// The files LevelDB itself creates in its directory.
const LEVELDB_FILE = /^(CURRENT|LOCK|LOG|LOG\.old|MANIFEST-\d+|\d+\.(log|ldb|sst|dbtmp))$/;

/** Looks at a directory without changing it (Node: the file system). */
export async function probeLocation(location: string): Promise<LocationProbe> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(location)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'ENOTDIR') return { kind: 'foreign', detail: 'a file in its path, where a directory must be' };
    throw error;
  }
  if (!isDirectory) return { kind: 'foreign', detail: 'a file, not a directory' };
  const names = await readdir(location);
  if (names.length === 0) return { kind: 'empty' };
  const others = names.filter((n) => !LEVELDB_FILE.test(n));
  if (others.length === 0) return { kind: 'leveldb' };
  const shown = others.slice(0, 3).join(', ') + (others.length > 3 ? ', …' : '');
  return { kind: 'foreign', detail: `files that are not LevelDB's (${shown})` };
}

/** A new, empty location for a working copy. */
export async function createTemporaryLocation(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'simkit-level-store-'));
}

/** Deletes a location and everything in it. */
export async function removeLocation(location: string): Promise<void> {
  await rm(location, { recursive: true, force: true });
}

/** True when two location strings name the same directory. */
export function sameLocation(a: string, b: string): boolean {
  return resolve(a) === resolve(b);
}

/** True when `child` lies strictly inside the directory `parent`. */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
