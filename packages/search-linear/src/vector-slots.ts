import { squaredNorms } from '@simkit/distances';

const INITIAL_CAPACITY = 64;
/** Marks a slot whose vector was removed. Valid ids are never negative. */
export const TOMBSTONE = -1;

/** Where the vectors live: a plain Float32Array, or a region of the WebAssembly kernel's memory. */
export interface VectorStorage {
  /** Makes room for `floats` floats, keeping the first `keep`; false when it cannot (the slots then move to the heap). */
  resize(floats: number, keep: number): boolean;
  /** The current view of the floats (take it again after any resize or growth of the memory behind it). */
  view(): Float32Array;
}

/** Vectors in an ordinary Float32Array. */
export class HeapStorage implements VectorStorage {
  private data = new Float32Array(0);

  resize(floats: number, keep: number): boolean {
    const next = new Float32Array(floats);
    next.set(this.data.subarray(0, keep));
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
  constructor(dim: number, capacity = INITIAL_CAPACITY, storage: VectorStorage = new HeapStorage()) {
    this.dim = dim;
    this.storage = storage;
    this.allocate(capacity * dim, 0);
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
    slots.vectors.set(vectors);
    if (ids.length > 0) squaredNorms(vectors, dim, slots.norms);
    slots.ids.set(ids);
    slots.count = ids.length;
    return slots;
  }

  /** `capacity × dim` floats; slots `[0, count)` are in use. A view: take it again after any change. */
  get vectors(): Float32Array {
    return this.storage.view();
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
    const norms = squaredNorms(data, dim);
    const vectors = this.vectors;
    for (let r = 0; r < ids.length; r++) {
      const id = ids[r] as number;
      let slot = this.slotOf.get(id);
      if (slot === undefined) {
        slot = this.count++;
        this.ids[slot] = id;
        this.slotOf.set(id, slot);
      }
      vectors.set(data.subarray(r * dim, (r + 1) * dim), slot * dim);
      this.norms[slot] = norms[r] as number;
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
    const dim = this.dim;
    const vectors = this.vectors;
    const ids = this.ids;
    const norms = this.norms;
    let to = 0;
    for (let from = 0; from < this.count; from++) {
      const id = ids[from] as number;
      if (id === TOMBSTONE) continue;
      if (to !== from) {
        vectors.copyWithin(to * dim, from * dim, (from + 1) * dim);
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
    const stored = this.vectors;
    let to = 0;
    for (let s = 0; s < this.count; s++) {
      const id = this.ids[s] as number;
      if (id === TOMBSTONE) continue;
      vectors.set(stored.subarray(s * dim, (s + 1) * dim), to * dim);
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
    this.allocate(capacity * this.dim, this.count * this.dim);
    const norms = new Float64Array(capacity);
    norms.set(this.norms.subarray(0, this.count));
    const ids = new Int32Array(capacity);
    ids.set(this.ids.subarray(0, this.count));
    this.norms = norms;
    this.ids = ids;
  }

  /** Resizes the storage, moving to a plain Float32Array when the current storage cannot hold the floats. */
  private allocate(floats: number, keep: number): void {
    if (this.storage.resize(floats, keep)) return;
    const heap = new HeapStorage();
    heap.resize(floats, 0);
    heap.view().set(this.storage.view().subarray(0, keep));
    this.storage = heap;
  }
}
