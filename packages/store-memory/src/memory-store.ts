import {
  type ComponentConfig,
  type EmbeddingBatch,
  type LabelsInput,
  SimkitError,
  type Store,
  type StoreRecord,
  type StoreSupports,
  assertPositiveInteger,
  checkLabels,
  describe,
  expectConfig,
  invalidArgument,
  toBatch,
  toIds,
} from '@simkit/core';
import { fromJsonText, toJsonTexts } from './json-data.js';
import { type Compression, type StoreSnapshot, readStoreDirectory, writeStoreDirectory } from './store-directory.js';

export interface MemoryStoreOptions {
  /** Rows to allocate on the first add; storage doubles when full. Default 1024. */
  readonly initialCapacity?: number;
  /** How `save` writes files: plain, or gzipped (`.npy.gz`, `data.jsonl.gz`). Default `'none'`. */
  readonly compression?: Compression;
}

/** The part of a MemoryStore that is saved in its `{ type, version, config }`. */
export interface MemoryStoreConfig extends Record<string, unknown> {
  readonly compression: Compression;
}

const TYPE = 'memory-store';
const CONFIG_VERSION = 1;
const PACKAGE = '@simkit/store-memory';
const DEFAULT_CAPACITY = 1024;
/** Ids are int32, so at most 2^31 - 1 of them. */
const MAX_IDS = 0x7fffffff;
const OPTION_KEYS = new Set(['initialCapacity', 'compression']);

/**
 * The default Store: records in contiguous typed storage that doubles when full.
 * Ids are consecutive from 0 and double as slot numbers; deleted ids are never
 * reused until `reset()`. Saves to a directory NumPy can read.
 */
export class MemoryStore implements Store {
  readonly supports: StoreSupports = Object.freeze({ delete: true, persistence: false });
  readonly compression: Compression;
  readonly initialCapacity: number;

  private dimension: number | undefined;
  private capacity = 0;
  private nextId = 0;
  private live = 0;
  /** `capacity` × `dim` floats; row i is id i. */
  private embeddings = new Float32Array(0);
  private labels = new Int32Array(0);
  private labelMask = new Uint8Array(0);
  private deleted = new Uint8Array(0);
  /** JSON text per id, null for none. */
  private data: Array<string | null> = [];
  /** Bumped by reset/load so running iterations notice that the records they walk are gone. */
  private generation = 0;

  constructor(options: MemoryStoreOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(`MemoryStore options must be an object; got ${describe(options)}.`);
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) {
        throw invalidArgument(
          `Unknown MemoryStore option '${key}'; known options are initialCapacity and compression.`,
        );
      }
    }
    const initialCapacity = options.initialCapacity ?? DEFAULT_CAPACITY;
    assertPositiveInteger(initialCapacity, 'initialCapacity');
    this.initialCapacity = initialCapacity;
    this.compression = checkCompression(options.compression ?? 'none');
  }

  static fromConfig(config: ComponentConfig): MemoryStore {
    expectConfig(config, TYPE, CONFIG_VERSION);
    return new MemoryStore({ compression: checkCompression(config.config.compression ?? 'none') });
  }

  toConfig(): ComponentConfig<MemoryStoreConfig> {
    return { type: TYPE, version: CONFIG_VERSION, package: PACKAGE, config: { compression: this.compression } };
  }

  get dim(): number | undefined {
    return this.dimension;
  }

  size(): number {
    return this.live;
  }

  async add(embeddings: EmbeddingBatch, labels?: LabelsInput, data?: ArrayLike<unknown> | null): Promise<Int32Array> {
    // Everything is checked before anything is written, so bad input stores nothing.
    const b = toBatch(embeddings, this.dimension);
    const rows = b.rows;
    const l = checkLabels(labels, rows);
    const texts = toJsonTexts(data, rows);
    if (rows === 0) return new Int32Array(0);
    if (this.nextId + rows > MAX_IDS) {
      throw new SimkitError(
        'UNSUPPORTED',
        `A MemoryStore assigns at most ${MAX_IDS} ids and ${this.nextId} are used; call reset() or split the data over several stores.`,
      );
    }
    const dim = b.dim;
    this.ensureCapacity(this.nextId + rows, dim);
    this.dimension = dim;

    const first = this.nextId;
    this.embeddings.set(b.data, first * dim);
    if (l !== null) {
      this.labels.set(l.values, first);
      this.labelMask.set(l.present, first);
    }
    const ids = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      ids[i] = first + i;
      this.data[first + i] = texts === null ? null : (texts[i] as string | null);
    }
    this.nextId += rows;
    this.live += rows;
    return ids;
  }

  async get(ids: ArrayLike<number>): Promise<StoreRecord[]> {
    const checked = toIds(ids);
    this.assertLive(checked);
    const out = new Array<StoreRecord>(checked.length);
    for (let i = 0; i < checked.length; i++) out[i] = this.record(checked[i] as number);
    return out;
  }

  async delete(ids: ArrayLike<number>): Promise<void> {
    const checked = toIds(ids);
    this.assertLive(checked);
    for (const id of checked) {
      if (this.deleted[id] === 1) continue;
      this.deleted[id] = 1;
      this.labelMask[id] = 0;
      this.data[id] = null;
      this.live--;
    }
  }

  async *entries(): AsyncIterable<StoreRecord> {
    const generation = this.generation;
    for (let id = 0; id < this.nextId; id++) {
      if (this.deleted[id] === 1) continue;
      yield this.record(id);
      if (this.generation !== generation) {
        throw new SimkitError(
          'UNSUPPORTED',
          'The store was reset or loaded while entries() was iterating; start a new iteration after it.',
        );
      }
    }
  }

  async reset(): Promise<void> {
    this.replace(undefined);
  }

  /**
   * Writes the live records to `dir` as `embeddings.npy`, `ids.npy`, `labels.npy`,
   * `label_mask.npy`, `data.jsonl` and `store.json` (gzipped with `compression: 'gzip'`).
   */
  async save(dir: string): Promise<void> {
    checkDir(dir);
    // The snapshot is taken before the first await, so adds made during the save are not half in it.
    await writeStoreDirectory(dir, this.snapshot(), this.compression);
  }

  /** Replaces all records with those saved in `dir`, including the next id to assign. */
  async load(dir: string): Promise<void> {
    checkDir(dir);
    const snapshot = await readStoreDirectory(dir);
    this.replace(snapshot);
  }

  /** Live records in id order as one compact snapshot. */
  private snapshot(): StoreSnapshot {
    const dim = this.dimension ?? 0;
    const n = this.live;
    const ids = new Int32Array(n);
    const embeddings = new Float32Array(n * dim);
    const labels = new Int32Array(n);
    const labelMask = new Uint8Array(n);
    const data = new Array<string | null>(n);
    let j = 0;
    for (let id = 0; id < this.nextId; id++) {
      if (this.deleted[id] === 1) continue;
      ids[j] = id;
      embeddings.set(this.embeddings.subarray(id * dim, (id + 1) * dim), j * dim);
      const hasLabel = this.labelMask[id] as number;
      labels[j] = hasLabel ? (this.labels[id] as number) : 0;
      labelMask[j] = hasLabel;
      data[j] = this.data[id] ?? null;
      j++;
    }
    return { dim: this.dimension, nextId: this.nextId, ids, embeddings, labels, labelMask, data };
  }

  /** Swaps in a whole new state at once (empty when no snapshot is given). */
  private replace(snapshot: StoreSnapshot | undefined): void {
    const dim = snapshot?.dim ?? 0;
    const nextId = snapshot?.nextId ?? 0;
    const capacity = snapshot === undefined || nextId === 0 ? 0 : Math.max(this.initialCapacity, nextId);
    const embeddings = allocate(Float32Array, capacity * dim);
    const labels = allocate(Int32Array, capacity);
    const labelMask = allocate(Uint8Array, capacity);
    const deleted = allocate(Uint8Array, capacity);
    const data = new Array<string | null>(nextId).fill(null);
    if (snapshot !== undefined) {
      deleted.fill(1, 0, nextId);
      const { ids } = snapshot;
      for (let j = 0; j < ids.length; j++) {
        const id = ids[j] as number;
        embeddings.set(snapshot.embeddings.subarray(j * dim, (j + 1) * dim), id * dim);
        labels[id] = snapshot.labels[j] as number;
        labelMask[id] = snapshot.labelMask[j] as number;
        deleted[id] = 0;
        data[id] = snapshot.data[j] ?? null;
      }
    }
    this.dimension = snapshot?.dim;
    this.capacity = capacity;
    this.nextId = nextId;
    this.live = snapshot?.ids.length ?? 0;
    this.embeddings = embeddings;
    this.labels = labels;
    this.labelMask = labelMask;
    this.deleted = deleted;
    this.data = data;
    this.generation++;
  }

  /** Grows storage by doubling until `rows` rows of `dim` floats fit. */
  private ensureCapacity(rows: number, dim: number): void {
    // The embedding check matters after loading a save with ids but no records and no dimension yet.
    if (rows <= this.capacity && this.embeddings.length >= rows * dim) return;
    let capacity = Math.max(this.capacity, this.initialCapacity);
    while (capacity < rows) capacity *= 2;
    capacity = Math.min(capacity, MAX_IDS);
    const embeddings = allocate(Float32Array, capacity * dim);
    const labels = allocate(Int32Array, capacity);
    const labelMask = allocate(Uint8Array, capacity);
    const deleted = allocate(Uint8Array, capacity);
    embeddings.set(this.embeddings.subarray(0, this.nextId * dim));
    labels.set(this.labels.subarray(0, this.nextId));
    labelMask.set(this.labelMask.subarray(0, this.nextId));
    deleted.set(this.deleted.subarray(0, this.nextId));
    this.embeddings = embeddings;
    this.labels = labels;
    this.labelMask = labelMask;
    this.deleted = deleted;
    this.capacity = capacity;
  }

  /** Throws NOT_FOUND naming the ids (checked with toIds) that are not live. */
  private assertLive(ids: Int32Array): void {
    let missing: number[] | undefined;
    for (const id of ids) {
      if (id < this.nextId && this.deleted[id] === 0) continue;
      missing ??= [];
      if (!missing.includes(id)) missing.push(id);
    }
    if (missing === undefined) return;
    const shown = missing.slice(0, 10).join(', ');
    const more = missing.length > 10 ? ` and ${missing.length - 10} more` : '';
    throw new SimkitError(
      'NOT_FOUND',
      `No record with id ${shown}${more} in the store (never added, or deleted); use ids returned by add().`,
      { details: { ids: missing } },
    );
  }

  private record(id: number): StoreRecord {
    const dim = this.dimension ?? 0;
    return {
      id,
      // slice() copies, so callers cannot change what the store holds.
      embedding: this.embeddings.slice(id * dim, (id + 1) * dim),
      label: this.labelMask[id] === 1 ? (this.labels[id] as number) : null,
      data: fromJsonText(this.data[id]),
    };
  }
}

function checkCompression(value: unknown): Compression {
  if (value !== 'none' && value !== 'gzip') {
    throw invalidArgument(`compression must be 'none' or 'gzip'; got ${describe(value)}.`);
  }
  return value;
}

function checkDir(dir: unknown): asserts dir is string {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw invalidArgument(`dir must be a non-empty directory path; got ${describe(dir)}.`);
  }
}

/** Allocates a typed array, turning an out-of-memory RangeError into a SimkitError. */
function allocate<T>(make: new (length: number) => T, length: number): T {
  try {
    return new make(length);
  } catch (cause) {
    throw new SimkitError(
      'UNSUPPORTED',
      `Cannot allocate ${length} values for the MemoryStore; the data is too large for memory. Use @simkit/store-level for large collections.`,
      { cause },
    );
  }
}
