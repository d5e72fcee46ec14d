import { SimkitError } from '@simkit/core';
import { squaredNorms } from '@simkit/distances';

const INITIAL_CAPACITY = 64;

/** ‖v‖² of one row, summed in float64 in index order (as `squaredNorms` does for each row). */
function squaredNorm(row: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += (row[i] as number) * (row[i] as number);
  return sum;
}
/** Marks a slot whose vector was removed. Valid ids are never negative. */
export const TOMBSTONE = -1;

/**
 * Where the vectors live: float32 rows (a plain Float32Array, or a region of the WebAssembly
 * kernel's memory), or compact codes that hold a rounded copy of each row.
 */
export interface VectorStorage {
  /** True when `write` rounds the row (compact codes): `read` then returns the rounded values. */
  readonly lossy: boolean;
  /** Makes room for `rows` rows, keeping the first `keep`; false when it cannot (the slots then move to the heap). */
  resize(rows: number, keep: number): boolean;
  /** Stores `data[offset, offset + dim)` as row `slot`. */
  write(slot: number, data: Float32Array, offset: number): void;
  /** Row `slot` as float32: a view of the storage, or a decoded copy valid until the next `read`. */
  read(slot: number): Float32Array;
  /** Copies row `from` to row `to` (to ≤ from, for compaction). */
  move(from: number, to: number): void;
  /** Rows `[0, count)` as one float32 array: a view, or a decoded copy. */
  rows(count: number): Float32Array;
}

/** Float32 rows behind a view; subclasses say where the view comes from. */
export abstract class FloatRows implements VectorStorage {
  readonly lossy = false;
  protected readonly dim: number;

  constructor(dim: number) {
    this.dim = dim;
  }

  abstract resize(rows: number, keep: number): boolean;
  /** The current view of every row (take it again after any resize or growth of the memory behind it). */
  abstract view(): Float32Array;

  write(slot: number, data: Float32Array, offset: number): void {
    this.view().set(data.subarray(offset, offset + this.dim), slot * this.dim);
  }

  read(slot: number): Float32Array {
    return this.view().subarray(slot * this.dim, (slot + 1) * this.dim);
  }

  move(from: number, to: number): void {
    this.view().copyWithin(to * this.dim, from * this.dim, (from + 1) * this.dim);
  }

  rows(_count: number): Float32Array {
    return this.view();
  }
}

/** Vectors in an ordinary Float32Array. */
export class HeapStorage extends FloatRows {
  private data = new Float32Array(0);

  resize(rows: number, keep: number): boolean {
    const next = new Float32Array(rows * this.dim);
    next.set(this.data.subarray(0, keep * this.dim));
    this.data = next;
    return true;
  }

  view(): Float32Array {
    return this.data;
  }
}

/**
 * Vectors in insertion order in one growable Float32Array (capacity doubles),
 * the squared norm of each in a Float64Array (for the dot-product expansion of
 * euclidean distances), the id of each slot in an Int32Array, and a Map from id to slot.
 * Removed slots become tombstones until `compact` closes the gaps in order.
 */
export class VectorSlots {
  readonly dim: number;
  /** `‖v‖²` per slot, from `squaredNorms`; kept in step with `vectors`. */
  norms: Float64Array;
  /** Id per slot, or TOMBSTONE. */
  ids: Int32Array;
  /** Slots in use, tombstones included. */
  count = 0;
  /** Bumped by every change of vectors, ids or slots, so derived data (the kernel's f32 norms, masks) knows when to refresh. */
  version = 0;
  private readonly slotOf = new Map<number, number>();
  private storage: VectorStorage;

  /**
   * `capacity` may be 0: nothing is allocated until the first `put`, whatever `dim` says.
   * `storage` defaults to a plain Float32Array; when it cannot grow, the vectors move to one.
   */
  constructor(dim: number, capacity = INITIAL_CAPACITY, storage: VectorStorage = new HeapStorage(dim)) {
    this.dim = dim;
    this.storage = storage;
    this.allocate(capacity, 0);
    this.norms = new Float64Array(capacity);
    this.ids = new Int32Array(capacity);
  }

  /** Builds slots from saved rows (no tombstones). Returns a message instead when ids repeat or are negative. */
  static fromRows(dim: number, vectors: Float32Array, ids: Int32Array, storage?: VectorStorage): VectorSlots | string {
    const slots = new VectorSlots(dim, ids.length, storage);
    for (let s = 0; s < ids.length; s++) {
      const id = ids[s] as number;
      if (id < 0) return `slot ${s} holds the invalid id ${id}`;
      if (slots.slotOf.has(id)) return `id ${id} appears twice`;
      slots.slotOf.set(id, s);
    }
    for (let s = 0; s < ids.length; s++) slots.storage.write(s, vectors, s * dim);
    if (ids.length > 0) slots.computeNorms(vectors, 0, ids.length);
    slots.ids.set(ids);
    slots.count = ids.length;
    return slots;
  }

  /**
   * The stored rows as float32, slots `[0, count)` in use: a view of float32 storage (take it
   * again after any change), or a decoded copy of compact storage (costly: prefer `row`).
   */
  get vectors(): Float32Array {
    return this.storage.rows(this.count);
  }

  /** The stored row of `slot` as float32 (a decoded copy of compact storage is valid until the next call). */
  row(slot: number): Float32Array {
    return this.storage.read(slot);
  }

  /** The storage the vectors are in now (it changes when a kernel memory cannot grow further). */
  get storageInUse(): VectorStorage {
    return this.storage;
  }

  /** Number of live vectors. */
  get size(): number {
    return this.slotOf.size;
  }

  /** Number of tombstones among the used slots. */
  get removed(): number {
    return this.count - this.slotOf.size;
  }

  has(id: number): boolean {
    return this.slotOf.has(id);
  }

  /**
   * Writes row `r` of `data` under each id: a known id keeps its slot (and so its place in
   * insertion order), a new id gets the next slot. Ids must be unique within the call.
   */
  put(ids: Int32Array, data: Float32Array): void {
    const dim = this.dim;
    let fresh = 0;
    for (const id of ids) if (!this.slotOf.has(id)) fresh++;
    this.reserve(this.count + fresh);
    this.version++;
    const storage = this.storage;
    const norms = storage.lossy ? null : squaredNorms(data, dim);
    for (let r = 0; r < ids.length; r++) {
      const id = ids[r] as number;
      let slot = this.slotOf.get(id);
      if (slot === undefined) {
        slot = this.count++;
        this.ids[slot] = id;
        this.slotOf.set(id, slot);
      }
      storage.write(slot, data, r * dim);
      this.norms[slot] = norms === null ? squaredNorm(storage.read(slot)) : (norms[r] as number);
    }
  }

  /** Turns the slots of `ids` into tombstones. Callers check presence first; unknown ids are skipped. */
  remove(ids: Int32Array): void {
    this.version++;
    for (const id of ids) {
      const slot = this.slotOf.get(id);
      if (slot === undefined) continue;
      this.ids[slot] = TOMBSTONE;
      this.slotOf.delete(id);
    }
  }

  /** True when tombstones take at least half of the used slots, so scanning them costs as much as moving the rest. */
  shouldCompact(): boolean {
    const removed = this.removed;
    return removed > 0 && removed * 2 >= this.count;
  }

  /** Closes the gaps left by removals, keeping insertion order, and shrinks memory that is mostly unused. */
  compact(): void {
    this.version++;
    const ids = this.ids;
    const norms = this.norms;
    let to = 0;
    for (let from = 0; from < this.count; from++) {
      const id = ids[from] as number;
      if (id === TOMBSTONE) continue;
      if (to !== from) {
        this.storage.move(from, to);
        norms[to] = norms[from] as number;
        ids[to] = id;
        this.slotOf.set(id, to);
      }
      to++;
    }
    this.count = to;
    const capacity = this.ids.length;
    if (capacity > INITIAL_CAPACITY && to * 4 <= capacity) {
      this.resize(Math.max(INITIAL_CAPACITY, to * 2));
    }
  }

  /** Live vectors and ids in insertion order, copied: a snapshot for saving. */
  snapshot(): { vectors: Float32Array; ids: Int32Array } {
    const dim = this.dim;
    if (this.removed === 0) {
      return { vectors: this.vectors.slice(0, this.count * dim), ids: this.ids.slice(0, this.count) };
    }
    const vectors = new Float32Array(this.size * dim);
    const ids = new Int32Array(this.size);
    let to = 0;
    for (let s = 0; s < this.count; s++) {
      const id = this.ids[s] as number;
      if (id === TOMBSTONE) continue;
      vectors.set(this.storage.read(s), to * dim);
      ids[to++] = id;
    }
    return { vectors, ids };
  }

  private reserve(slots: number): void {
    const capacity = this.ids.length;
    if (slots <= capacity) return;
    let next = Math.max(capacity, INITIAL_CAPACITY);
    while (next < slots) next *= 2;
    this.resize(next);
  }

  private resize(capacity: number): void {
    this.allocate(capacity, this.count);
    const norms = new Float64Array(capacity);
    norms.set(this.norms.subarray(0, this.count));
    const ids = new Int32Array(capacity);
    ids.set(this.ids.subarray(0, this.count));
    this.norms = norms;
    this.ids = ids;
  }

  /**
   * Resizes the storage, moving float32 rows to a plain Float32Array when the current storage
   * cannot hold them; compact storage refuses with UNSUPPORTED instead.
   */
  private allocate(rows: number, keep: number): void {
    if (this.storage.resize(rows, keep)) return;
    if (this.storage.lossy) {
      // Moving rounded rows to float32 would keep later rows unrounded: refuse instead (nothing was stored yet).
      throw new SimkitError(
        'UNSUPPORTED',
        `This index cannot hold ${rows} compact vectors of dimension ${this.dim} in its 4 GiB WebAssembly memory. Split the index, or use precision 'f32' (its vectors then move to the JavaScript heap).`,
        { details: { rows, dim: this.dim } },
      );
    }
    const heap = new HeapStorage(this.dim);
    heap.resize(rows, 0);
    heap.view().set(this.storage.rows(keep).subarray(0, keep * this.dim));
    this.storage = heap;
  }

  /** ‖v‖² of the stored rows `[from, from + n)`, given as `data` when the storage keeps rows exactly. */
  private computeNorms(data: Float32Array, from: number, n: number): void {
    if (!this.storage.lossy) {
      squaredNorms(data, this.dim, this.norms.subarray(from, from + n));
      return;
    }
    for (let s = from; s < from + n; s++) this.norms[s] = squaredNorm(this.storage.read(s));
  }
}
