import { SimkitError, invalidArgument } from './errors.js';
import { readRegularFile } from './file-reads.js';
import { errnoCode, fileError, ioError } from './io-errors.js';
import { type NodeFiles, nodeCrypto, nodeFiles } from './node-files.js';
import {
  MAX_MANIFEST_BYTES,
  SAVE_FORMAT,
  SAVE_FORMAT_VERSION,
  SAVE_MANIFEST,
  type SaveManifest,
  type SavedFile,
  generationName,
  manifestBody,
  manifestText,
  ownerPid,
} from './save-manifest.js';

/** What `writeSave` reports about the save it committed. */
export interface SaveInfo {
  /** Unique id of this save. */
  readonly id: string;
  readonly kind: string;
  /** The directory holding the committed files (a generation inside the save directory). */
  readonly dir: string;
  /** Files listed in the manifest (a nested save counts as its manifest) and their total size. */
  readonly files: number;
  readonly bytes: number;
}

/** Options of `writeSave`. */
export interface WriteSaveOptions {
  /**
   * Flush every file and directory to the device before committing (fsync), so that a
   * power cut, not only a crash, leaves the old or the new save. Default true.
   */
  readonly durable?: boolean;
}

/** Shared by every copy of @simkit/core in the process, so none cleans another's work in progress. */
interface SaveRegistry {
  /** Absolute paths of generations and temp files being written by this process. */
  readonly inFlight: Set<string>;
  /** The last save queued per save directory, to run saves of one directory one at a time. */
  readonly queues: Map<string, Promise<unknown>>;
}
const REGISTRY_KEY = Symbol.for('@simkit/core/saves');
function registry(): SaveRegistry {
  const g = globalThis as Record<symbol, SaveRegistry | undefined>;
  g[REGISTRY_KEY] ??= { inFlight: new Set(), queues: new Map() };
  return g[REGISTRY_KEY];
}

/**
 * Saves atomically into the directory `target`: a crash at any instant leaves there either
 * the complete previous save or the complete new one, never a mix.
 *
 * `write(dir)` writes the files into `dir`, a fresh generation directory inside `target`
 * that nothing points at yet. Then every file is flushed and hashed, and the manifest
 * `simkit-save.json`, naming the generation and the size and SHA-256 of each file, is
 * written under a unique temporary name and renamed over the previous one: that rename is
 * the commit. Only then are the previous generation and anything left by crashed saves
 * removed. A sub-directory that is itself a save (it has its own manifest) is bound by its
 * manifest's checksum, which covers its files in turn.
 *
 * `target` must be missing, an empty directory, or a directory saved before; anything else
 * is refused with INVALID_ARGUMENT and left untouched. Saves of one directory within a
 * process run one at a time. OS failures (full disk, read-only mount, no permission) are
 * IO_ERROR, and leave the previous save in place.
 */
export async function writeSave(
  target: string,
  kind: string,
  write: (dir: string) => Promise<void>,
  options: WriteSaveOptions = {},
): Promise<SaveInfo> {
  if (typeof target !== 'string' || target.length === 0) {
    throw invalidArgument('save needs a directory path (a non-empty string).');
  }
  if (typeof kind !== 'string' || !/^[a-z0-9-]{1,64}$/.test(kind)) {
    throw invalidArgument(`writeSave: kind must be a short lower-case name; got ${JSON.stringify(kind)}.`);
  }
  if (typeof write !== 'function') throw invalidArgument('writeSave needs a function that writes the files.');
  const files = await nodeFiles();
  const absolute = files.path.resolve(target);
  const { queues } = registry();
  const previous = queues.get(absolute) ?? Promise.resolve();
  const run = previous.then(
    () => commitSave(files, target, absolute, kind, write, options.durable !== false),
    () => commitSave(files, target, absolute, kind, write, options.durable !== false),
  );
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(absolute, settled);
  void settled.then(() => {
    if (queues.get(absolute) === settled) queues.delete(absolute);
  });
  return run;
}

async function commitSave(
  files: NodeFiles,
  target: string,
  absolute: string,
  kind: string,
  write: (dir: string) => Promise<void>,
  durable: boolean,
): Promise<SaveInfo> {
  const { fs, path } = files;
  const crypto = await nodeCrypto();
  const previous = await checkTarget(files, target, kind);
  const existed = previous !== false;
  const id = crypto.randomBytes(8).toString('hex');
  const generation = generationName(process.pid, id);
  const genDir = path.join(absolute, generation);
  const tempManifest = path.join(absolute, `.tmp-${process.pid}-${id}.json`);
  const { inFlight } = registry();
  inFlight.add(genDir);
  inFlight.add(tempManifest);
  let committed = false;
  try {
    if (!existed) await io(`Creating ${target}`, () => makeDirectories(files, absolute));
    await io(`Creating ${target}`, () => fs.mkdir(genDir));
    await write(genDir);
    const listed = await sealGeneration(files, crypto, genDir, durable);
    const manifest: SaveManifest = {
      format: SAVE_FORMAT,
      version: SAVE_FORMAT_VERSION,
      kind,
      id,
      generation,
      files: listed,
    };
    const checksum = crypto.createHash('sha256').update(manifestBody(manifest)).digest('hex');
    await io(`Writing the manifest of ${target}`, async () => {
      const handle = await fs.open(tempManifest, 'wx');
      try {
        await handle.writeFile(manifestText(manifest, checksum));
        if (durable) await handle.sync();
      } finally {
        await handle.close();
      }
    });
    await io(`Committing the save in ${target}`, () => fs.rename(tempManifest, path.join(absolute, SAVE_MANIFEST)));
    committed = true;
    if (durable) await syncDirectory(files, absolute);
    // The generation just replaced is no longer named by any manifest, whoever wrote it.
    if (typeof previous === 'string' && previous !== generation) {
      await fs.rm(path.join(absolute, previous), { recursive: true, force: true }).catch(() => undefined);
    }
    await removeLeftovers(absolute, generation);
    return {
      id,
      kind,
      dir: genDir,
      files: listed.length,
      bytes: listed.reduce((sum, f) => sum + f.bytes, 0),
    };
  } catch (error) {
    if (!committed) {
      await fs.rm(genDir, { recursive: true, force: true }).catch(() => undefined);
      await fs.rm(tempManifest, { force: true }).catch(() => undefined);
      // A directory this save created is taken away again (rmdir only removes it when empty).
      if (!existed) await fs.rmdir(absolute).catch(() => undefined);
    }
    throw fileError(
      `Saving into ${target}`,
      error,
      (cause) =>
        new SimkitError(
          'INVALID_ARGUMENT',
          `Could not save into '${target}' (${cause instanceof Error ? cause.message : String(cause)}); pass a path where a directory can be written.`,
          { cause },
        ),
    );
  } finally {
    inFlight.delete(genDir);
    inFlight.delete(tempManifest);
  }
}

/** Runs a file operation; an OS failure becomes IO_ERROR naming `what`. */
async function io<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (cause) {
    throw fileError(
      what,
      cause,
      (c) =>
        new SimkitError(
          'INVALID_ARGUMENT',
          `${what} failed (${errnoCode(c) ?? String(c)}); pass a writable directory path.`,
          {
            cause: c,
          },
        ),
    );
  }
}

/**
 * Checks that saving may use `target`: missing, an empty directory, or a directory that
 * holds a save of the same kind (or a damaged one, or only what crashed saves left).
 * Anything else is refused. Returns false when `target` is missing, else the generation
 * the current manifest names (undefined when there is none or it cannot be read).
 */
async function checkTarget(files: NodeFiles, target: string, kind: string): Promise<false | string | undefined> {
  const { fs, path } = files;
  let names: string[];
  try {
    const stat = await fs.stat(target);
    if (!stat.isDirectory()) {
      throw invalidArgument(
        `save: '${target}' is not a directory; pass a directory path (new, empty, or saved before).`,
      );
    }
    names = await fs.readdir(target);
  } catch (error) {
    if (SimkitError.isInstance(error)) throw error;
    if (errnoCode(error) === 'ENOENT') return false;
    throw fileError(`Opening '${target}'`, error, (cause) =>
      invalidArgument(`save: cannot use '${target}' (${errnoCode(cause) ?? String(cause)}); pass a directory path.`),
    );
  }
  const foreign = names.filter((n) => n !== SAVE_MANIFEST && ownerPid(n) === undefined);
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? ', …' : '');
    throw invalidArgument(
      `save: '${target}' holds files that are not a simkit save (${shown}); pass a new or empty directory, or one saved to before. Nothing was written.`,
    );
  }
  if (!names.includes(SAVE_MANIFEST)) return undefined;
  let current: { kind?: unknown; generation?: unknown } | undefined;
  try {
    const bytes = await readRegularFile(path.join(target, SAVE_MANIFEST), { maxBytes: MAX_MANIFEST_BYTES });
    current = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    // A damaged manifest is replaced: saving again is how a user repairs it.
  }
  if (current !== undefined && typeof current.kind === 'string' && current.kind !== kind) {
    throw invalidArgument(
      `save: '${target}' holds a saved '${current.kind}', not a '${kind}'; save into another directory, or delete that one first. Nothing was written.`,
    );
  }
  return typeof current?.generation === 'string' && ownerPid(current.generation) !== undefined
    ? current.generation
    : undefined;
}

/**
 * Creates `dir` and its missing parents one level at a time: a recursive mkdir reports
 * ENOENT instead of EROFS on a read-only mount, and never returns under some /proc paths.
 */
async function makeDirectories(files: NodeFiles, dir: string): Promise<void> {
  const { fs, path } = files;
  const missing: string[] = [];
  for (let at = dir; ; at = path.dirname(at)) {
    try {
      await fs.lstat(at);
      break;
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT' || path.dirname(at) === at) throw error;
      missing.push(at);
    }
  }
  for (const at of missing.reverse()) {
    try {
      await fs.mkdir(at);
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
    }
  }
}

/**
 * Flushes and hashes every file under `genDir`, in a stable order. A sub-directory with its
 * own manifest is a nested save: only its manifest is listed (it lists the rest).
 */
async function sealGeneration(
  files: NodeFiles,
  crypto: typeof import('node:crypto'),
  genDir: string,
  durable: boolean,
): Promise<SavedFile[]> {
  const { fs, path } = files;
  const out: SavedFile[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    const nested = prefix !== '' && entries.some((e) => e.name === SAVE_MANIFEST && e.isFile());
    for (const entry of entries) {
      if (nested && entry.name !== SAVE_MANIFEST) continue;
      const rel = prefix + entry.name;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(full, `${rel}/`);
      } else if (entry.isFile()) {
        out.push(await sealFile(files, crypto, full, rel, durable));
      } else {
        throw new SimkitError(
          'INVALID_ARGUMENT',
          `A save may hold only regular files and directories, but ${rel} is neither (a link or a device).`,
        );
      }
    }
    if (durable) await syncDirectory(files, dir);
  };
  await walk(genDir, '');
  return out;
}

async function sealFile(
  files: NodeFiles,
  crypto: typeof import('node:crypto'),
  full: string,
  rel: string,
  durable: boolean,
): Promise<SavedFile> {
  const handle = await files.fs.open(full, 'r');
  try {
    const hash = crypto.createHash('sha256');
    const chunk = Buffer.allocUnsafe(1 << 20);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, bytes);
      if (bytesRead === 0) break;
      hash.update(chunk.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    if (durable) await handle.sync();
    return { path: rel, bytes, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

async function syncDirectory(files: NodeFiles, dir: string): Promise<void> {
  try {
    const handle = await files.fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    // Some platforms cannot fsync a directory; a real I/O failure still surfaces.
    if (errnoCode(error) === 'EIO') throw ioError(`Flushing ${dir}`, error);
  }
}

/**
 * Removes, after a commit, the generations and temp files in `dir` that no save needs:
 * everything of ours except the committed generation and what live saves are writing.
 */
async function removeLeftovers(dir: string, keep: string): Promise<void> {
  await cleanSaveDirectory(dir, keep).catch(() => undefined);
}

/** True when process `pid` is running (on this machine). */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

/**
 * Deletes leftovers of interrupted saves in a save directory: generations other than `keep`
 * and temp manifests, unless a live save (this process's, or another running process's)
 * is still writing them. Best effort: what cannot be removed stays for the next time.
 */
export async function cleanSaveDirectory(dir: string, keep: string | undefined): Promise<number> {
  const { fs, path } = await nodeFiles();
  const { inFlight } = registry();
  let removed = 0;
  for (const name of await fs.readdir(dir)) {
    if (name === keep) continue;
    const pid = ownerPid(name);
    if (pid === undefined) continue;
    const full = path.join(dir, name);
    if (inFlight.has(full)) continue;
    if (pid !== process.pid && isAlive(pid)) continue;
    try {
      await fs.rm(full, { recursive: true, force: true });
      removed++;
    } catch {
      // Left for the next save.
    }
  }
  return removed;
}
