import {
  type ComponentConfig,
  type Distance,
  type EmbeddingBatch,
  type Logger,
  type LookupOptions,
  type Neighbors,
  type ProgressHandler,
  type Search,
  type SearchSupports,
  SimkitError,
  checkAddInput,
  checkLookupInput,
  checkOptions,
  describe,
  expectConfig,
  invalidArgument,
  noProgress,
  openSave,
  silentLogger,
  toBatch,
  toIds,
  writeSave,
} from '@simkit/core';
import { nodeFiles } from '@simkit/core/node';
import { resolveDistance } from '@simkit/distances';
import {
  INDEX_FILE,
  MANIFEST_FILE,
  MAX_MANIFEST_BYTES,
  USEARCH_SAVE_KIND,
  type UsearchManifest,
  makeManifest,
  manifestJson,
  parseManifest,
} from './manifest.js';
import { IndexFileChecker, damagedFile } from './usearch-file.js';
import {
  F16_MAX,
  MAX_DIM,
  MAX_M,
  SUPPORTED_DISTANCES,
  type UsearchQuantization,
  type UsearchSearchOptions,
  type UsearchSpace,
  integerOption,
  quantizationOption,
  unitRows,
  usearchSpaceFor,
} from './usearch-options.js';
import { type NativeIndex, type UsearchModule, defaultThreads, isNode, usearchModule } from './usearch-runtime.js';

/** Config `type` of UsearchSearch, the registry key to load it with. */
export const USEARCH_SEARCH_TYPE = 'usearch-search';
const CONFIG_VERSION = 1;
const PACKAGE = '@simkit/search-usearch';
const INT32_MAX = 0x7fffffff;
const MAX_THREADS = 1024;
/** Vectors per native add call: progress and a turn of the event loop come between calls. */
const ADD_CHUNK = 4096;
/** A filtered lookup widens its candidate list by this factor until k accepted ids are found. */
const WIDEN = 4;

/** What `stats()` reports. */
export interface UsearchSearchStats {
  /** Live vectors. */
  readonly size: number;
  /** Vectors the index has room for before it grows (removed ones keep their room until reused). */
  readonly capacity: number;
  readonly quantization: UsearchQuantization;
  readonly threads: number;
  /** `memory` after add or load; `view` while serving a memory-mapped save (read-only). */
  readonly mode: 'memory' | 'view';
  /** Filtered lookups that had to widen their candidate list, since creation. */
  readonly widenedLookups: number;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function emptyNeighbors(): Neighbors {
  return { ids: new Int32Array(0), distances: new Float32Array(0) };
}

function checkDir(dir: unknown, action: string): asserts dir is string {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw invalidArgument(`${action} needs a directory path; got ${describe(dir)}.`);
  }
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** One native search: per query, `counts[q]` results at `keys`/`distances[q * wanted …]`. */
interface NativeResult {
  readonly keys: BigUint64Array;
  readonly distances: Float32Array;
  readonly counts: ArrayLike<number | bigint>;
  readonly wanted: number;
}

/**
 * Approximate k-nearest-neighbour search on [usearch](https://github.com/unum-cloud/usearch):
 * HNSW graphs in native code with SIMD distance kernels, prebuilt for Linux, macOS and
 * Windows, multi-threaded adds and batched lookups, `f32` / `f16` / `i8` storage, and
 * memory-mapped serving of saved indexes (`view`). Node.js only.
 *
 * ```ts
 * const search = new UsearchSearch({ distance: 'cosine', dim: 64 });
 * await search.add([0, 1], batch(vectors, 64));
 * const [neighbors] = await search.lookup(batch(query, 64), 5);
 * ```
 */
export class UsearchSearch implements Search {
  readonly supports: SearchSupports = Object.freeze({ delete: true, filter: true, persistence: true, exact: false });
  readonly distance: Distance;

  private space: UsearchSpace;
  private readonly configuredDim: number | undefined;
  private currentDim: number | undefined;
  private quant: UsearchQuantization;
  private m: number;
  private efc: number;
  private ef: number;
  private readonly threadCount: number;
  private readonly viewOnLoad: boolean;
  private readonly logger: Logger;
  private readonly onProgress: ProgressHandler;
  private native: NativeIndex | null = null;
  /** The mapped file while this instance serves a view. */
  private viewing: string | null = null;
  private widened = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: UsearchSearchOptions) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(
        `UsearchSearch needs options such as { distance: 'cosine', dim: 64 }; got ${describe(options)}.`,
      );
    }
    if (options.distance === undefined || options.distance === null) {
      throw invalidArgument(
        `UsearchSearch needs a distance: one of ${SUPPORTED_DISTANCES.join(', ')} (or an alias), e.g. { distance: 'cosine' }.`,
      );
    }
    const distance = resolveDistance(options.distance);
    usearchSpaceFor(distance.name);
    this.distance = distance;
    this.quant = quantizationOption(options.quantization ?? 'f32', distance.name);
    this.space = usearchSpaceFor(distance.name, this.quant);
    this.configuredDim = options.dim === undefined ? undefined : integerOption(options.dim, 'dim', 1, MAX_DIM);
    this.currentDim = this.configuredDim;
    this.m = integerOption(options.M ?? 16, 'M', 2, MAX_M);
    this.efc = integerOption(options.efConstruction ?? 200, 'efConstruction', 1, INT32_MAX);
    this.ef = integerOption(options.efSearch ?? 50, 'efSearch', 1, INT32_MAX);
    this.threadCount =
      options.threads === undefined ? defaultThreads() : integerOption(options.threads, 'threads', 1, MAX_THREADS);
    if (options.view !== undefined && typeof options.view !== 'boolean') {
      throw invalidArgument(`view must be true or false; got ${describe(options.view)}.`);
    }
    this.viewOnLoad = options.view === true;
    this.logger = options.logger ?? silentLogger;
    this.onProgress = options.onProgress ?? noProgress;
  }

  /** Vector dimension, or undefined until the first add when not configured. */
  get dim(): number | undefined {
    return this.currentDim;
  }

  /** Links per node per layer (a loaded index brings its own). */
  get M(): number {
    return this.m;
  }

  get efConstruction(): number {
    return this.efc;
  }

  /** How vectors are stored (a loaded index brings its own). */
  get quantization(): UsearchQuantization {
    return this.quant;
  }

  /** Native threads used by adds and batched lookups. */
  get threads(): number {
    return this.threadCount;
  }

  /** Candidate list size of searches; higher is slower and more accurate. At least k is always used. */
  get efSearch(): number {
    return this.ef;
  }

  set efSearch(ef: number) {
    this.setEfSearch(ef);
  }

  /** Changes the candidate list size of later lookups; works at any time, also on a view. */
  setEfSearch(ef: number): void {
    this.ef = integerOption(ef, 'efSearch', 1, INT32_MAX);
  }

  size(): number {
    return this.native?.size() ?? 0;
  }

  /** Size, room, storage, threads, whether this is a view, and how many filtered lookups widened. */
  stats(): UsearchSearchStats {
    return {
      size: this.size(),
      capacity: this.native?.capacity() ?? 0,
      quantization: this.quant,
      threads: this.threadCount,
      mode: this.viewing === null ? 'memory' : 'view',
      widenedLookups: this.widened,
    };
  }

  add(ids: ArrayLike<number>, embeddings: EmbeddingBatch): Promise<void> {
    return this.serial(async () => {
      const b = toBatch(embeddings, this.currentDim);
      const checked = checkAddInput(ids, b, this.currentDim);
      if (checked.length === 0) return;
      this.refuseWritesToView('add');
      const { dim, data } = b;
      if (this.quant === 'f16') {
        for (let i = 0; i < data.length; i++) {
          if (Math.abs(data[i] as number) > F16_MAX) {
            throw invalidArgument(
              `quantization 'f16' holds components within ±${F16_MAX}; row ${Math.floor(i / dim)} has ${data[i]}. Scale the vectors, or use quantization 'f32'.`,
            );
          }
        }
      }
      const lib = await usearchModule();
      const native = this.nativeFor(lib, dim);
      const keys = BigUint64Array.from(checked, (id) => BigInt(id));
      // An id added again replaces its vector: usearch keeps one vector per key, so the old one goes first.
      const present = native.contains(keys) as boolean[];
      const replaced = keys.filter((_, i) => present[i] === true);
      if (replaced.length > 0) this.call('replace vectors', () => native.remove(replaced));

      const total = checked.length;
      let lastYield = performance.now();
      for (let start = 0; start < total; start += ADD_CHUNK) {
        const end = Math.min(total, start + ADD_CHUNK);
        const chunk = data.subarray(start * dim, end * dim);
        const rows = this.space.normalize ? unitRows(chunk, dim) : chunk;
        this.call(`add vectors ${start} … ${end - 1} of the batch`, () =>
          native.add(keys.subarray(start, end), rows, this.threadCount),
        );
        this.onProgress({ task: 'usearch-add', done: end, total });
        if (end < total && performance.now() - lastYield > 50) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
    });
  }

  remove(ids: ArrayLike<number>): Promise<void> {
    return this.serial(async () => {
      const checked = toIds(ids);
      if (checked.length === 0) return;
      const native = this.native;
      const keys = BigUint64Array.from(new Set(checked), (id) => BigInt(id));
      const present = native === null ? [] : (native.contains(keys) as boolean[]);
      for (let i = 0; i < keys.length; i++) {
        if (present[i] !== true) {
          throw new SimkitError(
            'NOT_FOUND',
            `id ${keys[i]} is not in the index (never added, or already removed); nothing was removed.`,
            { details: { id: Number(keys[i]) } },
          );
        }
      }
      this.refuseWritesToView('remove');
      this.call('remove ids', () => (native as NativeIndex).remove(keys));
    });
  }

  lookup(queries: EmbeddingBatch, k: number, options: LookupOptions = {}): Promise<Neighbors[]> {
    return this.serial(async () => {
      checkLookupInput(queries, k, this.currentDim);
      const filter = checkOptions(options, 'lookup options').filter;
      if (filter !== undefined && typeof filter !== 'function') {
        throw invalidArgument(`filter must be a function (id) => boolean; got ${describe(filter)}.`);
      }
      const b = toBatch(queries, undefined, 'queries');
      const native = this.native;
      const n = native?.size() ?? 0;
      if (native === null || n === 0 || b.rows === 0) return Array.from({ length: b.rows }, emptyNeighbors);
      const kk = Math.min(k, n);
      // usearch explores max(its configured ef, wanted) candidates: asking for ef results and keeping
      // k searches with this ef, so efSearch can change without rebuilding the native index.
      const wanted = Math.min(Math.max(kk, this.ef), n);
      const dim = b.dim;
      const data = this.space.normalize ? unitRows(b.data, dim) : b.data;
      const found = this.search(native, data, b.rows, wanted);
      const out: Neighbors[] = new Array(b.rows);
      for (let q = 0; q < b.rows; q++) {
        if (filter === undefined) {
          out[q] = this.take(found, q, kk);
          continue;
        }
        let result = this.takeAccepted(found, q, kk, filter);
        // Too few accepted among the candidates while more exist: widen, up to the whole index.
        let width = wanted;
        while (result.ids.length < kk && width < n && Number(found.counts[q]) >= found.wanted) {
          if (width === wanted) this.widened++;
          width = Math.min(n, width * WIDEN);
          const again = this.search(native, data.subarray(q * dim, (q + 1) * dim), 1, width);
          result = this.takeAccepted(again, 0, kk, filter);
          if (Number(again.counts[0]) < width) break;
        }
        out[q] = result;
      }
      return out;
    });
  }

  reset(): Promise<void> {
    return this.serial(async () => {
      this.release();
    });
  }

  /**
   * Drops the native index (its memory, or the mapping of a view, is returned when the
   * garbage collector frees it: usearch's binding has no explicit free). The instance is
   * empty afterwards and can be used again.
   */
  close(): Promise<void> {
    return this.reset();
  }

  /**
   * Saves the index as usearch wrote it (`usearch-index.bin`) and its description
   * (`usearch-search.json`) into `dir` with the atomic save of @simkit/core: a crash at any
   * instant leaves the previous save or this one. `dir` must be new, empty, or saved to before.
   * OS failures (a full disk, no permission) are IO_ERROR and leave the previous save in place.
   */
  save(dir: string): Promise<void> {
    return this.serial(async () => {
      checkDir(dir, 'save');
      this.requireNode('save(dir)');
      const { fs, path } = await nodeFiles();
      const native = this.native;
      const dim = this.currentDim;
      await writeSave(dir, USEARCH_SAVE_KIND, async (generation) => {
        let file: UsearchManifest['file'] = null;
        if (native !== null && dim !== undefined) {
          const target = path.join(generation, INDEX_FILE);
          try {
            native.save(target);
          } catch (cause) {
            throw new SimkitError(
              'IO_ERROR',
              `usearch could not write ${target} (${messageOf(cause)}); check free disk space and permissions. The previous save is unchanged.`,
              { cause, details: { file: target } },
            );
          }
          file = { name: INDEX_FILE, bytes: (await fs.stat(target)).size };
        }
        const manifest = makeManifest({
          distance: this.distance.name,
          metric: this.space.metric,
          quantization: this.quant,
          dim: dim ?? null,
          M: this.m,
          efConstruction: this.efc,
          efSearch: this.ef,
          count: native?.size() ?? 0,
          file,
        });
        await fs.writeFile(path.join(generation, MANIFEST_FILE), manifestJson(manifest), { flag: 'wx' });
      });
    });
  }

  /**
   * Replaces this instance's content with what `save(dir)` wrote, read into memory. Every byte
   * is checked first (the save's SHA-256, then the structure of usearch's file: sizes, counts,
   * levels, every link) so that native code never sees a damaged or hostile file; a save that
   * is not valid is CORRUPT_INDEX and leaves this instance as it was. With the `view` option,
   * does what `view(dir)` does.
   */
  load(dir: string): Promise<void> {
    return this.serial(async () => {
      checkDir(dir, 'load');
      this.requireNode('load(dir)');
      await this.open(dir, this.viewOnLoad);
    });
  }

  /**
   * Serves the index saved in `dir` from the file itself, memory-mapped, instead of reading it
   * into the heap: for indexes larger than RAM, or many processes sharing one index. The file
   * is checked as by `load` first. A view is read-only (add and remove fail with UNSUPPORTED;
   * `load` it to change it); the saved file must stay in place while it is viewed — a later
   * save into the same directory is safe, as saves never rewrite a file in place.
   */
  view(dir: string): Promise<void> {
    return this.serial(async () => {
      checkDir(dir, 'view');
      this.requireNode('view(dir)');
      await this.open(dir, true);
    });
  }

  toConfig(): ComponentConfig {
    return {
      type: USEARCH_SEARCH_TYPE,
      version: CONFIG_VERSION,
      package: PACKAGE,
      config: {
        distance: this.distance.name,
        dim: this.currentDim ?? null,
        M: this.m,
        efConstruction: this.efc,
        efSearch: this.ef,
        quantization: this.quant,
      },
    };
  }

  /** Builds an empty UsearchSearch from `toConfig()` output; `options` adds what a config does not carry. */
  static fromConfig(
    config: ComponentConfig,
    options: Pick<UsearchSearchOptions, 'threads' | 'view' | 'logger' | 'onProgress'> = {},
  ): UsearchSearch {
    expectConfig(config, USEARCH_SEARCH_TYPE, CONFIG_VERSION);
    const c = config.config;
    if (typeof c.distance !== 'string') {
      throw invalidArgument(`A usearch-search config needs a distance name; got ${describe(c.distance)}.`);
    }
    const optional = <T>(value: unknown) => (value === null ? undefined : (value as T | undefined));
    return new UsearchSearch({
      ...options,
      distance: c.distance,
      dim: optional<number>(c.dim),
      M: optional<number>(c.M),
      efConstruction: optional<number>(c.efConstruction),
      efSearch: optional<number>(c.efSearch),
      quantization: optional<UsearchQuantization>(c.quantization),
    });
  }

  /** Runs operations of this instance one after another, so a long add is never interleaved with another call. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private nativeFor(lib: UsearchModule, dim: number): NativeIndex {
    if (this.native !== null) return this.native;
    this.native = this.create(lib, dim, this.space, this.quant, this.m, this.efc);
    this.currentDim = dim;
    return this.native;
  }

  private create(
    lib: UsearchModule,
    dim: number,
    space: UsearchSpace,
    quantization: UsearchQuantization,
    M: number,
    efc: number,
  ) {
    return this.call(
      'create the index',
      () =>
        new lib.Index({
          dimensions: dim,
          metric: space.metric as never,
          quantization: quantization as never,
          connectivity: M,
          expansion_add: efc,
          // Lookups ask for max(k, efSearch) results, which sets the search width (see lookup).
          expansion_search: 1,
          multi: false,
        }),
    );
  }

  private search(native: NativeIndex, data: Float32Array, rows: number, wanted: number): NativeResult {
    const threads = rows === 1 ? 1 : this.threadCount;
    const r = this.call('search', () => native.search(data, wanted, threads)) as unknown as {
      keys: BigUint64Array;
      distances: Float32Array;
      counts?: BigUint64Array;
    };
    // One query comes back as Matches (already cut to its count), several as BatchMatches.
    const counts = r.counts ?? [r.keys.length];
    return { keys: r.keys, distances: r.distances, counts, wanted };
  }

  private take(found: NativeResult, q: number, kk: number): Neighbors {
    const count = Math.min(Number(found.counts[q]), kk);
    const ids = new Int32Array(count);
    const distances = new Float32Array(count);
    const base = found.counts.length === 1 ? 0 : q * found.wanted;
    const toDistance = this.space.fromNative;
    for (let j = 0; j < count; j++) {
      ids[j] = Number(found.keys[base + j]);
      distances[j] = toDistance(found.distances[base + j] as number);
    }
    return { ids, distances };
  }

  private takeAccepted(found: NativeResult, q: number, kk: number, filter: (id: number) => boolean): Neighbors {
    const count = Number(found.counts[q]);
    const base = found.counts.length === 1 ? 0 : q * found.wanted;
    const ids: number[] = [];
    const distances: number[] = [];
    for (let j = 0; j < count && ids.length < kk; j++) {
      const id = Number(found.keys[base + j]);
      if (!filter(id)) continue;
      ids.push(id);
      distances.push(this.space.fromNative(found.distances[base + j] as number));
    }
    return { ids: Int32Array.from(ids), distances: Float32Array.from(distances) };
  }

  /** Runs a native call; what it throws becomes a SimkitError saying what failed. */
  private call<T>(action: string, fn: () => T): T {
    try {
      return fn();
    } catch (cause) {
      throw this.failure(action, cause);
    }
  }

  private failure(action: string, cause: unknown): SimkitError {
    if (SimkitError.isInstance(cause)) return cause;
    const message = messageOf(cause);
    if (/memory|reserve|alloc/i.test(message)) {
      return new SimkitError(
        'UNSUPPORTED',
        `usearch ran out of memory trying to ${action} (${message}); use fewer vectors, quantization 'f16' or 'i8', or view() a saved index instead of loading it.`,
        { cause },
      );
    }
    return new SimkitError('NOT_READY', `usearch failed to ${action}: ${message}.`, { cause });
  }

  private refuseWritesToView(action: string): void {
    if (this.viewing !== null) {
      throw new SimkitError(
        'UNSUPPORTED',
        `Cannot ${action}: this UsearchSearch serves a read-only, memory-mapped view of ${this.viewing}. load() the save instead of view() to change it.`,
      );
    }
  }

  private release(): void {
    this.native = null;
    this.viewing = null;
    this.currentDim = this.configuredDim;
  }

  private requireNode(method: string): void {
    if (!isNode()) {
      throw new SimkitError('UNSUPPORTED', `${method} reads and writes files, which needs Node.js.`);
    }
  }

  /** Checks the save in `dir` completely, then reads or maps it into a new native index and swaps it in. */
  private async open(dir: string, view: boolean): Promise<void> {
    const saved = await openSave(dir, USEARCH_SAVE_KIND);
    const source = `'${dir}'`;
    const damaged = damagedFile(source);
    if (!saved.has(MANIFEST_FILE)) throw damaged(`${MANIFEST_FILE} is missing`);
    const manifest = parseManifest(await saved.readText(MANIFEST_FILE, { maxBytes: MAX_MANIFEST_BYTES }), source);
    const mismatch = (what: string, hint: string) =>
      new SimkitError('CORRUPT_INDEX', `The usearch index in ${source} ${what}; ${hint}`, { details: { dir } });
    if (manifest.distance !== this.distance.name) {
      throw mismatch(
        `was saved with the '${manifest.distance}' distance, but this UsearchSearch uses '${this.distance.name}'`,
        `load it into new UsearchSearch({ distance: '${manifest.distance}' }).`,
      );
    }
    if (this.configuredDim !== undefined && manifest.dim !== null && manifest.dim !== this.configuredDim) {
      throw mismatch(
        `holds vectors of dimension ${manifest.dim}, but this UsearchSearch was created with dim ${this.configuredDim}`,
        `load it into an instance with dim ${manifest.dim} or without dim.`,
      );
    }
    if (manifest.quantization === 'i8' && manifest.distance !== 'cosine') throw damaged('it stores i8 without cosine');
    const space = usearchSpaceFor(manifest.distance, manifest.quantization);
    if (manifest.metric !== space.metric) {
      throw damaged(`its metric '${manifest.metric}' is not the '${space.metric}' that ${manifest.distance} uses`);
    }
    const listed = saved.files.get(INDEX_FILE);
    let next: NativeIndex | null = null;
    if (manifest.file === null || manifest.dim === null) {
      if (listed !== undefined) throw damaged(`it holds ${INDEX_FILE}, but its manifest describes no index`);
    } else {
      if (listed === undefined) throw damaged(`${INDEX_FILE} is missing`);
      if (listed.bytes !== manifest.file.bytes) {
        throw damaged(`${INDEX_FILE} has ${listed.bytes} bytes, its manifest says ${manifest.file.bytes}`);
      }
      const dim = manifest.dim;
      const checker = new IndexFileChecker(
        { metric: manifest.metric, quantization: manifest.quantization, dim, M: manifest.M, count: manifest.count },
        damaged,
      );
      const total = listed.bytes;
      let lastReport = 0;
      await saved.scan(INDEX_FILE, (chunk, offset) => {
        checker.push(chunk);
        if (offset - lastReport >= 64 * 2 ** 20) {
          lastReport = offset;
          this.onProgress({ task: 'usearch-load', done: offset + chunk.length, total });
        }
      });
      checker.finish();
      this.onProgress({ task: 'usearch-load', done: total, total });
      const lib = await usearchModule();
      const index = this.create(lib, dim, space, manifest.quantization, manifest.M, manifest.efConstruction);
      const file = saved.path(INDEX_FILE);
      try {
        if (view) index.view(file);
        else index.load(file);
      } catch (cause) {
        const message = messageOf(cause);
        if (/memory|reserve|alloc/i.test(message)) throw this.failure(`read ${file}`, cause);
        throw damaged(`usearch could not ${view ? 'map' : 'read'} it: ${message}`);
      }
      if (index.size() !== manifest.count || index.dimensions() !== dim) {
        throw damaged(
          `usearch read ${index.size()} vectors of dimension ${index.dimensions()}, not ${manifest.count} of ${dim}`,
        );
      }
      next = index;
      this.logger.log('debug', `usearch index ${view ? 'mapped' : 'read'} from ${file}: ${manifest.count} vectors`);
    }
    this.release();
    this.native = next;
    this.viewing = next !== null && view ? saved.path(INDEX_FILE) : null;
    this.currentDim = manifest.dim ?? this.configuredDim;
    this.quant = manifest.quantization;
    this.space = space;
    this.m = manifest.M;
    this.efc = manifest.efConstruction;
  }
}
