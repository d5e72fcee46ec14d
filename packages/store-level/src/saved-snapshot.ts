import { fileError, ioError, openSave, SimkitError, writeSave } from '@simkit/core';
import { nodeFiles } from '@simkit/core/node';
import { LEVELDB_FILE, LEVELDB_SCRATCH_FILES } from './leveldb-files.js';
import { createTemporaryLocation, removeLocation } from './location.js';

/** The kind written into the save manifest of a LevelStore snapshot. */
export const SAVE_KIND = 'level-store';

/** The LevelDB of a snapshot lives in this sub-directory of the save's generation. */
const SNAPSHOT_DB = 'db';

/**
 * Saves a snapshot atomically into `dir` with core's `writeSave`: `write(location)` fills a
 * new LevelDB at `location` (inside the new generation) and closes it; then the LevelDB
 * files are flushed, hashed and committed by the manifest. The lock file and info log are
 * left out: they hold no data and would change on every open.
 */
export async function saveSnapshot(dir: string, write: (location: string) => Promise<void>): Promise<void> {
  const { fs, path } = await nodeFiles();
  await writeSave(dir, SAVE_KIND, async (gen) => {
    const location = path.join(gen, SNAPSHOT_DB);
    await write(location);
    for (const name of LEVELDB_SCRATCH_FILES) {
      const file = path.join(location, name);
      try {
        await fs.rm(file, { force: true });
      } catch (cause) {
        throw fileError(`Removing ${file}`, cause, (c) => new SimkitError('INVALID_ARGUMENT', String(c), { cause: c }));
      }
    }
  });
}

/**
 * Opens the snapshot saved in `dir`, checks the SHA-256 of every file, and copies the
 * checked bytes into a fresh private temporary location, returned for LevelDB to open:
 * LevelDB rewrites a database when it opens it, so the saved files are never opened in place.
 * The caller removes the copy. CORRUPT_INDEX when the save is damaged or not a LevelStore
 * snapshot; IO_ERROR when the OS fails.
 */
export async function copySnapshot(dir: string): Promise<string> {
  const saved = await openSave(dir, SAVE_KIND);
  const names: string[] = [];
  for (const rel of saved.files.keys()) {
    const [top, name, ...rest] = rel.split('/');
    if (top !== SNAPSHOT_DB || name === undefined || rest.length > 0 || !LEVELDB_FILE.test(name)) {
      throw notSnapshot(dir, `it lists ${rel}, which is not a file of its LevelDB`);
    }
    names.push(name);
  }
  if (!names.includes('CURRENT')) throw notSnapshot(dir, 'its LevelDB has no CURRENT file');
  const { fs, path } = await nodeFiles();
  const copy = await createTemporaryLocation();
  try {
    for (const name of names) {
      // read() checks each file (regular file, size, SHA-256) before it is copied; the copy is opened only when all passed.
      const bytes = await saved.read(`${SNAPSHOT_DB}/${name}`);
      const target = path.join(copy, name);
      try {
        await fs.writeFile(target, bytes, { flag: 'wx' });
      } catch (cause) {
        // The private copy lives in the OS temp directory: any failure there is the environment's.
        throw ioError(`Copying the snapshot to ${target}`, cause);
      }
    }
    return copy;
  } catch (error) {
    await removeLocation(copy).catch(() => undefined);
    throw error;
  }
}

function notSnapshot(dir: string, what: string): SimkitError {
  return new SimkitError(
    'CORRUPT_INDEX',
    `'${dir}' is not a saved level store: ${what}. Pass the directory that LevelStore.save() wrote.`,
    { details: { dir } },
  );
}
