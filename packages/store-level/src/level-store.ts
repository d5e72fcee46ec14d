import {
  type ComponentConfig,
  type ComponentFactory,
  checkData,
  checkLabels,
  dataToJson,
  describe,
  type EmbeddingBatch,
  expectConfig,
  invalidArgument,
  type LabelsInput,
  type Logger,
  noProgress,
  type ProgressHandler,
  SimkitError,
  type Store,
  type StoreRecord,
  type StoreSupports,
  silentLogger,
  toBatch,
  toIds,
} from '@simkit/core';
import { type ChainedBatch, Level } from 'level';
import { lockedError, openError, operationError } from './level-errors.js';
import {
  createDirectory,
  createTemporaryLocation,
  FILE_SNAPSHOTS,
  isInside,
  locationKey,
  markLocation,
  probeLocation,
  removeLocation,
  sameLocation,
  VALUES_NEED_OWN_BUFFER,
} from './location.js';
import { claimLocation, releaseLocation } from './open-locations.js';
import { checkRecord, decodeKey, decodeRecord, encodeKeys, encodeRecords, RECORDS_END } from './record-codec.js';
import { copySnapshot, saveSnapshot } from './saved-snapshot.js';
import { decodeMeta, EMPTY_META, encodeMeta, META_KEY, type StoreMeta } from './store-meta.js';

type Db = Level<Uint8Array, Uint8Array>;
type Batch = ChainedBatch<Db, Uint8Array, Uint8Array>;

/** Options of `LevelStore.open`. */
export interface LevelStoreOptions {
  /** Receives debug and info messages; silent by default. */
  readonly logger?: Logger;
  /** Receives progress of save() and load(); silent by default. */
  readonly onProgress?: ProgressHandler;
}

/** Options of `LevelStore.factory`: where stores built from a saved config live. */
export interface LevelStoreFactoryOptions extends LevelStoreOptions {
  /**
   * The location to open for a store built from a config. Without it, each store
   * is a working copy in a fresh temporary location that close() removes.
   */
  readonly location?: string;
}

/** A registry entry that builds LevelStores from configs. */
export interface LevelStoreFactory extends ComponentFactory<LevelStore> {
  fromConfig(config: ComponentConfig): Promise<LevelStore>;
}

const TYPE = 'level-store';
const CONFIG_VERSION = 1;
const PACKAGE = '@simkit/store-level';
/** Records per iterator read and per write when copying. */
const CHUNK = 1000;
/** Lets one iterator read fetch a whole chunk of typical records. */
const READ_BYTES = 1 << 20;
const MAX_IDS = 0x80000000;
/** Largest encoding buffer kept for reuse between adds. */
const SPARE_BYTES = 4 << 20;

/**
 * A persistent Store on `level`: LevelDB in Node, IndexedDB in browsers.
 * Every change is one atomic LevelDB batch that also updates the store's meta
 * record, so after a crash the store holds exactly the changes that completed.
 */
export class LevelStore implements Store {
  readonly supports: StoreSupports = Object.freeze({ delete: true, persistence: true });
  /** The directory (Node) or IndexedDB database name (browsers) this store lives in. */
  readonly location: string;
  private readonly db: Db;
  private meta: StoreMeta;
  private readonly temporary: boolean;
  /** This store's claim on its location in the process-wide registry, given up on close. */
  private readonly claim: string;
  private readonly logger: Logger;
  private readonly onProgress: ProgressHandler;
  /** Writes run one after another, so ids and the meta record never race. */
  private queue: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;
  /** An encoding buffer whose write has finished, reused by the next add to spare the garbage collector. */
  private spare: Uint8Array | undefined;

  private constructor(
    location: string,
    db: Db,
    meta: StoreMeta,
    temporary: boolean,
    claim: string,
    options: LevelStoreOptions,
  ) {
    this.location = location;
    this.db = db;
    this.meta = meta;
    this.temporary = temporary;
    this.claim = claim;
    this.logger = options.logger ?? silentLogger;
    this.onProgress = options.onProgress ?? noProgress;
  }

  /**
   * Opens the store at `location`, creating it when the location is missing or empty.
   * Fails with LOCKED when another process or instance has it open, and with
   * CORRUPT_INDEX when the location holds something that is not a simkit level store
   * (which is then left exactly as it was: no LevelDB is opened in it).
   */
  static async open(location: string, options: LevelStoreOptions = {}): Promise<LevelStore> {
    checkLocation(location, 'LevelStore.open: location');
    checkOptions(options, 'LevelStore.open');
    return LevelStore.openAt(location, options, false);
  }

  /** Opens a new store in a fresh temporary location that close() deletes. */
  static async openTemporary(options: LevelStoreOptions = {}): Promise<LevelStore> {
    checkOptions(options, 'LevelStore.openTemporary');
    return LevelStore.openAt(await createTemporaryLocation(), options, true);
  }

  /**
   * Builds a store for `Indexer.load` and other config round trips: a working copy
   * in a fresh temporary location, never the location recorded in the config
   * (it may be gone, locked by a running store, or hold newer records).
   * Use `LevelStore.factory({ location })` to choose where the copy lives.
   */
  static fromConfig(config: ComponentConfig): Promise<LevelStore> {
    return LevelStore.factory().fromConfig(config);
  }

  /** A registry entry whose stores open `options.location`, or fresh temporary locations. */
  static factory(options: LevelStoreFactoryOptions = {}): LevelStoreFactory {
    checkOptions(options, 'LevelStore.factory');
    const { location, ...rest } = options;
    if (location !== undefined) checkLocation(location, 'LevelStore.factory: location');
    return {
      fromConfig: async (config: ComponentConfig) => {
        expectConfig(config, TYPE, CONFIG_VERSION);
        const recorded = (config.config as Record<string, unknown>).location;
        if (recorded !== undefined && typeof recorded !== 'string') {
          throw invalidArgument(`A '${TYPE}' config has location ${describe(recorded)}; expected a string.`);
        }
        return location === undefined ? LevelStore.openTemporary(rest) : LevelStore.open(location, rest);
      },
    };
  }

  private static async openAt(location: string, options: LevelStoreOptions, temporary: boolean): Promise<LevelStore> {
    const claim = await locationKey(location);
    // Refused before LevelDB is touched: a second LevelDB handle would drop the first one's OS lock.
    if (!claimLocation(claim)) throw lockedError(location, 'level store');
    let db: Db | undefined;
    try {
      const probe = await inspectLocation(location, 'level store');
      if (probe.kind === 'foreign') {
        throw new SimkitError(
          'CORRUPT_INDEX',
          `${location} is not a simkit level store: it holds ${probe.detail}. Open an empty or new directory, or one a LevelStore wrote; this one is left untouched.`,
          { details: { location } },
        );
      }
      // Created here, so a refusal of the file system is reported as what it is.
      if (probe.kind === 'missing') await createDirectory(location);
      db = await openDb(location, 'level store', true);
      const opened = db;
      let meta = await readMeta(opened, location);
      if (meta === undefined) {
        if (await hasAnyKey(opened)) {
          throw new SimkitError(
            'CORRUPT_INDEX',
            `${location} holds a LevelDB that is not a simkit level store (it has no simkit meta record). Open an empty or new location instead.`,
            { details: { location } },
          );
        }
        // Marked only now: a crash before this leaves a LevelDB without data, which the next open adopts.
        if (probe.kind !== 'store') await markLocation(location);
        meta = EMPTY_META;
        await opened.put(META_KEY, encodeMeta(meta), { sync: true });
      }
      const store = new LevelStore(location, opened, meta, temporary, claim, options);
      store.logger.log('debug', 'Opened level store', { location, size: meta.size, dim: meta.dim, temporary });
      return store;
    } catch (error) {
      await db?.close().catch(() => undefined);
      releaseLocation(claim);
      if (temporary) await removeLocation(location).catch(() => undefined);
      throw openError(error, location, 'level store');
    }
  }

  get dim(): number | undefined {
    return this.meta.dim ?? undefined;
  }

  size(): number {
    return this.meta.size;
  }

  async add(embeddings: EmbeddingBatch, labels?: LabelsInput, data?: ArrayLike<unknown> | null): Promise<Int32Array> {
    this.assertOpen();
    const b = toBatch(embeddings, this.dim);
    const l = checkLabels(labels, b.rows);
    const d = checkData(data, b.rows);
    if (b.rows === 0) return new Int32Array(0);
    const json = dataToJson(d, b.rows);
    // Encoded now, so the caller may reuse its arrays as soon as add() returns.
    const spare = this.spare;
    this.spare = undefined;
    const encoded = encodeRecords(b, l, json, spare);
    const { bytes } = encoded;
    const values = VALUES_NEED_OWN_BUFFER ? encoded.values.map((v) => v.slice()) : encoded.values;
    return this.exclusive('Adding records', async () => {
      try {
        return await this.addEncoded(b.rows, b.dim, values);
      } finally {
        // The write has finished with the bytes, so the next add may reuse them.
        if (bytes.length <= SPARE_BYTES && (this.spare === undefined || this.spare.length < bytes.length)) {
          this.spare = bytes;
        }
      }
    });
  }

  /** Commits encoded records under the next ids, with the meta record, in one batch. */
  private async addEncoded(rows: number, dim: number, values: Uint8Array[]): Promise<Int32Array> {
    const meta = this.meta;
    if (meta.dim !== null && meta.dim !== dim) {
      throw new SimkitError(
        'DIMENSION_MISMATCH',
        `embeddings: got vectors of dimension ${dim}, expected ${meta.dim}. Every vector in a store has the same dimension.`,
        { details: { expected: meta.dim, actual: dim } },
      );
    }
    if (meta.nextId + rows > MAX_IDS) {
      throw new SimkitError(
        'UNSUPPORTED',
        `The level store at ${this.location} has used ${meta.nextId} ids and ids stop at 2^31 − 1; reset() it or start a new store.`,
      );
    }
    const ids = new Int32Array(rows);
    for (let i = 0; i < rows; i++) ids[i] = meta.nextId + i;
    const keys = encodeKeys(ids);
    const next: StoreMeta = { dim, nextId: meta.nextId + rows, size: meta.size + rows };
    await this.write((batch) => {
      for (let i = 0; i < rows; i++) batch.put(keys[i] as Uint8Array, values[i] as Uint8Array);
      batch.put(META_KEY, encodeMeta(next));
    });
    this.meta = next;
    return ids;
  }

  /** Reads all `ids` with one `getMany`; records come back in the order asked. */
  async get(ids: ArrayLike<number>): Promise<StoreRecord[]> {
    this.assertOpen();
    const checked = toIds(ids);
    if (checked.length === 0) return [];
    let values: Array<Uint8Array | undefined>;
    try {
      values = await this.db.getMany(encodeKeys(checked));
    } catch (error) {
      throw operationError(error, 'Reading records', this.location);
    }
    const missing: number[] = [];
    for (let i = 0; i < values.length; i++) if (values[i] === undefined) missing.push(checked[i] as number);
    if (missing.length > 0) throw notFound(missing, this.location);
    const dim = this.dim;
    const out = new Array<StoreRecord>(values.length);
    for (let i = 0; i < values.length; i++) out[i] = decodeRecord(checked[i] as number, values[i] as Uint8Array, dim);
    return out;
  }

  /** Deletes `ids` in one atomic batch; if any id is unknown, nothing is deleted. */
  async delete(ids: ArrayLike<number>): Promise<void> {
    this.assertOpen();
    const unique = Array.from(new Set(toIds(ids)));
    if (unique.length === 0) return;
    return this.exclusive('Deleting records', async () => {
      const keys = encodeKeys(unique);
      const present = await this.db.hasMany(keys);
      const missing = unique.filter((_, i) => !present[i]);
      if (missing.length > 0) throw notFound(missing, this.location);
      const next: StoreMeta = { ...this.meta, size: this.meta.size - unique.length };
      await this.write((batch) => {
        for (const key of keys) batch.del(key);
        batch.put(META_KEY, encodeMeta(next));
      });
      this.meta = next;
    });
  }

  /** Every record in id order, read from a snapshot taken when iteration starts. */
  async *entries(): AsyncIterable<StoreRecord> {
    this.assertOpen();
    const dim = this.dim;
    const it = this.db.iterator({ lt: RECORDS_END, highWaterMarkBytes: READ_BYTES });
    try {
      for (;;) {
        let chunk: Array<[Uint8Array, Uint8Array]>;
        try {
          chunk = await it.nextv(CHUNK);
        } catch (error) {
          throw operationError(error, 'Reading records', this.location);
        }
        if (chunk.length === 0) return;
        for (const [key, value] of chunk) yield decodeRecord(decodeKey(key), value, dim);
      }
    } finally {
      await it.close();
    }
  }

  /** Deletes every record in one atomic batch; ids restart at 0 and the dimension is forgotten. */
  async reset(): Promise<void> {
    this.assertOpen();
    return this.exclusive('Resetting', async () => {
      await this.write(async (batch) => {
        await forEachChunk(this.db.keys({ lt: RECORDS_END }), (keys) => {
          for (const key of keys) batch.del(key);
        });
        batch.put(META_KEY, encodeMeta(EMPTY_META));
      });
      this.meta = EMPTY_META;
    });
  }

  /**
   * Writes a self-contained snapshot of every record and the meta record, read from one
   * consistent moment of this store. It stays loadable after this store's location is deleted.
   *
   * In Node, `dir` becomes an atomic save (core's `writeSave`): the snapshot is a new LevelDB
   * inside a fresh generation of `dir`, whose files are flushed and listed with their SHA-256
   * in `dir/simkit-save.json`, written last. A crash at any instant leaves the previous
   * snapshot or the new one. `dir` must be missing, empty, or a snapshot saved before.
   * In browsers, `dir` is an IndexedDB database name that receives a copy of the records.
   */
  async save(dir: string): Promise<void> {
    this.assertOpen();
    checkLocation(dir, 'save: dir');
    if (sameLocation(dir, this.location)) return;
    if (isInside(this.location, dir)) {
      throw invalidArgument(`save: ${dir} is inside the store's own location ${this.location}; save somewhere else.`);
    }
    return this.exclusive('Saving', async () => {
      if (FILE_SNAPSHOTS) {
        await saveSnapshot(dir, async (location) => {
          const target = await openDb(location, 'snapshot', true);
          try {
            await this.copyInto(target, location);
          } finally {
            await target.close();
          }
        });
      } else {
        await this.saveToDatabase(dir);
      }
      this.logger.log('info', 'Saved level store snapshot', { location: this.location, dir, size: this.meta.size });
    });
  }

  /** Copies every record, then the meta record, into the empty LevelDB `target`. */
  private async copyInto(target: Db, where: string): Promise<void> {
    const total = this.meta.size;
    let done = 0;
    this.onProgress({ task: 'level-store:save', done, total });
    const records = this.db.iterator({ lt: RECORDS_END, highWaterMarkBytes: READ_BYTES });
    await forEachChunk(records, async (entries) => {
      const batch = target.batch();
      for (const [key, value] of entries) batch.put(key, value);
      try {
        await batch.write();
      } catch (error) {
        throw operationError(error, 'Writing the snapshot', where);
      }
      done += entries.length;
      this.onProgress({ task: 'level-store:save', done, total });
    }).catch((error: unknown) => {
      throw operationError(error, 'Reading records', this.location);
    });
    try {
      await target.put(META_KEY, encodeMeta(this.meta));
    } catch (error) {
      throw operationError(error, 'Writing the snapshot', where);
    }
  }

  /** Browsers: copies the records into the IndexedDB database `dir`, the meta record last. */
  private async saveToDatabase(dir: string): Promise<void> {
    const target = await openDb(dir, 'snapshot database', true);
    try {
      if ((await target.get(META_KEY)) !== undefined) {
        // Drop the old meta record first, so an interrupted save cannot leave a snapshot that looks complete.
        await target.del(META_KEY, { sync: true });
        await target.clear();
      } else if (await hasAnyKey(target)) {
        throw invalidArgument(`save: ${dir} holds a database that is not a simkit level store; save under a new name.`);
      }
      await this.copyInto(target, dir);
    } finally {
      await target.close();
    }
  }

  /**
   * Replaces this store's records, dimension and next id with those of a snapshot
   * written by save(), in one atomic batch: on any error this store is unchanged.
   *
   * In Node, every file of the snapshot is checked against the SHA-256 its save recorded,
   * then copied into a private temporary directory, and that copy is opened: the saved
   * files are only read, so a snapshot on a read-only location loads, and stays as it was.
   * Every record is then decoded and checked (ids below the next id, dimension, count)
   * before the batch is written.
   */
  async load(dir: string): Promise<void> {
    this.assertOpen();
    checkLocation(dir, 'load: dir');
    if (sameLocation(dir, this.location)) return;
    return this.exclusive('Loading', async () => {
      if (FILE_SNAPSHOTS) {
        const copy = await copySnapshot(dir);
        try {
          const source = await openDb(copy, 'private copy of a saved level store', false).catch((error: unknown) => {
            // Checksums matched, so the save was written this way: not a LevelDB this package wrote.
            if (SimkitError.isInstance(error) && error.code === 'CORRUPT_INDEX') {
              throw snapshotMismatch(dir, 'its LevelDB files cannot be opened', error);
            }
            throw error;
          });
          try {
            await this.replaceFrom(source, dir);
          } finally {
            await source.close();
          }
        } finally {
          await removeLocation(copy).catch(() => undefined);
        }
      } else {
        const source = await openDb(dir, 'saved level store', false);
        try {
          await this.replaceFrom(source, dir);
        } finally {
          await source.close();
        }
      }
      this.logger.log('info', 'Loaded level store snapshot', { location: this.location, dir, size: this.meta.size });
    });
  }

  /** Checks every record of the snapshot `source` while writing them over this store's, in one batch. */
  private async replaceFrom(source: Db, dir: string): Promise<void> {
    const damaged = (error: unknown): SimkitError =>
      SimkitError.isInstance(error) ? error : operationError(error, 'Reading the snapshot', dir);
    const meta = await readMeta(source, dir).catch((error: unknown) => {
      throw damaged(error);
    });
    if (meta === undefined) {
      throw new SimkitError(
        'CORRUPT_INDEX',
        `${dir} has no simkit meta record: it is not a level store snapshot, or the save() that wrote it did not finish. Save the store again.`,
        { details: { dir } },
      );
    }
    const otherKeys = await source
      .keys({ gte: RECORDS_END, limit: 2 })
      .all()
      .catch((error: unknown) => {
        throw damaged(error);
      });
    if (otherKeys.length !== 1)
      throw snapshotMismatch(dir, 'it holds keys that are neither records nor its meta record');
    const dim = meta.dim ?? undefined;
    await this.write(async (batch) => {
      await forEachChunk(this.db.keys({ lt: RECORDS_END }), (keys) => {
        for (const key of keys) batch.del(key);
      });
      let count = 0;
      this.onProgress({ task: 'level-store:load', done: 0, total: meta.size });
      await forEachChunk(source.iterator({ lt: RECORDS_END, highWaterMarkBytes: READ_BYTES }), (entries) => {
        for (const [key, value] of entries) {
          let id: number;
          try {
            id = decodeKey(key);
            // Checked as get() would decode it (flags, lengths, dimension, data JSON): nothing unreadable gets in.
            checkRecord(id, value, dim);
          } catch (error) {
            const problem = SimkitError.isInstance(error) ? error.details?.problem : undefined;
            throw snapshotMismatch(dir, typeof problem === 'string' ? problem : 'a record cannot be read', error);
          }
          if (id >= meta.nextId) throw snapshotMismatch(dir, `record ${id} is not below its next id ${meta.nextId}`);
          batch.put(key, value);
        }
        count += entries.length;
        if (count > meta.size)
          throw snapshotMismatch(dir, `it holds more records than its meta record says (${meta.size})`);
        this.onProgress({ task: 'level-store:load', done: count, total: meta.size });
      }).catch((error: unknown) => {
        throw damaged(error);
      });
      if (count !== meta.size) {
        throw snapshotMismatch(dir, `it holds ${count} records but its meta record says ${meta.size}`);
      }
      batch.put(META_KEY, encodeMeta(meta));
    });
    this.meta = meta;
  }

  /** Waits for pending writes, releases the LevelDB lock, and deletes a temporary location. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closing = (async () => {
        await this.queue;
        try {
          await this.db.close();
        } finally {
          releaseLocation(this.claim);
        }
        if (this.temporary) await removeLocation(this.location);
      })();
    }
    return this.closing;
  }

  toConfig(): ComponentConfig<{ location: string }> {
    return { type: TYPE, version: CONFIG_VERSION, package: PACKAGE, config: { location: this.location } };
  }

  private assertOpen(): void {
    if (this.closing !== undefined) {
      throw new SimkitError(
        'NOT_READY',
        `The level store at ${this.location} is closed; open it again with LevelStore.open(location).`,
      );
    }
  }

  /**
   * Fills one chained batch with `fill` and commits it atomically; discards it if `fill` throws.
   * Chained batches write large batches faster than an array of operations.
   */
  private async write(fill: (batch: Batch) => void | Promise<void>): Promise<void> {
    const batch = this.db.batch();
    try {
      await fill(batch);
    } catch (error) {
      await batch.close();
      throw error;
    }
    await batch.write();
  }

  /** Runs `fn` after every earlier write has finished; level failures become SimkitErrors. */
  private exclusive<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      try {
        return await fn();
      } catch (error) {
        throw operationError(error, operation, this.location);
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function checkLocation(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw invalidArgument(
      `${name} must be a non-empty string (a directory path, or an IndexedDB name in browsers); got ${describe(value)}.`,
    );
  }
}

function checkOptions(options: unknown, where: string): void {
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument(`${where}: options must be an object; got ${describe(options)}.`);
  }
  const o = options as Record<string, unknown>;
  if (o.logger !== undefined && typeof (o.logger as Logger | null)?.log !== 'function') {
    throw invalidArgument(`${where}: options.logger must have a log(level, message, fields) method.`);
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    throw invalidArgument(`${where}: options.onProgress must be a function; got ${describe(o.onProgress)}.`);
  }
}

async function inspectLocation(location: string, role: string) {
  try {
    return await probeLocation(location);
  } catch (error) {
    throw openError(error, location, role);
  }
}

async function openDb(location: string, role: string, createIfMissing: boolean): Promise<Db> {
  const db = new Level<Uint8Array, Uint8Array>(location, {
    keyEncoding: 'view',
    valueEncoding: 'view',
    createIfMissing,
  });
  try {
    await db.open();
  } catch (error) {
    throw openError(error, location, role);
  }
  return db;
}

async function readMeta(db: Db, location: string): Promise<StoreMeta | undefined> {
  const bytes = await db.get(META_KEY);
  return bytes === undefined ? undefined : decodeMeta(bytes, location);
}

async function hasAnyKey(db: Db): Promise<boolean> {
  return (await db.keys({ limit: 1 }).all()).length > 0;
}

/** Reads an iterator in chunks and hands each chunk to `fn`; always closes the iterator. */
async function forEachChunk<T>(
  it: { nextv(size: number): Promise<T[]>; close(): Promise<void> },
  fn: (chunk: T[]) => void | Promise<void>,
): Promise<void> {
  try {
    for (;;) {
      const chunk = await it.nextv(CHUNK);
      if (chunk.length === 0) return;
      await fn(chunk);
    }
  } finally {
    await it.close();
  }
}

function notFound(missing: number[], location: string): SimkitError {
  const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, … (${missing.length} in all)` : '');
  return new SimkitError(
    'NOT_FOUND',
    `No record with id ${shown} in the level store at ${location}; it was never added or has been deleted.`,
    { details: { ids: missing.slice(0, 100) } },
  );
}

function snapshotMismatch(dir: string, what: string, cause?: unknown): SimkitError {
  return new SimkitError(
    'CORRUPT_INDEX',
    `The saved level store at ${dir} is inconsistent: ${what}. It was damaged or written by another program; save the store again.`,
    { details: { dir }, ...(cause === undefined ? {} : { cause }) },
  );
}
