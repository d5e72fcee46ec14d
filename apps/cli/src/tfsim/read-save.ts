import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { SimkitError, errnoCode, readRegularFile } from '@simkit/core';
import { DEFAULT_NPZ_MAX_BYTES, type NpzValue, readNpz } from '../npz.js';
import { NdArray } from '../pickle.js';
import { type TfsimMetadata, parseTfsimMetadata } from './metadata.js';

/** Metadata larger than this is not a TensorFlow Similarity index (calibration tables included). */
const MAX_METADATA_BYTES = 256 * 1024 * 1024;

/** The files of a TensorFlow Similarity index save, read and checked, before any conversion. */
export interface TfsimSave {
  readonly dir: string;
  readonly metadata: TfsimMetadata;
  /** Path of the `index.npz` that was read. */
  readonly npzPath: string;
  /** `store` for `store/index.npz` (0.18), `top-level` for `index.npz` next to the metadata (up to 0.17). */
  readonly layout: 'store' | 'top-level';
  readonly embeddings: NdArray;
  readonly labels: NdArray;
  readonly data: NdArray;
  /** Entries of the archive other than embeddings, labels and data. */
  readonly otherEntries: readonly string[];
}

/** Options of `readTfsimSave`. */
export interface ReadTfsimSaveOptions {
  /** Most bytes the archive may have, and may inflate to. Default 1 GiB. */
  readonly maxBytes?: number;
}

async function kind(path: string): Promise<'file' | 'dir' | 'other' | 'missing'> {
  try {
    const s = await lstat(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
  } catch (cause) {
    if (errnoCode(cause) === 'ENOENT' || errnoCode(cause) === 'ENOTDIR') return 'missing';
    throw cause;
  }
}

/**
 * Reads the index TensorFlow Similarity's `Indexer.save(path)` (or `SimilarityModel.save_index`)
 * wrote into `dir`: `index_metadata.json`, and the MemoryStore's `index.npz` from `store/` (0.18)
 * or from `dir` itself (up to 0.17). Only files are read; nothing is executed. The search files
 * under `search/` are not read.
 *
 * @throws SimkitError NOT_FOUND when `dir` or its metadata or archive is missing; CORRUPT_INDEX
 *   when a file is damaged; UNSUPPORTED for stores other than MemoryStore, which keep their
 *   records outside the save.
 */
export async function readTfsimSave(dir: string, options: ReadTfsimSaveOptions = {}): Promise<TfsimSave> {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new SimkitError('INVALID_ARGUMENT', 'Pass the directory a TensorFlow Similarity index was saved to.');
  }
  const maxBytes = options.maxBytes ?? DEFAULT_NPZ_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new SimkitError('INVALID_ARGUMENT', `maxBytes must be a positive integer; got ${String(maxBytes)}.`);
  }
  if ((await kind(dir)) !== 'dir') {
    throw new SimkitError(
      'NOT_FOUND',
      `'${dir}' is not a directory; pass the directory given to TensorFlow Similarity's index.save().`,
    );
  }
  const metaPath = join(dir, 'index_metadata.json');
  if ((await kind(metaPath)) === 'missing') {
    const hint =
      (await kind(join(dir, 'index', 'index_metadata.json'))) === 'file'
        ? ` It looks like a saved SimilarityModel: pass '${join(dir, 'index')}' instead.`
        : ' Pass the directory given to index.save() or model.save_index().';
    throw new SimkitError(
      'NOT_FOUND',
      `No index_metadata.json in '${dir}', so it is not a TensorFlow Similarity index save.${hint}`,
    );
  }
  const text = new TextDecoder().decode(await readRegularFile(metaPath, { maxBytes: MAX_METADATA_BYTES }));
  const metadata = parseTfsimMetadata(text, metaPath);
  checkStore(metadata, dir);

  let npzPath = join(dir, 'store', 'index.npz');
  let layout: TfsimSave['layout'] = 'store';
  if ((await kind(npzPath)) === 'missing') {
    npzPath = join(dir, 'index.npz');
    layout = 'top-level';
    if ((await kind(npzPath)) === 'missing') {
      throw new SimkitError(
        'NOT_FOUND',
        `No index.npz in '${join(dir, 'store')}' nor in '${dir}': the records of this TensorFlow Similarity index are missing. Save the index again with index.save().`,
      );
    }
  }
  const bytes = await readRegularFile(npzPath, {
    maxBytes,
    corrupt: (problem, cause) =>
      new SimkitError('CORRUPT_INDEX', `${npzPath} cannot be read: ${problem}.`, {
        details: { file: npzPath },
        ...(cause === undefined ? {} : { cause }),
      }),
  });
  const entries = readNpz(bytes, { maxBytes, what: npzPath });
  const array = (name: string): NdArray => {
    const v: NpzValue | undefined = entries.get(name);
    if (!(v instanceof NdArray)) {
      throw new SimkitError(
        'CORRUPT_INDEX',
        `${npzPath} has no '${name}.npy' entry; a TensorFlow Similarity MemoryStore writes embeddings, labels and data.`,
      );
    }
    return v;
  };
  return {
    dir,
    metadata,
    npzPath,
    layout,
    embeddings: array('embeddings'),
    labels: array('labels'),
    data: array('data'),
    otherEntries: [...entries.keys()].filter((k) => k !== 'embeddings' && k !== 'labels' && k !== 'data'),
  };
}

/** Only MemoryStore keeps its records in the save; the other stores keep them elsewhere. */
function checkStore(md: TfsimMetadata, dir: string): void {
  if (md.store === null) return;
  const name = md.store.className.toLowerCase();
  if (name === 'memorystore' || name === 'memory') return;
  const why =
    name === 'redisstore' || name === 'redis'
      ? `its records live in a Redis server (${String(md.store.options.host ?? 'localhost')}:${String(md.store.options.port ?? 6379)}, db ${String(md.store.options.db ?? 0)}), not in the save`
      : name === 'cachedstore' || name === 'cached'
        ? 'its records live in the dbm shard files of a CachedStore (Python pickles), not in an index.npz'
        : `its records live in a '${md.store.className}' store, whose files this importer does not know`;
  throw new SimkitError(
    'UNSUPPORTED',
    `The TensorFlow Similarity index in '${dir}' cannot be imported: ${why}. Only MemoryStore saves (store/index.npz) are read; in Python, copy the records into an Indexer with the default MemoryStore and save that.`,
    { details: { store: md.store.className } },
  );
}
