import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { errnoCode, ioError, SAVE_MANIFEST } from '@simkit/core';
import { LEVELDB_DATA_FILE, LEVELDB_FILE, STORE_MARKER, STORE_MARKER_TEXT } from './leveldb-files.js';

/** Node keeps snapshots as files, saved and loaded through @simkit/core's atomic saves. */
export const FILE_SNAPSHOTS = true;

/** LevelDB writes the bytes a value's view covers, so values may be views into one shared buffer. */
export const VALUES_NEED_OWN_BUFFER = false;

/**
 * What is at a location before it is opened:
 * `missing` or `empty` (a new store may be created there), `store` (a LevelStore made it),
 * `blank-leveldb` (a LevelDB that never held data: it may become a store),
 * `foreign` (anything else: never opened, never written to),
 * `unknown` (cannot tell without opening; the contents decide).
 */
export type LocationKind = 'missing' | 'empty' | 'store' | 'blank-leveldb' | 'foreign' | 'unknown';

export interface LocationProbe {
  readonly kind: LocationKind;
  /** For `foreign`: what was found, for messages. */
  readonly detail?: string;
}

/** Looks at a directory without changing it, and without opening any LevelDB in it. */
export async function probeLocation(location: string): Promise<LocationProbe> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(location)).isDirectory();
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'ENOTDIR') return { kind: 'foreign', detail: 'a file in its path, where a directory must be' };
    throw error;
  }
  if (!isDirectory) return { kind: 'foreign', detail: 'a file, not a directory' };
  const names = await readdir(location);
  if (names.length === 0) return { kind: 'empty' };
  const others = names.filter((n) => n !== STORE_MARKER && !LEVELDB_FILE.test(n));
  if (names.includes(SAVE_MANIFEST)) {
    return {
      kind: 'foreign',
      detail: `a saved snapshot (${SAVE_MANIFEST}); load it into a store with load(dir) instead`,
    };
  }
  if (others.length > 0) {
    const shown = others.slice(0, 3).join(', ') + (others.length > 3 ? ', …' : '');
    return { kind: 'foreign', detail: `files that are not LevelDB's (${shown})` };
  }
  if (names.includes(STORE_MARKER)) {
    if (!(await lstat(join(location, STORE_MARKER))).isFile()) {
      return { kind: 'foreign', detail: `a ${STORE_MARKER} that is not a regular file` };
    }
    if (!names.includes('CURRENT')) {
      return { kind: 'foreign', detail: 'the marker of a LevelStore whose LevelDB files were removed' };
    }
    return { kind: 'store' };
  }
  // Records live only in logs and tables: none of them, or only empty logs, means no data.
  for (const name of names) {
    if (!LEVELDB_DATA_FILE.test(name)) continue;
    const info = await lstat(join(location, name));
    if (!name.endsWith('.log') || !info.isFile() || info.size > 0) {
      return { kind: 'foreign', detail: 'a LevelDB with data that a LevelStore did not write' };
    }
  }
  return { kind: 'blank-leveldb' };
}

/**
 * Claims a location for a LevelStore before LevelDB creates anything in it: creates the
 * directory and writes the marker file, flushed, so a store never exists without it.
 */
export async function markLocation(location: string): Promise<void> {
  await createDirectory(location);
  const handle = await open(join(location, STORE_MARKER), 'w');
  try {
    await handle.writeFile(STORE_MARKER_TEXT);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await syncDirectory(location);
}

/**
 * Creates `location` and its missing parents, one level at a time: a recursive mkdir reports
 * ENOENT instead of the real cause (EROFS, EACCES) when the file system refuses.
 */
export async function createDirectory(location: string): Promise<void> {
  try {
    await mkdir(location);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST') return;
    const parent = dirname(resolve(location));
    if (code !== 'ENOENT' || parent === resolve(location)) throw error;
    await createDirectory(parent);
    await createDirectory(location);
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms cannot flush a directory; a failing device still surfaces.
    if (errnoCode(error) === 'EIO') throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * The identity of a location within this process: its real absolute path (symbolic links
 * resolved), with the parts that do not exist yet appended as given.
 */
export async function locationKey(location: string): Promise<string> {
  const missing: string[] = [];
  let head = resolve(location);
  for (;;) {
    try {
      return join(await realpath(head), ...missing);
    } catch (error) {
      const code = errnoCode(error);
      const parent = dirname(head);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === head) return resolve(location);
      missing.unshift(basename(head));
      head = parent;
    }
  }
}

const TEMP_PREFIX = 'simkit-level-store-';
/** `simkit-level-store-<pid>-<16 hex digits>`: the pid of the process that owns it. */
const TEMP_NAME = /^simkit-level-store-([0-9]{1,10})-[0-9a-f]{16}$/;

/**
 * A new, empty location for a working copy, named after this process so that a later
 * process can tell it was left by one that died. Leftovers of dead processes are removed first.
 */
export async function createTemporaryLocation(): Promise<string> {
  await removeAbandonedLocations();
  const location = join(tmpdir(), `${TEMP_PREFIX}${process.pid}-${randomBytes(8).toString('hex')}`);
  try {
    await mkdir(location, { mode: 0o700 });
  } catch (cause) {
    // The OS temp directory is missing, full or read-only: a failure of the environment.
    throw ioError(`Creating a temporary directory in ${tmpdir()}`, cause);
  }
  return location;
}

/**
 * Removes temporary locations in the OS temp directory whose process is no longer running
 * (left by a kill or a crash). Best effort: what cannot be removed stays for the next time.
 * Returns how many were removed.
 */
export async function removeAbandonedLocations(): Promise<number> {
  let names: string[];
  try {
    names = await readdir(tmpdir());
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isRunning(pid)) continue;
    try {
      await rm(join(tmpdir(), name), { recursive: true, force: true });
      removed++;
    } catch {
      // Not ours to remove (another user's), or busy: left alone.
    }
  }
  return removed;
}

/** True unless process `pid` certainly does not exist (on this machine). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) !== 'ESRCH';
  }
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
