import type { VectorSlots } from './vector-slots.js';
import {
  type CompiledKernel,
  type KernelExports,
  type KernelFlavour,
  type KernelMemory,
  VECTORS_OFFSET,
  compileKernel,
  instantiateKernel,
  roundUp,
} from './wasm-kernel.js';
import { KernelPool, type ScanArgs } from './worker-pool.js';

/** Keys scored per pass over a block of queries: 512 rows of 128 floats stay in a 256 KB second-level cache. */
const KEY_CHUNK_BYTES = 256 * 1024;
/** Queries scored together against each key chunk (their rows stay in the first-level cache). */
const QUERY_BLOCK = 32;
/** Bytes of scratch (queries and heaps) a round of a lookup may use; bigger batches run in several rounds. */
const ROUND_BYTES = 32 * 1024 * 1024;
/** Multiply-adds below which a lookup is not worth sending to the workers. */
const POOL_MIN_WORK = 1 << 21;
/** Bytes of one heap: size, pad, then m entries of (f32 score, i32 slot). */
const heapBytes = (m: number): number => 8 + 8 * m;
const align16 = (n: number): number => roundUp(n, 16);

/** What one kernel scan needs. */
export interface ScanRequest {
  readonly slots: VectorSlots;
  /** Query rows (already normalised for cosine). */
  readonly queries: Float32Array;
  readonly rows: number;
  /** Rank by ‖k‖² − 2q·k (euclidean distances) instead of −q·k. */
  readonly expansion: boolean;
  /** A byte per slot in `[0, slots.count)`; slots whose byte is 0 are skipped. Null scans every slot. */
  readonly mask: Uint8Array | null;
  /** Candidates kept per query. */
  readonly m: number;
}

/** Receives one query's candidates: `n` (slot, score) pairs in `slots`/`scores`, in no particular order. */
export type CandidateVisitor = (row: number, slots: Int32Array, scores: Float32Array, n: number) => void;

/** How the kernel runs, for `LinearSearch.stats()`. */
export interface KernelState {
  /** The build in use; 'js' when none could run here; null before the first scan tried. */
  readonly flavour: KernelFlavour | 'js' | null;
  readonly threads: number;
  readonly sharedMemory: boolean;
}

/**
 * Runs the WebAssembly candidate scan over the vectors in a KernelMemory: on the calling thread,
 * or split by queries across a worker pool when the memory is shared, more than one thread is
 * allowed and the lookup is big enough. The caller serialises calls (one scan at a time).
 */
export class KernelScanner {
  readonly memory: KernelMemory;
  private readonly threads: number;
  private kernel: CompiledKernel | null | undefined;
  private exports: KernelExports | null = null;
  private pool: KernelPool | null = null;
  private poolTried = false;
  private normsOf: { slots: VectorSlots; version: number; at: number } | null = null;
  private maxNorm = 0;
  private candidateSlots = new Int32Array(0);
  private candidateScores = new Float32Array(0);

  constructor(memory: KernelMemory, threads: number) {
    this.memory = memory;
    this.threads = threads;
  }

  /** The kernel in use so far: flavour, threads (1 until a pool started), shared memory. */
  state(): KernelState {
    return {
      flavour: this.kernel === undefined ? null : this.exports === null ? 'js' : (this.kernel?.flavour ?? 'js'),
      threads: this.pool?.size ?? 1,
      sharedMemory: this.memory.shared,
    };
  }

  /** The largest key norm ‖k‖ seen by the last scan (an upper bound over the scanned keys). */
  get maxKeyNorm(): number {
    return this.maxNorm;
  }

  /** Compiles and instantiates the kernel on first use; false when this runtime cannot run it. */
  async ready(): Promise<boolean> {
    if (this.kernel === undefined) {
      this.kernel = await compileKernel(this.memory.shared);
      if (this.kernel !== null) {
        try {
          this.exports = await instantiateKernel(this.kernel, this.memory.memory);
        } catch {
          this.kernel = null;
        }
      }
    }
    return this.exports !== null;
  }

  /**
   * Scans every query of the request and hands each one's candidates to `visit`, round by
   * round. Returns false, having visited nothing, when the kernel cannot run here or the memory
   * cannot hold the scratch; the caller then answers with its own scan.
   */
  async scan(request: ScanRequest, visit: CandidateVisitor): Promise<boolean> {
    if (!(await this.ready())) return false;
    const exports = this.exports as KernelExports;
    const { slots, queries, rows, expansion, mask, m } = request;
    const { dim, count } = slots;
    const capacity = slots.ids.length;
    const rowBytes = dim * 4;
    const normsAt = align16(VECTORS_OFFSET + (capacity + 3) * rowBytes);
    const maskAt = align16(normsAt + (capacity + 4) * 4);
    const queriesAt = align16(maskAt + capacity + 8);
    const perRow = rowBytes + heapBytes(m);
    const roundRows = Math.max(1, Math.min(rows, Math.floor(ROUND_BYTES / perRow)));
    const heapsAt = align16(queriesAt + roundRows * rowBytes);
    if (!this.memory.reserve(heapsAt + roundRows * heapBytes(m))) return false;

    this.refreshNorms(slots, normsAt, expansion);
    if (mask !== null) new Uint8Array(this.memory.buffer, maskAt, mask.length).set(mask);
    const maskPointer = mask === null ? 0 : maskAt;
    if (this.candidateSlots.length < m) {
      this.candidateSlots = new Int32Array(m);
      this.candidateScores = new Float32Array(m);
    }
    const chunk = Math.max(4, roundUp(Math.floor(KEY_CHUNK_BYTES / rowBytes), 4));
    const pool = count * dim * Math.min(rows, roundRows) >= POOL_MIN_WORK ? await this.startPool() : null;

    for (let r0 = 0; r0 < rows; r0 += roundRows) {
      const n = Math.min(roundRows, rows - r0);
      new Float32Array(this.memory.buffer, queriesAt, n * dim).set(queries.subarray(r0 * dim, (r0 + n) * dim));
      const args = (from: number, to: number): ScanArgs => [
        queriesAt + from * rowBytes,
        to - from,
        dim,
        VECTORS_OFFSET,
        count,
        expansion ? normsAt : 0,
        maskPointer,
        heapsAt + from * heapBytes(m),
        m,
        chunk,
        QUERY_BLOCK,
      ];
      if (pool !== null && n >= 2) {
        const parts = Math.min(pool.size, n);
        const jobs: ScanArgs[] = [];
        for (let p = 0; p < parts; p++) jobs.push(args(Math.floor((p * n) / parts), Math.floor(((p + 1) * n) / parts)));
        try {
          await pool.run(jobs);
        } catch {
          // A failed worker: drop the pool and scan this round here.
          await this.closePool();
          exports.scanRows(...args(0, n));
        }
      } else {
        exports.scanRows(...args(0, n));
      }
      this.visitRound(r0, n, heapsAt, m, visit);
    }
    return true;
  }

  /** Terminates the worker pool, if one was started. */
  async close(): Promise<void> {
    await this.closePool();
  }

  private visitRound(r0: number, n: number, heapsAt: number, m: number, visit: CandidateVisitor): void {
    const buffer = this.memory.buffer;
    const words = new Int32Array(buffer, heapsAt, (n * heapBytes(m)) / 4);
    const floats = new Float32Array(buffer, heapsAt, words.length);
    const candidateSlots = this.candidateSlots;
    const candidateScores = this.candidateScores;
    const stride = heapBytes(m) / 4;
    for (let r = 0; r < n; r++) {
      const base = r * stride;
      const size = words[base] as number;
      for (let e = 0; e < size; e++) {
        candidateScores[e] = floats[base + 2 + 2 * e] as number;
        candidateSlots[e] = words[base + 3 + 2 * e] as number;
      }
      visit(r0 + r, candidateSlots, candidateScores, size);
    }
  }

  /**
   * Tracks the largest key norm and, when ranking by the expansion, writes ‖k‖² of each slot as
   * float32 at `at`; both only when the slots changed since the last scan. (A search's distance
   * never changes, so `expansion` is the same on every call.)
   */
  private refreshNorms(slots: VectorSlots, at: number, expansion: boolean): void {
    const known = this.normsOf;
    if (known !== null && known.slots === slots && known.version === slots.version && known.at === at) return;
    const { norms, count } = slots;
    let max = 0;
    for (let s = 0; s < count; s++) max = Math.max(max, norms[s] as number);
    this.maxNorm = Math.sqrt(max);
    if (expansion) new Float32Array(this.memory.buffer, at, count).set(norms.subarray(0, count));
    this.normsOf = { slots, version: slots.version, at };
  }

  private async startPool(): Promise<KernelPool | null> {
    if (this.pool !== null || this.poolTried) return this.pool;
    this.poolTried = true;
    if (this.threads < 2 || !this.memory.shared || this.kernel == null) return null;
    this.pool = await KernelPool.start(this.kernel, this.memory.memory, this.threads);
    return this.pool;
  }

  private async closePool(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    if (pool !== null) await pool.close();
  }
}
