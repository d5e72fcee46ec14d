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

/** Options of `new MemoryStore(...)`. */
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
 * Ids are assigned consecutively from 0 and are never reused until `reset()`. Records sit
 * in slots in id order, so memory follows the records held, not the largest id ever
 * assigned (a loaded save may continue counting from a high id). Saves to a directory
 * NumPy can read.
 */
export class MemoryStore implements Store {
  readonly supports: StoreSupports = Object.freeze({ delete: true, persistence: false });
  readonly compression: Compression;
  readonly initialCapacity: number;

  private dimension: number | undefined;
  private capacity = 0;
  /** Slots in use, deleted ones included. */
  private count = 0;
  private nextId = 0;
  private live = 0;
  /** Id per slot, strictly increasing over slots `[0, count)`. */
  private slotIds: Int32Array = new Int32Array(0);
  /** `capacity` × `dim` floats; row s is slot s. */
  private embeddings: Float32Array = new Float32Array(0);
  private labels: Int32Array = new Int32Array(0);
  private labelMask: Uint8Array = new Uint8Array(0);
  private deleted: Uint8Array = new Uint8Array(0);
  /** JSON text per slot, null for none. */
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

  /** An empty MemoryStore with the saved compression setting; `load` then reads the records. */
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
    this.ensureCapacity(this.count + rows, dim);
    this.dimension = dim;

    const first = this.count;
    this.embeddings.set(b.data, first * dim);
    if (l !== null) {
      this.labels.set(l.values, first);
      this.labelMask.set(l.present, first);
    }
    const ids = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      ids[i] = this.nextId + i;
      this.slotIds[first + i] = this.nextId + i;
      this.data[first + i] = texts === null ? null : (texts[i] as string | null);
    }
    this.count += rows;
    this.nextId += rows;
    this.live += rows;
    return ids;
  }

  async get(ids: ArrayLike<number>): Promise<StoreRecord[]> {
    const slots = this.liveSlots(toIds(ids));
    const out = new Array<StoreRecord>(slots.length);
    for (let i = 0; i < slots.length; i++) out[i] = this.record(slots[i] as number);
    return out;
  }

  async delete(ids: ArrayLike<number>): Promise<void> {
    const slots = this.liveSlots(toIds(ids));
    for (const slot of slots) {
      if (this.deleted[slot] === 1) continue;
      this.deleted[slot] = 1;
      this.labelMask[slot] = 0;
      this.data[slot] = null;
      this.live--;
    }
  }

  async *entries(): AsyncIterable<StoreRecord> {
    const generation = this.generation;
    for (let slot = 0; slot < this.count; slot++) {
      if (this.deleted[slot] === 1) continue;
      yield this.record(slot);
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
   * Saves the live records atomically into `dir`: `embeddings.npy`, `ids.npy`, `labels.npy`,
   * `label_mask.npy`, `data.jsonl` and `store.json` (gzipped with `compression: 'gzip'`), in
   * a generation directory named by `dir/simkit-save.json`.
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
    for (let slot = 0; slot < this.count; slot++) {
      if (this.deleted[slot] === 1) continue;
      ids[j] = this.slotIds[slot] as number;
      embeddings.set(this.embeddings.subarray(slot * dim, (slot + 1) * dim), j * dim);
      const hasLabel = this.labelMask[slot] as number;
      labels[j] = hasLabel ? (this.labels[slot] as number) : 0;
      labelMask[j] = hasLabel;
      data[j] = this.data[slot] ?? null;
      j++;
    }
    return { dim: this.dimension, nextId: this.nextId, ids, embeddings, labels, labelMask, data };
  }

  /**
   * Swaps in a whole new state at once (empty when no snapshot is given). A loaded snapshot's
   * arrays, sized by its live records, become the storage as they are.
   */
  private replace(snapshot: StoreSnapshot | undefined): void {
    const n = snapshot?.ids.length ?? 0;
    this.dimension = snapshot?.dim;
    this.capacity = n;
    this.count = n;
    this.nextId = snapshot?.nextId ?? 0;
    this.live = n;
    this.slotIds = snapshot?.ids ?? new Int32Array(0);
    this.embeddings = snapshot?.embeddings ?? new Float32Array(0);
    this.labels = snapshot?.labels ?? new Int32Array(0);
    this.labelMask = snapshot?.labelMask ?? new Uint8Array(0);
    this.deleted = new Uint8Array(n);
    this.data = snapshot === undefined ? [] : Array.from(snapshot.data);
    this.generation++;
  }

  /** Grows storage by doubling until `slots` slots of `dim` floats fit. */
  private ensureCapacity(slots: number, dim: number): void {
    // The embedding check matters after loading a save without records and without a dimension.
    if (slots <= this.capacity && this.embeddings.length >= slots * dim) return;
    let capacity = Math.max(this.capacity, this.initialCapacity);
    while (capacity < slots) capacity *= 2;
    capacity = Math.min(capacity, MAX_IDS);
    const used = this.count;
    const embeddings = allocate(Float32Array, capacity * dim);
    const slotIds = allocate(Int32Array, capacity);
    const labels = allocate(Int32Array, capacity);
    const labelMask = allocate(Uint8Array, capacity);
    const deleted = allocate(Uint8Array, capacity);
    embeddings.set(this.embeddings.subarray(0, used * dim));
    slotIds.set(this.slotIds.subarray(0, used));
    labels.set(this.labels.subarray(0, used));
    labelMask.set(this.labelMask.subarray(0, used));
    deleted.set(this.deleted.subarray(0, used));
    this.embeddings = embeddings;
    this.slotIds = slotIds;
    this.labels = labels;
    this.labelMask = labelMask;
    this.deleted = deleted;
    this.capacity = capacity;
  }

  /** The slot holding `id`, or -1. Slots hold increasing ids and slot ≤ id, so a binary search below id + 1 finds it. */
  private slotOf(id: number): number {
    const ids = this.slotIds;
    // Without deletions before a load, id and slot coincide.
    if (id < this.count && ids[id] === id) return id;
    let lo = 0;
    let hi = Math.min(this.count, id + 1);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ids[mid] as number) < id) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.count && ids[lo] === id ? lo : -1;
  }

  /** The slots of `ids` (checked with toIds); throws NOT_FOUND naming the ids that are not live. */
  private liveSlots(ids: Int32Array): Int32Array {
    const slots = new Int32Array(ids.length);
    let missing: number[] | undefined;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      const slot = this.slotOf(id);
      slots[i] = slot;
      if (slot >= 0 && this.deleted[slot] === 0) continue;
      missing ??= [];
      if (!missing.includes(id)) missing.push(id);
    }
    if (missing === undefined) return slots;
    const shown = missing.slice(0, 10).join(', ');
    const more = missing.length > 10 ? ` and ${missing.length - 10} more` : '';
    throw new SimkitError(
      'NOT_FOUND',
      `No record with id ${shown}${more} in the store (never added, or deleted); use ids returned by add().`,
      { details: { ids: missing } },
    );
  }

  private record(slot: number): StoreRecord {
    const dim = this.dimension ?? 0;
    return {
      id: this.slotIds[slot] as number,
      // slice() copies, so callers cannot change what the store holds.
      embedding: this.embeddings.slice(slot * dim, (slot + 1) * dim),
      label: this.labelMask[slot] === 1 ? (this.labels[slot] as number) : null,
      data: fromJsonText(this.data[slot]),
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
