import { cleanSaveDirectory } from './atomic-save.js';
import { SimkitError, invalidArgument } from './errors.js';
import { readRegularFile, scanRegularFile } from './file-reads.js';
import { errnoCode, ioError, isOsFailure } from './io-errors.js';
import { nodeCrypto, nodeFiles } from './node-files.js';
import {
  MAX_MANIFEST_BYTES,
  SAVE_MANIFEST,
  type SavedFile,
  checkManifest,
  isSafeRelativePath,
  manifestBody,
} from './save-manifest.js';

/** A committed save, opened and checked: read its files through `read`, which verifies each. */
export interface OpenedSave {
  readonly id: string;
  readonly kind: string;
  /** The directory holding the files (a generation inside the save directory). */
  readonly dir: string;
  /** The files the manifest lists, by path. */
  readonly files: ReadonlyMap<string, SavedFile>;
  /** True when the manifest lists `path`. */
  has(path: string): boolean;
  /**
   * The bytes of a listed file, after checking that it is a regular file of the saved size
   * whose SHA-256 matches. `maxBytes` refuses a file larger than the caller can use.
   */
  read(path: string, options?: { maxBytes?: number }): Promise<Uint8Array>;
  /**
   * Passes a listed file's bytes to `onChunk` in order, at most 1 MiB at a time, with the
   * checks of `read`, without holding the file in memory (for files too large to hold twice).
   * The checksum is verified at the end: act on the bytes only once this resolves.
   */
  scan(
    path: string,
    onChunk: (chunk: Uint8Array, offset: number) => void,
    options?: { maxBytes?: number },
  ): Promise<void>;
  /** Reads a listed file as UTF-8 text (same checks as `read`). */
  readText(path: string, options?: { maxBytes?: number }): Promise<string>;
  /** Checks every listed file (size and checksum) without keeping the bytes. */
  verifyAll(): Promise<void>;
  /** Absolute path of a file or sub-directory inside the save (for nested saves). */
  path(relative: string): string;
}

/** Options of `openSave`. */
export interface OpenSaveOptions {
  /**
   * Remove what crashed saves left in the directory (best effort; never the save). Default
   * false: a load leaves the directory exactly as it found it, and the next save cleans.
   */
  readonly clean?: boolean;
}

/**
 * Opens the save that `writeSave(target, kind, …)` committed. The manifest must be a
 * regular file within its size bound, parse, carry a matching checksum, and be of `kind`;
 * otherwise CORRUPT_INDEX (a newer format: UNSUPPORTED; an OS failure: IO_ERROR).
 */
export async function openSave(target: string, kind: string, options: OpenSaveOptions = {}): Promise<OpenedSave> {
  if (typeof target !== 'string' || target.length === 0) {
    throw invalidArgument('load needs a directory path (a non-empty string).');
  }
  const { fs, path } = await nodeFiles();
  const crypto = await nodeCrypto();
  const corrupt = (problem: string, cause?: unknown) =>
    new SimkitError('CORRUPT_INDEX', `'${target}' is not a loadable save: ${problem}.`, {
      details: { dir: target },
      ...(cause === undefined ? {} : { cause }),
    });
  try {
    const stat = await fs.stat(target);
    if (!stat.isDirectory()) throw corrupt('it is not a directory; pass the directory that save() wrote');
  } catch (error) {
    if (SimkitError.isInstance(error)) throw error;
    if (isOsFailure(error)) throw ioError(`Opening ${target}`, error);
    if (errnoCode(error) === 'ENOENT') {
      throw corrupt('it does not exist; pass the directory that save() wrote', error);
    }
    throw corrupt(`it cannot be opened (${errnoCode(error) ?? String(error)})`, error);
  }
  const manifestPath = path.join(target, SAVE_MANIFEST);
  const bytes = await readRegularFile(manifestPath, {
    maxBytes: MAX_MANIFEST_BYTES,
    corrupt: (problem, cause) =>
      corrupt(
        problem === 'it is missing'
          ? `it has no ${SAVE_MANIFEST}, so no save was ever completed there (or it is not a directory that save() wrote)`
          : `its ${SAVE_MANIFEST} ${problem.replace(/^it /, '')}`,
        cause,
      ),
  });
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw corrupt(`its ${SAVE_MANIFEST} is not valid JSON`, cause);
  }
  // The checksum first: a damaged manifest is CORRUPT_INDEX even where the damage hit its version.
  const claimed = (raw as { checksum?: unknown } | null)?.checksum;
  if (
    typeof raw !== 'object' ||
    raw === null ||
    Array.isArray(raw) ||
    typeof claimed !== 'string' ||
    crypto.createHash('sha256').update(manifestBody(raw)).digest('hex') !== claimed
  ) {
    throw corrupt(`its ${SAVE_MANIFEST} does not match its own checksum (damaged)`);
  }
  const { manifest } = checkManifest(raw, (problem) => corrupt(`its ${SAVE_MANIFEST}: ${problem}`));
  if (manifest.kind !== kind) {
    throw corrupt(`it holds a saved '${manifest.kind}', not a '${kind}'`);
  }
  const dir = path.join(target, manifest.generation);
  try {
    const stat = await fs.lstat(dir);
    if (!stat.isDirectory()) throw corrupt(`its files directory ${manifest.generation} is not a plain directory`);
  } catch (error) {
    if (SimkitError.isInstance(error)) throw error;
    if (isOsFailure(error)) throw ioError(`Opening ${dir}`, error);
    throw corrupt(`its files directory ${manifest.generation} is missing`, error);
  }
  if (options.clean === true) await cleanSaveDirectory(target, manifest.generation).catch(() => 0);

  const files = new Map(manifest.files.map((f) => [f.path, f]));
  const fileCorrupt = (name: string) => (problem: string, cause?: unknown) =>
    corrupt(`${name} ${problem.replace(/^it /, '')}`, cause);
  /** Every directory between the generation and the file must be a real directory, not a link. */
  const checkParents = async (rel: string): Promise<void> => {
    const parts = rel.split('/');
    let current = dir;
    for (const part of parts.slice(0, -1)) {
      current = path.join(current, part);
      let ok = false;
      try {
        ok = (await fs.lstat(current)).isDirectory();
      } catch (error) {
        if (isOsFailure(error)) throw ioError(`Opening ${current}`, error);
      }
      if (!ok) throw corrupt(`${rel} is not inside a plain directory of the save`);
    }
  };
  /** The listed entry of `rel`, after the checks every read makes before it opens the file. */
  const listed = async (rel: string, opts: { maxBytes?: number }): Promise<SavedFile> => {
    const entry = files.get(rel);
    if (entry === undefined || !isSafeRelativePath(rel)) {
      throw corrupt(`${rel} is not part of the save (its manifest does not list it)`);
    }
    if (opts.maxBytes !== undefined && entry.bytes > opts.maxBytes) {
      throw corrupt(`${rel} is listed with ${entry.bytes} bytes, more than the ${opts.maxBytes} it can hold`);
    }
    await checkParents(rel);
    return entry;
  };
  const read = async (rel: string, opts: { maxBytes?: number } = {}): Promise<Uint8Array> => {
    const entry = await listed(rel, opts);
    return readRegularFile(path.join(dir, rel), {
      bytes: entry.bytes,
      sha256: entry.sha256,
      corrupt: fileCorrupt(rel),
    });
  };
  const scan = async (
    rel: string,
    onChunk: (chunk: Uint8Array, offset: number) => void,
    opts: { maxBytes?: number } = {},
  ): Promise<void> => {
    const entry = await listed(rel, opts);
    await scanRegularFile(path.join(dir, rel), onChunk, {
      bytes: entry.bytes,
      sha256: entry.sha256,
      corrupt: fileCorrupt(rel),
    });
  };
  return {
    id: manifest.id,
    kind: manifest.kind,
    dir,
    files,
    has: (rel) => files.has(rel),
    read,
    scan,
    readText: async (rel, opts) => {
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(await read(rel, opts));
      } catch (error) {
        if (SimkitError.isInstance(error)) throw error;
        throw corrupt(`${rel} is not valid UTF-8 text`, error);
      }
    },
    verifyAll: async () => {
      for (const rel of files.keys()) await scan(rel, () => undefined);
    },
    path: (rel) => {
      if (!isSafeRelativePath(rel)) throw invalidArgument(`Not a path inside a save: ${JSON.stringify(rel)}.`);
      return path.join(dir, rel);
    },
  };
}
