import {
  type ComponentConfig,
  type Distance,
  type EmbeddingBatch,
  type LookupOptions,
  type Neighbors,
  type Search,
  type SearchSupports,
  SimkitError,
  assertPositiveInteger,
  checkAddInput,
  checkLookupInput,
  describe,
  expectConfig,
  invalidArgument,
  toBatch,
  toIds,
} from '@simkit/core';
import {
  CosineDistance,
  EuclideanDistance,
  InnerProductDistance,
  SquaredEuclideanDistance,
  dotProducts,
  normalizeRows,
  resolveDistance,
  squaredNorms,
} from '@simkit/distances';
import { readIndexFiles, writeIndexFiles } from './index-files.js';
import { KernelScanner } from './kernel-scan.js';
import { INT8_MAX_VALUE, Int8KernelStorage } from './int8-storage.js';
import { codedDotError, dotLowerBound, expansionLowerBound, float32DotError, screenRoundings } from './score-bounds.js';
import { Int16ScreenStorage } from './screen-storage.js';
import { SerialQueue } from './serial-queue.js';
import { TopKHeaps } from './top-k-heaps.js';
import { TOMBSTONE, type VectorStorage, VectorSlots } from './vector-slots.js';
import { KernelMemory, type KernelRows, KernelStorage } from './wasm-kernel.js';
import { hardwareThreads } from './worker-host.js';

/** Options of `new LinearSearch(...)`: only `distance` is required. */
export interface LinearSearchOptions {
  /** A distance name (`'cosine'`, `'euclidean'`, `'l2'`, …) or a Distance instance. */
  readonly distance: string | Distance;
  /** Vector dimension; taken from the first add when absent. */
  readonly dim?: number;
  /** Queries compared together against each block of keys. Default 64. */
  readonly queryBlock?: number;
  /** Keys per block handed to `distance.batch`. Default 256. */
  readonly keyBlock?: number;
  /**
   * `'auto'` (default): cosine, inner-product and euclidean lookups run on the WebAssembly
   * kernel when the runtime has WebAssembly. `'js'`: always the JavaScript scan.
   */
  readonly kernel?: 'auto' | 'js';
  /**
   * Threads a big lookup may use (worker threads in Node, Web Workers in browsers), when memory
   * can be shared. Default: every hardware thread. 1 keeps lookups on the calling thread.
   */
  readonly threads?: number;
  /**
   * How the vectors are kept. `'f32'` (default): as given. `'int8'`: as int8 codes times a
   * power-of-two scale per vector (about a quarter of the memory), scanned by the kernel's int8
   * path; every distance is then exact for the rounded vectors, which differ slightly from the
   * ones added (measure recall on your data). Needs the WebAssembly kernel: cosine, inner
   * product or euclidean distances with `kernel: 'auto'`.
   */
  readonly precision?: 'f32' | 'int8';
  /**
   * `'int16'`: keep beside each float32 vector an int16 copy (about half its bytes again) that
   * the WebAssembly kernel scans first, with integer dot products faster than its float32 ones;
   * the candidates are then re-scored from the float32 vectors, and results stay exactly those
   * of `'none'` (default). Pays on large indexes. Needs the kernel, like `precision: 'int8'`, and
   * precision `'f32'`; where WebAssembly is missing it is ignored (the JavaScript scan answers).
   */
  readonly screen?: 'none' | 'int16';
}

/**
 * The scan a LinearSearch runs: a WebAssembly build (`'relaxed-simd'`: f32x4 lanes with fused
 * multiply-adds; `'simd'`: f32x4 lanes; `'scalar'`), or `'js'`: the distance's own batched kernel.
 */
export type LinearSearchKernel = 'relaxed-simd' | 'simd' | 'scalar' | 'js';

/** How lookups run, from `LinearSearch.stats()`. */
export interface LinearSearchStats {
  /** Live vectors. */
  readonly size: number;
  /**
   * The scan in use: the fastest WebAssembly build the runtime validates, `'js'` for other
   * distances, `kernel: 'js'` or a runtime without WebAssembly, or null before the first lookup chose.
   */
  readonly kernel: LinearSearchKernel | null;
  /** Threads the last big lookup ran on: 1 until a worker pool started. */
  readonly threads: number;
  /** Whether the vectors are in shared memory (needed for threads; browsers need cross-origin isolation). */
  readonly sharedMemory: boolean;
  /** Queries the WebAssembly kernel answered or tried to (since construction). */
  readonly kernelQueries: number;
  /** Of those, the queries the JavaScript scan answered instead, because ties at the k-th place could not be settled. */
  readonly fallbackQueries: number;
}

const DEFAULT_QUERY_BLOCK = 64;
const DEFAULT_KEY_BLOCK = 256;
/** Upper bound on heap entries held at once (queries per block × k), to bound memory for huge k. */
const MAX_HEAP_ENTRIES = 1 << 22;
/** Candidates kept per query beyond k when ranking by the dot-product expansion, before exact re-scoring. */
const RESCORE_MARGIN = 8;
/** Candidates kept per query beyond k by the float32 WebAssembly kernel (its scores are coarser). */
const KERNEL_MARGIN = 16;
/**
 * Candidates kept per query beyond k by the int16 screen: its scores are coarser (15-bit codes),
 * so more candidates keep the bound clear of the k-th distance on clustered data (with 16, about
 * 1.4% of the bench's queries at 100k × 128 fell back to the exact scan; with 32, none).
 */
const SCREEN_MARGIN = 32;
/** A filter keeping at most this share of the keys gathers them for the JavaScript scan instead of masking the kernel's. */
const KERNEL_GATHER_SHARE = 1 / 8;
const CONFIG_TYPE = 'linear-search';
const CONFIG_VERSION = 1;
const PACKAGE = '@simkit/search-linear';

/** The keys one lookup scans: all stored slots (optionally masked) or a gathered subset. */
interface KeySource {
  /** The keys as float32 (for compact storage, decoded when first read). */
  readonly vectors: Float32Array;
  /** True when the keys were gathered out of the slots (they are then not the kernel's). */
  readonly gathered: boolean;
  /** `‖v‖²` of each key, for the dot-product expansion. */
  readonly norms: Float64Array;
  readonly ids: Int32Array;
  /** Keys `[0, count)` of `vectors`/`ids` are scanned. */
  readonly count: number;
  /** When set, key `i` is skipped where `mask[i]` is 0. */
  readonly mask: Uint8Array | null;
  /** How many keys pass the mask. */
  readonly eligible: number;
}

function asBatch(input: EmbeddingBatch, dim: number | undefined, what: string): EmbeddingBatch {
  const b = input as Partial<EmbeddingBatch> | null;
  if (b !== null && b.data instanceof Float32Array && typeof b.rows === 'number' && typeof b.dim === 'number') {
    return input;
  }
  return toBatch(input, dim, what);
}

function emptyRows(rows: number): Neighbors[] {
  return Array.from({ length: rows }, () => ({ ids: new Int32Array(0), distances: new Float32Array(0) }));
}

/** How the WebAssembly kernel ranks for a distance: by −q·k, by the expansion, or not at all (other distances). */
function kernelRankingOf(distance: Distance): 'dot' | 'expansion' | null {
  const proto = Object.getPrototypeOf(distance) as unknown;
  if (proto === CosineDistance.prototype || proto === InnerProductDistance.prototype) return 'dot';
  if (proto === EuclideanDistance.prototype || proto === SquaredEuclideanDistance.prototype) return 'expansion';
  return null;
}

/** True for storage in the kernel's WebAssembly memory (float32 rows, int8 codes, or float32 rows with an int16 screen). */
function isKernelRows(storage: VectorStorage | undefined): storage is VectorStorage & KernelRows {
  return (
    storage instanceof KernelStorage || storage instanceof Int8KernelStorage || storage instanceof Int16ScreenStorage
  );
}

/** The kernel options a LinearSearch checks: precision and screen, against the kernel it may use. */
function checkCodingOptions(
  precision: unknown,
  screen: unknown,
  distance: string,
  kernel: 'auto' | 'js',
  hasKernel: boolean,
): void {
  if (precision !== 'f32' && precision !== 'int8') {
    throw invalidArgument(`LinearSearch: precision must be 'f32' or 'int8'; got ${describe(precision)}.`);
  }
  if (screen !== 'none' && screen !== 'int16') {
    throw invalidArgument(`LinearSearch: screen must be 'none' or 'int16'; got ${describe(screen)}.`);
  }
  if (precision === 'int8' && screen === 'int16') {
    throw invalidArgument(
      "LinearSearch: screen 'int16' speeds up float32 vectors; precision 'int8' already scans its own codes. Drop one of the two.",
    );
  }
  const option = precision === 'int8' ? "precision 'int8'" : screen === 'int16' ? "screen 'int16'" : null;
  if (option !== null && !hasKernel) {
    throw invalidArgument(
      `LinearSearch: ${option} needs the WebAssembly kernel, which serves the cosine, inner_product, euclidean and squared_euclidean distances of @simkit/distances with kernel 'auto'; this one uses '${distance}'${kernel === 'js' ? " with kernel 'js'" : ''}.`,
    );
  }
}

/** Refuses values int8 storage cannot hold (beyond ±127 × 2⁶⁰), before anything is stored. */
function checkInt8Range(data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    if (Math.abs(data[i] as number) > INT8_MAX_VALUE) {
      throw invalidArgument(
        `LinearSearch: precision 'int8' holds values up to ±${INT8_MAX_VALUE.toExponential(2)}; value ${i} is ${data[i]}. Scale the vectors down or use precision 'f32'.`,
        { index: i },
      );
    }
  }
}

/** Which distances rank by the expansion `‖q‖² − 2q·k + ‖k‖²` (then re-score exactly): only our own euclidean ones. */
function expansionOf(distance: Distance): 'euclidean' | 'squared' | null {
  const proto = Object.getPrototypeOf(distance) as unknown;
  if (proto === EuclideanDistance.prototype) return 'euclidean';
  if (proto === SquaredEuclideanDistance.prototype) return 'squared';
  return null;
}

/**
 * True when every key whose expansion score is at least `worstScore` provably gets a
 * reported distance above `kth`, so no key outside the candidates can enter or tie the top k.
 * Float32 products are exact in float64, so the score of key k differs from the true
 * ‖q−k‖² = s by at most γ(‖q‖² + ‖k‖²) with γ ≈ (2·dim + 4)·2⁻⁵³; c below is twice that.
 * With ‖k‖² ≤ 2‖q‖² + 2s this gives s ≥ (score − 3c‖q‖²) / (1 + 2c); the direct-difference
 * sum that `compute` returns is at least s·(1 − c), and the last factor absorbs rounding here.
 */
function provenBeyond(worstScore: number, queryNorm: number, dim: number, kth: number, root: boolean): boolean {
  const c = (dim + 4) * 2 ** -51;
  const bound = (worstScore - 3 * c * queryNorm) * (1 - 4 * c);
  if (!(bound > 0)) return false;
  return Math.fround(root ? Math.sqrt(bound) : bound) > kth;
}

/** Answers the queries at rows `retry` of `queryData` with `scan` (an exact scan), into `out`. */
function answerAgain(
  retry: readonly number[],
  queryData: Float32Array,
  dim: number,
  out: Neighbors[],
  scan: (queries: Float32Array, rows: number) => Neighbors[],
): void {
  if (retry.length === 0) return;
  const again = new Float32Array(retry.length * dim);
  retry.forEach((q, i) => {
    again.set(queryData.subarray(q * dim, (q + 1) * dim), i * dim);
  });
  scan(again, retry.length).forEach((r, i) => {
    out[retry[i] as number] = r;
  });
}

/** Sorts the first `n` pairs (distances[i], slots[i]) by distance, then slot: insertion sort, as n is small. */
function sortByDistanceThenSlot(distances: Float32Array, slots: Int32Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const d = distances[i] as number;
    const s = slots[i] as number;
    let j = i - 1;
    while (j >= 0 && ((distances[j] as number) > d || ((distances[j] as number) === d && (slots[j] as number) > s))) {
      distances[j + 1] = distances[j] as number;
      slots[j + 1] = slots[j] as number;
      j--;
    }
    distances[j + 1] = d;
    slots[j + 1] = s;
  }
}

function blockOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  assertPositiveInteger(value, name);
  return value;
}

/**
 * Exact k-nearest-neighbour search: compares every query with every stored vector.
 * Queries and keys are processed in blocks through the distance's batched kernel,
 * and a bounded heap per query keeps the k best, so equal distances keep insertion order.
 * The cosine distance stores unit-normalised copies and normalises queries; other
 * distances compare vectors as given.
 */
export class LinearSearch implements Search {
  readonly supports: SearchSupports = Object.freeze({ delete: true, filter: true, persistence: true, exact: true });
  readonly distance: Distance;
  readonly queryBlock: number;
  readonly keyBlock: number;
  private readonly configuredDim: number | undefined;
  private slots: VectorSlots | undefined;
  private heaps = new TopKHeaps();
  private scratch = new Float32Array(0);
  private dots = new Float64Array(0);
  private queryNorms = new Float64Array(0);
  private readonly expansion: 'euclidean' | 'squared' | null;
  /** How the WebAssembly kernel ranks for this distance; null when lookups use the JavaScript scan only. */
  private readonly kernelRanking: 'dot' | 'expansion' | null;
  private readonly threads: number;
  /** `'int8'` keeps compact codes; see LinearSearchOptions.precision. */
  readonly precision: 'f32' | 'int8';
  /** `'int16'` scans an int16 copy first; see LinearSearchOptions.screen. */
  readonly screen: 'none' | 'int16';
  private scanner: KernelScanner | null = null;
  private readonly queue = new SerialQueue();
  private kernelQueries = 0;
  private fallbackQueries = 0;

  constructor(options: LinearSearchOptions) {
    if (typeof options !== 'object' || options === null) {
      throw invalidArgument(
        `LinearSearch needs an options object such as { distance: 'euclidean' }; got ${describe(options)}.`,
      );
    }
    const d = options.distance as unknown;
    if (typeof d === 'object' && d !== null) {
      const candidate = d as Partial<Distance>;
      if (typeof candidate.name !== 'string' || typeof candidate.batch !== 'function') {
        throw invalidArgument(
          'LinearSearch: distance must be a distance name or an object implementing Distance (name, batch, …).',
        );
      }
    } else if (typeof d !== 'string') {
      throw invalidArgument(
        `LinearSearch: distance must be a distance name such as 'euclidean' or a Distance; got ${describe(d)}.`,
      );
    }
    this.distance = resolveDistance(options.distance);
    this.expansion = expansionOf(this.distance);
    if (options.dim !== undefined) assertPositiveInteger(options.dim, 'dim');
    this.configuredDim = options.dim;
    this.queryBlock = blockOption(options.queryBlock, 'queryBlock', DEFAULT_QUERY_BLOCK);
    this.keyBlock = blockOption(options.keyBlock, 'keyBlock', DEFAULT_KEY_BLOCK);
    const kernel = options.kernel ?? 'auto';
    if (kernel !== 'auto' && kernel !== 'js') {
      throw invalidArgument(`LinearSearch: kernel must be 'auto' or 'js'; got ${describe(kernel)}.`);
    }
    this.kernelRanking = kernel === 'auto' ? kernelRankingOf(this.distance) : null;
    this.threads = options.threads === undefined ? hardwareThreads() : blockOption(options.threads, 'threads', 1);
    const precision = options.precision ?? 'f32';
    const screen = options.screen ?? 'none';
    checkCodingOptions(precision, screen, this.distance.name, kernel, this.kernelRanking !== null);
    this.precision = precision;
    this.screen = screen;
  }

  /** Builds a LinearSearch from `toConfig()` output. */
  static fromConfig(config: ComponentConfig): LinearSearch {
    expectConfig(config, CONFIG_TYPE, CONFIG_VERSION);
    const { distance, dim, precision, screen } = config.config;
    if (typeof distance !== 'string') {
      throw invalidArgument(`A '${CONFIG_TYPE}' config needs a distance name; got ${describe(distance)}.`);
    }
    if (dim !== null && dim !== undefined) assertPositiveInteger(dim, 'dim');
    if (precision !== undefined && precision !== 'f32' && precision !== 'int8') {
      throw invalidArgument(
        `A '${CONFIG_TYPE}' config's precision must be 'f32' or 'int8'; got ${describe(precision)}.`,
      );
    }
    if (screen !== undefined && screen !== 'none' && screen !== 'int16') {
      throw invalidArgument(`A '${CONFIG_TYPE}' config's screen must be 'none' or 'int16'; got ${describe(screen)}.`);
    }
    return new LinearSearch({
      distance,
      ...(typeof dim === 'number' ? { dim } : {}),
      ...(precision === 'int8' ? { precision } : {}),
      ...(screen === 'int16' ? { screen } : {}),
    });
  }

  get dim(): number | undefined {
    return this.slots?.dim ?? this.configuredDim;
  }

  size(): number {
    return this.slots?.size ?? 0;
  }

  /** How lookups run: the kernel chosen, threads, shared memory, and how many queries the fallback answered. */
  stats(): LinearSearchStats {
    const state = this.scanner?.state();
    return {
      size: this.size(),
      kernel:
        state !== undefined ? state.flavour : this.kernelRanking === null || this.slots !== undefined ? 'js' : null,
      threads: state?.threads ?? 1,
      sharedMemory: state?.sharedMemory ?? false,
      kernelQueries: this.kernelQueries,
      fallbackQueries: this.fallbackQueries,
    };
  }

  add(ids: ArrayLike<number>, embeddings: EmbeddingBatch): Promise<void> {
    return this.queue.run(() => this.addNow(ids, embeddings));
  }

  private addNow(ids: ArrayLike<number>, embeddings: EmbeddingBatch): void {
    const checked = checkAddInput(ids, embeddings, this.dim);
    if (checked.length === 0) return;
    const b = asBatch(embeddings, this.dim, 'embeddings');
    if (this.precision === 'int8') checkInt8Range(b.data);
    const data = this.distance.normalize ? normalizeRows(b.data, b.dim, new Float32Array(b.data.length)) : b.data;
    if (this.slots === undefined) this.replaceSlots(new VectorSlots(b.dim, 64, this.storageFor(b.dim)));
    (this.slots as VectorSlots).put(checked, data);
  }

  /** Where new slots keep their vectors: the kernel's memory when lookups can run on it, else a plain Float32Array. */
  private storageFor(dim: number): VectorStorage | undefined {
    if (this.kernelRanking === null) return undefined;
    const memory = KernelMemory.create();
    if (this.precision === 'int8') {
      if (memory === null) {
        throw new SimkitError(
          'UNSUPPORTED',
          "LinearSearch: precision 'int8' needs WebAssembly, which this runtime does not offer. Use precision 'f32'.",
        );
      }
      return new Int8KernelStorage(memory, dim);
    }
    if (memory === null) return undefined;
    return this.screen === 'int16' ? new Int16ScreenStorage(memory, dim) : new KernelStorage(memory, dim);
  }

  /** Installs new slots (or none), with a scanner over their kernel memory; the old scanner's workers are stopped. */
  private replaceSlots(slots: VectorSlots | undefined): void {
    this.slots = slots;
    const old = this.scanner;
    const storage = slots?.storageInUse;
    this.scanner = isKernelRows(storage) ? new KernelScanner(storage.kernelMemory, this.threads) : null;
    // Stopping workers cannot fail in a way the caller could act on; the old memory is dropped either way.
    if (old !== null) old.close().catch(() => {});
  }

  remove(ids: ArrayLike<number>): Promise<void> {
    return this.queue.run(() => this.removeNow(ids));
  }

  private removeNow(ids: ArrayLike<number>): void {
    const checked = toIds(ids);
    const slots = this.slots;
    for (const id of checked) {
      if (slots === undefined || !slots.has(id)) {
        const message = `id ${id} is not in the index; nothing was removed. Check the ids you pass.`;
        throw new SimkitError('NOT_FOUND', message, { details: { id } });
      }
    }
    if (slots === undefined) return;
    slots.remove(checked);
    if (slots.shouldCompact()) slots.compact();
  }

  lookup(queries: EmbeddingBatch, k: number, options: LookupOptions = {}): Promise<Neighbors[]> {
    return this.queue.run(() => this.lookupNow(queries, k, options));
  }

  private lookupNow(queries: EmbeddingBatch, k: number, options: LookupOptions): Neighbors[] | Promise<Neighbors[]> {
    checkLookupInput(queries, k, this.dim);
    if (typeof options !== 'object' || options === null) {
      throw invalidArgument(`lookup options must be an object such as { filter }; got ${describe(options)}.`);
    }
    const filter = options.filter;
    if (filter !== undefined && typeof filter !== 'function') {
      throw invalidArgument(`lookup: filter must be a function (id) => boolean; got ${describe(filter)}.`);
    }
    const q = asBatch(queries, undefined, 'queries');
    const rows = q.rows;
    if (rows === 0) return [];
    const slots = this.slots;
    if (slots === undefined) return emptyRows(rows);
    const scanner = this.scanner !== null && isKernelRows(slots.storageInUse) ? this.scanner : null;
    const source = this.keySource(slots, filter, scanner === null ? 0.5 : KERNEL_GATHER_SHARE);
    const kk = Math.min(k, source.eligible);
    if (kk === 0) return emptyRows(rows);
    const dim = slots.dim;
    const queryData = this.distance.normalize ? normalizeRows(q.data, dim, new Float32Array(q.data.length)) : q.data;
    if (scanner !== null && !source.gathered) {
      return this.kernelLookup(scanner, slots, queryData, rows, source, kk);
    }
    return this.scanJs(queryData, rows, dim, source, kk);
  }

  /** The JavaScript scans: the expansion route for our euclidean distances, `distance.batch` otherwise. */
  private scanJs(queryData: Float32Array, rows: number, dim: number, source: KeySource, k: number): Neighbors[] {
    if (this.expansion !== null) return this.scanByExpansion(queryData, rows, dim, source, k);
    return this.scan(queryData, rows, dim, source, k);
  }

  /**
   * The WebAssembly route: the kernel keeps each query's best k + KERNEL_MARGIN keys by a float32
   * score (−q·k, or ‖k‖² − 2q·k for euclidean distances), those are re-scored with the
   * distance's own `compute` and the best k returned by (float32 distance, insertion order).
   * A query is answered that way only when `score-bounds` proves that no other key can reach or
   * tie its k-th distance; otherwise (ties or near-ties at the k-th place) the JavaScript scan
   * answers it. So results are the same as the JavaScript scan's, bit for bit.
   */
  private async kernelLookup(
    scanner: KernelScanner,
    slots: VectorSlots,
    queryData: Float32Array,
    rows: number,
    source: KeySource,
    k: number,
  ): Promise<Neighbors[]> {
    const { dim } = slots;
    const { ids, eligible } = source;
    const m = Math.min(k + (this.screen === 'int16' ? SCREEN_MARGIN : KERNEL_MARGIN), eligible);
    const expansion = this.kernelRanking === 'expansion';
    const root = this.expansion === 'euclidean';
    const out: Neighbors[] = new Array(rows);
    const retry: number[] = [];
    const exact = new Float32Array(m);
    const order = new Int32Array(m);
    const ran = await scanner.scan(
      { slots, queries: queryData, rows, expansion, mask: source.mask, m },
      (row, candidates, scores, n, queryError, queryErrorNorm) => {
        const query = queryData.subarray(row * dim, (row + 1) * dim);
        let worst = Number.NEGATIVE_INFINITY;
        for (let c = 0; c < n; c++) {
          const slot = candidates[c] as number;
          order[c] = slot;
          worst = Math.max(worst, scores[c] as number);
          exact[c] = Math.fround(this.distance.compute(query, slots.row(slot)));
        }
        sortByDistanceThenSlot(exact, order, n);
        if (n < m) {
          // Fewer candidates than asked for cannot happen with finite scores; never trust them.
          retry.push(row);
          return;
        }
        if (n < eligible) {
          let queryNormSquared = 0;
          for (let i = 0; i < dim; i++) queryNormSquared += (query[i] as number) * (query[i] as number);
          const queryNorm = Math.sqrt(queryNormSquared);
          const keyNorm = scanner.maxKeyNorm;
          const dotError =
            this.precision === 'int8' || this.screen === 'int16'
              ? codedDotError(
                  { norm: queryNorm, error: queryError, errorNorm: queryErrorNorm },
                  { maxNorm: keyNorm, maxL1: scanner.maxKeyL1, maxCodingError: scanner.maxKeyCodingError },
                  this.screen === 'int16' ? screenRoundings(dim) : 1,
                )
              : float32DotError(dim, queryNorm, keyNorm);
          const bound = expansion
            ? expansionLowerBound(worst, dotError, queryNormSquared, keyNorm, dim, root)
            : dotLowerBound(worst, dotError, queryNorm, keyNorm, dim);
          if (!(Math.fround(bound) > (exact[k - 1] as number))) {
            retry.push(row);
            return;
          }
        }
        const keys = new Int32Array(k);
        for (let i = 0; i < k; i++) keys[i] = ids[order[i] as number] as number;
        out[row] = { ids: keys, distances: exact.slice(0, k) };
      },
    );
    if (!ran) return this.scanJs(queryData, rows, dim, source, k);
    this.kernelQueries += rows;
    this.fallbackQueries += retry.length;
    answerAgain(retry, queryData, dim, out, (again, n) => this.scanJs(again, n, dim, source, k));
    return out;
  }

  /**
   * Euclidean distances: ranks keys by `‖q‖² + ‖k‖² − 2q·k` (float64, clamped at 0; fewer
   * operations than direct differences), keeps the best k + RESCORE_MARGIN, re-scores those
   * with `distance.compute` and returns the best k by (float32 distance, slot) — the exact
   * answer, as `scan` gives it. When rounding could let an uncandidated key reach the top k
   * (ties or near-ties at the k-th place), that query is answered by `scan` instead.
   */
  private scanByExpansion(
    queryData: Float32Array,
    rows: number,
    dim: number,
    source: KeySource,
    k: number,
  ): Neighbors[] {
    const { vectors, norms, ids, count, mask, eligible } = source;
    const m = Math.min(k + RESCORE_MARGIN, eligible);
    const qBlock = Math.max(1, Math.min(this.queryBlock, Math.floor(MAX_HEAP_ENTRIES / m)));
    const kBlock = Math.min(this.keyBlock, count);
    if (this.dots.length < qBlock * kBlock) this.dots = new Float64Array(qBlock * kBlock);
    if (this.queryNorms.length < qBlock) this.queryNorms = new Float64Array(qBlock);
    const heaps = this.heaps;
    heaps.reset(qBlock, m);
    const slots = new Int32Array(m);
    const scores = new Float64Array(m);
    const exact = new Float32Array(m);
    const root = this.expansion === 'euclidean';
    const out: Neighbors[] = new Array(rows);
    const retry: number[] = [];
    for (let q0 = 0; q0 < rows; q0 += qBlock) {
      const qn = Math.min(qBlock, rows - q0);
      const block = queryData.subarray(q0 * dim, (q0 + qn) * dim);
      const queryNorms = squaredNorms(block, dim, this.queryNorms);
      for (let k0 = 0; k0 < count; k0 += kBlock) {
        const kn = Math.min(kBlock, count - k0);
        const dots = dotProducts(block, vectors.subarray(k0 * dim, (k0 + kn) * dim), dim, this.dots);
        for (let h = 0; h < qn; h++) {
          const nq = queryNorms[h] as number;
          const row = h * kn;
          let worst = heaps.worst(h);
          for (let j = 0; j < kn; j++) {
            const key = k0 + j;
            const raw = nq + (norms[key] as number) - 2 * (dots[row + j] as number);
            const score = Math.max(raw, 0);
            if (score < worst && (mask === null || mask[key] !== 0)) {
              heaps.push(h, score, key);
              worst = heaps.worst(h);
            }
          }
        }
      }
      for (let h = 0; h < qn; h++) {
        const n = heaps.drain(h, slots, scores);
        const query = block.subarray(h * dim, (h + 1) * dim);
        for (let c = 0; c < n; c++) {
          const slot = slots[c] as number;
          exact[c] = Math.fround(this.distance.compute(query, vectors.subarray(slot * dim, (slot + 1) * dim)));
        }
        sortByDistanceThenSlot(exact, slots, n);
        if (
          n < eligible &&
          !provenBeyond(scores[n - 1] as number, queryNorms[h] as number, dim, exact[k - 1] as number, root)
        ) {
          retry.push(q0 + h);
          continue;
        }
        const keys = new Int32Array(k);
        for (let i = 0; i < k; i++) keys[i] = ids[slots[i] as number] as number;
        out[q0 + h] = { ids: keys, distances: exact.slice(0, k) };
      }
    }
    answerAgain(retry, queryData, dim, out, (again, n) => this.scan(again, n, dim, source, k));
    return out;
  }

  /** Compares blocks of queries with blocks of keys and keeps the k best per query. */
  private scan(queryData: Float32Array, rows: number, dim: number, source: KeySource, k: number): Neighbors[] {
    const { vectors, ids, count, mask } = source;
    const qBlock = Math.max(1, Math.min(this.queryBlock, Math.floor(MAX_HEAP_ENTRIES / k)));
    const kBlock = Math.min(this.keyBlock, count);
    if (this.scratch.length < qBlock * kBlock) this.scratch = new Float32Array(qBlock * kBlock);
    const heaps = this.heaps;
    heaps.reset(qBlock, k);
    const out: Neighbors[] = new Array(rows);
    for (let q0 = 0; q0 < rows; q0 += qBlock) {
      const qn = Math.min(qBlock, rows - q0);
      const block = queryData.subarray(q0 * dim, (q0 + qn) * dim);
      for (let k0 = 0; k0 < count; k0 += kBlock) {
        const kn = Math.min(kBlock, count - k0);
        const dists = this.distance.batch(
          block,
          vectors.subarray(k0 * dim, (k0 + kn) * dim),
          dim,
          this.scratch.subarray(0, qn * kn),
        );
        for (let h = 0; h < qn; h++) heaps.offer(h, dists, h * kn, kn, k0, mask);
      }
      for (let h = 0; h < qn; h++) {
        const keys = new Int32Array(heaps.size(h));
        const distances = new Float32Array(keys.length);
        heaps.drain(h, keys, distances);
        for (let i = 0; i < keys.length; i++) keys[i] = ids[keys[i] as number] as number;
        out[q0 + h] = { ids: keys, distances };
      }
    }
    return out;
  }

  /**
   * Decides which keys a lookup scans. The filter runs once per live key per call. When it keeps
   * at most half of the keys, those are gathered into one block so rejected keys cost no distance.
   */
  private keySource(slots: VectorSlots, filter: ((id: number) => boolean) | undefined, gatherShare: number): KeySource {
    const { ids, count, dim } = slots;
    // The slots' own keys; their float32 rows are only read (and, for compact storage, decoded) when a JS scan needs them.
    const whole = (mask: Uint8Array | null, eligible: number): KeySource => ({
      get vectors() {
        return slots.vectors;
      },
      gathered: false,
      norms: slots.norms,
      ids,
      count,
      mask,
      eligible,
    });
    if (filter === undefined && slots.removed === 0) return whole(null, count);
    const mask = new Uint8Array(count);
    let eligible = 0;
    for (let s = 0; s < count; s++) {
      const id = ids[s] as number;
      if (id !== TOMBSTONE && (filter === undefined || filter(id))) {
        mask[s] = 1;
        eligible++;
      }
    }
    if (filter === undefined || eligible > count * gatherShare) {
      return whole(eligible === count ? null : mask, eligible);
    }
    const gatheredVectors = new Float32Array(eligible * dim);
    const gatheredNorms = new Float64Array(eligible);
    const gatheredIds = new Int32Array(eligible);
    let to = 0;
    for (let s = 0; s < count; s++) {
      if (mask[s] === 0) continue;
      gatheredVectors.set(slots.row(s), to * dim);
      gatheredNorms[to] = slots.norms[s] as number;
      gatheredIds[to++] = ids[s] as number;
    }
    return {
      vectors: gatheredVectors,
      gathered: true,
      norms: gatheredNorms,
      ids: gatheredIds,
      count: eligible,
      mask: null,
      eligible,
    };
  }

  reset(): Promise<void> {
    return this.queue.run(() => this.resetNow());
  }

  /** Stops the worker threads, if any started; the search stays usable (a later big lookup starts them again). */
  close(): Promise<void> {
    return this.queue.run(async () => {
      const scanner = this.scanner;
      if (scanner === null) return;
      this.scanner = new KernelScanner(scanner.memory, this.threads);
      await scanner.close();
    });
  }

  private resetNow(): void {
    this.replaceSlots(undefined);
    this.scratch = new Float32Array(0);
    this.dots = new Float64Array(0);
    this.queryNorms = new Float64Array(0);
    this.heaps = new TopKHeaps();
  }

  async save(dir: string): Promise<void> {
    if (typeof dir !== 'string' || dir.length === 0) {
      throw invalidArgument(`save needs a directory path; got ${describe(dir)}.`);
    }
    // Copy now, so adds that run while the files are written do not tear the snapshot.
    const snapshot = await this.queue.run(
      () => this.slots?.snapshot() ?? { vectors: new Float32Array(0), ids: new Int32Array(0) },
    );
    await writeIndexFiles(dir, { distance: this.distance.name, dim: this.dim, ...snapshot });
  }

  async load(dir: string): Promise<void> {
    if (typeof dir !== 'string' || dir.length === 0) {
      throw invalidArgument(`load needs a directory path; got ${describe(dir)}.`);
    }
    const saved = await readIndexFiles(dir);
    const savedName = saved.distance.toLowerCase();
    if (
      savedName !== this.distance.name &&
      !(Array.isArray(this.distance.aliases) && this.distance.aliases.includes(savedName))
    ) {
      throw new SimkitError(
        'CORRUPT_INDEX',
        `The index in ${dir} was saved with the '${saved.distance}' distance, but this LinearSearch uses '${this.distance.name}'. Load it into new LinearSearch({ distance: '${saved.distance}' }).`,
        { details: { dir, saved: saved.distance, expected: this.distance.name } },
      );
    }
    if (this.configuredDim !== undefined && saved.dim !== undefined && saved.dim !== this.configuredDim) {
      throw new SimkitError(
        'CORRUPT_INDEX',
        `The index in ${dir} holds vectors of dimension ${saved.dim}, but this LinearSearch was created with dim ${this.configuredDim}. Load it into an instance with dim ${saved.dim} or without dim.`,
        { details: { dir, saved: saved.dim, expected: this.configuredDim } },
      );
    }
    let slots: VectorSlots | undefined;
    if (saved.dim !== undefined) {
      const built = VectorSlots.fromRows(saved.dim, saved.vectors, saved.ids, this.storageFor(saved.dim));
      if (typeof built === 'string') {
        throw new SimkitError(
          'CORRUPT_INDEX',
          `The linear search index in ${dir} cannot be loaded: ${built}. Save the index again.`,
          { details: { dir } },
        );
      }
      slots = built;
    }
    await this.queue.run(() => this.replaceSlots(slots));
  }

  toConfig(): ComponentConfig {
    return {
      type: CONFIG_TYPE,
      version: CONFIG_VERSION,
      package: PACKAGE,
      config: {
        distance: this.distance.name,
        dim: this.dim ?? null,
        ...(this.precision === 'int8' ? { precision: 'int8' } : {}),
        ...(this.screen === 'int16' ? { screen: 'int16' } : {}),
      },
    };
  }
}
