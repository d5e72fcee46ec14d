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
  describe,
  expectConfig,
  invalidArgument,
  noProgress,
  silentLogger,
  toBatch,
  toIds,
} from '@simkit/core';
import { resolveDistance } from '@simkit/distances';
import { ensureIndexedDB, isNode } from './environment.js';
import { type GraphSummary, readGraph } from './graph-file.js';
import { MAX_GRAPH_BYTES, heapBytesPerElement, maxGraphElements } from './graph-size.js';
import { type HnswSearchOptions, MAX_DIM, MAX_M, integerOption } from './hnsw-options.js';
import { type HnswSpace, SUPPORTED_DISTANCES, hnswSpaceFor } from './hnsw-space.js';
import { hnswlibModule } from './hnswlib-runtime.js';
import type { HnswlibModule, NativeHnswIndex } from './hnswlib-types.js';
import { exportGraph, importGraph } from './idbfs-bridge.js';
import { deleteSavedIndex, getSavedIndex, putSavedIndex } from './indexeddb-saves.js';
import { GRAPH_FILE, type HnswManifest, makeManifest } from './manifest.js';
import { readSaveDirectory, writeSaveDirectory } from './save-directory.js';
import { isOutOfMemory, wasmErrorMessage } from './wasm-error.js';

/** Config `type` of HnswSearch, the registry key to load it with. */
export const HNSW_SEARCH_TYPE = 'hnsw-search';
const CONFIG_VERSION = 1;
const PACKAGE = '@simkit/search-hnsw';
const INT32_MAX = 0x7fffffff;

/** Holds the wasm index apart from the HnswSearch, so a finalizer can free it after the search is collected. */
interface NativeHandle {
  native: NativeHnswIndex | null;
}

const releaseOnCollect =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<NativeHandle>((handle) => {
        handle.native?.delete();
        handle.native = null;
      })
    : undefined;

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

function checkSaveName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,200}$/.test(name)) {
    throw invalidArgument(
      `The IndexedDB save name must be 1–200 characters of letters, digits, '.', '_' or '-'; got ${describe(name)}.`,
    );
  }
}

/**
 * Approximate k-nearest-neighbour search on hnswlib-wasm (HNSW graphs compiled to WebAssembly),
 * for Node.js and browsers. Ids are hnswlib labels; removed ids are marked deleted in the graph
 * and their slots are reused by later adds.
 *
 * ```ts
 * const search = new HnswSearch({ distance: 'cosine', dim: 64 });
 * await search.add([0, 1], batch(vectors, 64));
 * const [neighbors] = await search.lookup(batch(query, 64), 5);
 * ```
 */
export class HnswSearch implements Search {
  readonly supports: SearchSupports = Object.freeze({ delete: true, filter: true, persistence: true, exact: false });
  readonly distance: Distance;

  private readonly space: HnswSpace;
  private readonly configuredDim: number | undefined;
  private currentDim: number | undefined;
  private m: number;
  private efc: number;
  private ef: number;
  private readonly initialCapacity: number;
  private readonly seed: number;
  private readonly logger: Logger;
  private readonly onProgress: ProgressHandler;
  private readonly handle: NativeHandle = { native: null };
  /** Ids that lookups can return. */
  private live = new Set<number>();
  /** Removed ids that may still sit in the graph, marked deleted (a later add may have reused their slot). */
  private removed = new Set<number>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: HnswSearchOptions) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(
        `HnswSearch needs options such as { distance: 'cosine', dim: 64 }; got ${describe(options)}.`,
      );
    }
    if (options.distance === undefined || options.distance === null) {
      throw invalidArgument(
        `HnswSearch needs a distance: one of ${SUPPORTED_DISTANCES.join(', ')} (or an alias), e.g. { distance: 'cosine' }.`,
      );
    }
    const distance = resolveDistance(options.distance);
    const space = hnswSpaceFor(distance.name);
    if (space === undefined) {
      throw new SimkitError(
        'UNSUPPORTED',
        `HnswSearch cannot search with the '${distance.name}' distance: hnswlib only has spaces for ${SUPPORTED_DISTANCES.join(', ')}. Pick one of those, or use LinearSearch from @simkit/search-linear for '${distance.name}'.`,
        { details: { distance: distance.name, supported: [...SUPPORTED_DISTANCES] } },
      );
    }
    this.distance = distance;
    this.space = space;
    this.configuredDim = options.dim === undefined ? undefined : integerOption(options.dim, 'dim', 1, MAX_DIM);
    this.currentDim = this.configuredDim;
    this.m = integerOption(options.M ?? 16, 'M', 2, MAX_M);
    this.efc = integerOption(options.efConstruction ?? 200, 'efConstruction', 1, INT32_MAX);
    this.ef = integerOption(options.efSearch ?? 50, 'efSearch', 1, INT32_MAX);
    this.initialCapacity = integerOption(options.initialCapacity ?? 1024, 'initialCapacity', 1, INT32_MAX);
    this.seed = integerOption(options.seed ?? 100, 'seed', 0, 0xffffffff);
    this.logger = options.logger ?? silentLogger;
    this.onProgress = options.onProgress ?? noProgress;
    releaseOnCollect?.register(this, this.handle);
  }

  /** Vector dimension, or undefined until the first add when not configured. */
  get dim(): number | undefined {
    return this.currentDim;
  }

  /** Links per node per layer of the graph (a loaded graph brings its own). */
  get M(): number {
    return this.m;
  }

  get efConstruction(): number {
    return this.efc;
  }

  /** Candidate list size of searches; higher is slower and more accurate. At least k is always used. */
  get efSearch(): number {
    return this.ef;
  }

  set efSearch(ef: number) {
    this.setEfSearch(ef);
  }

  /** Changes the candidate list size of later searches; works at any time, also after building. */
  setEfSearch(ef: number): void {
    this.ef = integerOption(ef, 'efSearch', 1, INT32_MAX);
    this.handle.native?.setEfSearch(this.ef);
  }

  /** Elements the graph has room for before it grows again (removed ones occupy room until reused). */
  get capacity(): number {
    return this.handle.native?.getMaxElements() ?? this.initialCapacity;
  }

  size(): number {
    return this.live.size;
  }

  add(ids: ArrayLike<number>, embeddings: EmbeddingBatch): Promise<void> {
    return this.serial(async () => {
      const b = toBatch(embeddings, this.currentDim);
      const checked = checkAddInput(ids, b, this.currentDim);
      if (checked.length === 0) return;
      const lib = await hnswlibModule(this.logger);
      const native = this.nativeFor(lib, b.dim);

      // Removed ids still in the graph are revived in place; ids new to the graph take the slot of a
      // removed element when there is one (hnswlib's replaceDeleted), otherwise a new slot.
      let fresh = 0;
      let anyRemoved = false;
      for (const id of checked) {
        if (this.removed.has(id)) anyRemoved = true;
        else if (!this.live.has(id)) fresh++;
      }
      const revive = new Uint8Array(checked.length);
      let revivals = 0;
      if (anyRemoved) {
        // A later add may have reused the slot of a removed id: ask the graph which ones are still there.
        const stillInGraph = new Set(native.getDeletedLabels());
        for (let r = 0; r < checked.length; r++) {
          const id = checked[r] as number;
          if (!this.removed.has(id)) continue;
          if (stillInGraph.has(id)) {
            revive[r] = 1;
            revivals++;
          } else {
            this.removed.delete(id);
            fresh++;
          }
        }
      }
      const count = native.getCurrentCount();
      const reusable = count - this.live.size - revivals;
      // hnswlib refuses any addPoint, even an update, once the graph is full: keep at least one slot free.
      this.ensureCapacity(native, count + Math.max(0, fresh - reusable) + 1, b.dim);

      // Revivals go first: a replacing add could otherwise reuse the very slot an id of this batch is revived from.
      const order = new Int32Array(checked.length);
      let next = 0;
      for (let r = 0; r < checked.length; r++) if (revive[r] === 1) order[next++] = r;
      for (let r = 0; r < checked.length; r++) if (revive[r] === 0) order[next++] = r;

      const { dim, data } = b;
      const total = checked.length;
      let lastYield = performance.now();
      for (let i = 0; i < total; i++) {
        const r = order[i] as number;
        const id = checked[r] as number;
        const vector = data.subarray(r * dim, (r + 1) * dim);
        try {
          if (this.live.has(id)) {
            native.addPoint(vector, id, false);
          } else if (revive[r] === 1) {
            native.unmarkDelete(id);
            this.removed.delete(id);
            this.live.add(id);
            native.addPoint(vector, id, false);
          } else {
            native.addPoint(vector, id, true);
          }
        } catch (cause) {
          throw this.nativeFailure(`add the vector of id ${id}`, cause);
        }
        this.live.add(id);
        if ((i & 255) === 255) {
          this.onProgress({ task: 'hnsw-add', done: i + 1, total });
          // Long builds give the event loop a turn now and then (keeps browsers responsive).
          if (performance.now() - lastYield > 50) {
            await yieldToEventLoop();
            lastYield = performance.now();
          }
        }
      }
      this.onProgress({ task: 'hnsw-add', done: total, total });
      this.forgetReusedSlots(native);
    });
  }

  remove(ids: ArrayLike<number>): Promise<void> {
    return this.serial(async () => {
      const checked = toIds(ids);
      for (const id of checked) {
        if (!this.live.has(id)) {
          throw new SimkitError(
            'NOT_FOUND',
            `id ${id} is not in the index (never added, or already removed); nothing was removed.`,
            { details: { id } },
          );
        }
      }
      const native = this.handle.native;
      if (checked.length === 0 || native === null) return;
      const unique = [...new Set(checked)];
      try {
        native.markDeleteItems(unique);
      } catch (cause) {
        throw this.nativeFailure('remove ids', cause);
      }
      for (const id of unique) {
        this.live.delete(id);
        this.removed.add(id);
      }
    });
  }

  lookup(queries: EmbeddingBatch, k: number, options: LookupOptions = {}): Promise<Neighbors[]> {
    return this.serial(async () => {
      checkLookupInput(queries, k, this.currentDim);
      if (options === null || typeof options !== 'object') {
        throw invalidArgument(`lookup options must be an object like { filter }; got ${describe(options)}.`);
      }
      const filter = options.filter;
      if (filter !== undefined && typeof filter !== 'function') {
        throw invalidArgument(`filter must be a function (id) => boolean; got ${describe(filter)}.`);
      }
      const b = toBatch(queries, undefined, 'queries');
      const native = this.handle.native;
      if (native === null || this.live.size === 0 || b.rows === 0) {
        return Array.from({ length: b.rows }, emptyNeighbors);
      }
      // hnswlib-wasm rejects k above its capacity; asking for more than exists is never useful.
      const kk = Math.min(k, this.live.size);
      // A throwing filter must not unwind through wasm frames: remember the error, reject the rest.
      let filterError: unknown;
      let filterFailed = false;
      const allowed =
        filter === undefined
          ? undefined
          : (label: number): boolean => {
              if (filterFailed) return false;
              try {
                return Boolean(filter(label));
              } catch (error) {
                filterFailed = true;
                filterError = error;
                return false;
              }
            };
      const { dim, data } = b;
      const toDistance = this.space.fromNative;
      const out: Neighbors[] = new Array(b.rows);
      for (let q = 0; q < b.rows; q++) {
        let found: { distances: number[]; neighbors: number[] };
        try {
          found = native.searchKnn(data.subarray(q * dim, (q + 1) * dim), kk, allowed);
        } catch (cause) {
          throw this.nativeFailure('search', cause);
        }
        if (filterFailed) throw filterError;
        const n = found.neighbors.length;
        const ids = new Int32Array(n);
        const distances = new Float32Array(n);
        for (let j = 0; j < n; j++) {
          ids[j] = found.neighbors[j] as number;
          distances[j] = toDistance(found.distances[j] as number);
        }
        out[q] = { ids, distances };
      }
      return out;
    });
  }

  reset(): Promise<void> {
    return this.serial(async () => {
      this.release();
    });
  }

  /** Frees the wasm memory of the graph now (a collected instance frees it eventually). The index is empty afterwards. */
  close(): Promise<void> {
    return this.reset();
  }

  /**
   * Node.js: saves the graph as hnswlib wrote it (`hnsw-graph.bin`) and its description
   * (`hnsw-search.json`) into `dir` with the atomic save of @simkit/core: a crash leaves the
   * previous save or this one. `dir` must be new, empty, or saved to before. OS failures are
   * IO_ERROR. In browsers, use `saveToIndexedDB(name)`.
   */
  save(dir: string): Promise<void> {
    return this.serial(async () => {
      checkDir(dir, 'save');
      this.requireNode('save(dir)', 'saveToIndexedDB(name)');
      const { manifest, graph } = await this.snapshot();
      await writeSaveDirectory(dir, manifest, graph);
    });
  }

  /**
   * Node.js: replaces this instance's content with what `save(dir)` wrote; the graph loads as
   * saved, without a rebuild. Every file is checked (checksums, sizes, the graph's structure)
   * before wasm sees it; a save that is not valid is CORRUPT_INDEX and leaves this instance as it was.
   */
  load(dir: string): Promise<void> {
    return this.serial(async () => {
      checkDir(dir, 'load');
      this.requireNode('load(dir)', 'loadFromIndexedDB(name)');
      const { manifest, graph } = await readSaveDirectory(dir);
      await this.restore(manifest, graph, dir);
    });
  }

  /** Saves the index under `name` in IndexedDB (database `simkit-search-hnsw`), in browsers or with Node's fake IndexedDB. */
  saveToIndexedDB(name: string): Promise<void> {
    return this.serial(async () => {
      checkSaveName(name);
      const { manifest, graph } = await this.snapshot();
      await ensureIndexedDB();
      await putSavedIndex(name, manifest, graph);
    });
  }

  /** Replaces this instance's content with what `saveToIndexedDB(name)` stored. */
  loadFromIndexedDB(name: string): Promise<void> {
    return this.serial(async () => {
      checkSaveName(name);
      await ensureIndexedDB();
      const saved = await getSavedIndex(name);
      await this.restore(saved.manifest, saved.graph, `IndexedDB entry '${name}'`);
    });
  }

  /** Deletes what `saveToIndexedDB(name)` stored; deleting a name that holds nothing is not an error. */
  static async deleteFromIndexedDB(name: string): Promise<void> {
    checkSaveName(name);
    await ensureIndexedDB();
    await deleteSavedIndex(name);
  }

  toConfig(): ComponentConfig {
    return {
      type: HNSW_SEARCH_TYPE,
      version: CONFIG_VERSION,
      package: PACKAGE,
      config: {
        distance: this.distance.name,
        dim: this.currentDim ?? null,
        M: this.m,
        efConstruction: this.efc,
        efSearch: this.ef,
      },
    };
  }

  /** Builds an empty HnswSearch from `toConfig()` output; `options` adds what a config does not carry. */
  static fromConfig(
    config: ComponentConfig,
    options: Pick<HnswSearchOptions, 'initialCapacity' | 'seed' | 'logger' | 'onProgress'> = {},
  ): HnswSearch {
    expectConfig(config, HNSW_SEARCH_TYPE, CONFIG_VERSION);
    const c = config.config;
    if (typeof c.distance !== 'string') {
      throw invalidArgument(`An hnsw-search config needs a distance name; got ${describe(c.distance)}.`);
    }
    const optional = (value: unknown) => (value === null ? undefined : (value as number | undefined));
    return new HnswSearch({
      ...options,
      distance: c.distance,
      dim: optional(c.dim),
      M: optional(c.M),
      efConstruction: optional(c.efConstruction),
      efSearch: optional(c.efSearch),
    });
  }

  /** Runs operations of this instance one after another, so a long add is never interleaved with another call. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private nativeFor(lib: HnswlibModule, dim: number): NativeHnswIndex {
    const existing = this.handle.native;
    if (existing !== null) return existing;
    this.checkGraphSize(this.initialCapacity, dim, 'initialCapacity');
    const native = new lib.HierarchicalNSW(this.space.space, dim, '');
    try {
      native.initIndex(this.initialCapacity, this.m, this.efc, this.seed);
      native.setEfSearch(this.ef);
    } catch (cause) {
      native.delete();
      throw this.nativeFailure('create the graph', cause);
    }
    this.handle.native = native;
    this.currentDim = dim;
    return native;
  }

  /** Grows the graph (at least doubling) so that it holds `needed` elements. */
  private ensureCapacity(native: NativeHnswIndex, needed: number, dim: number): void {
    const capacity = native.getMaxElements();
    if (needed <= capacity) return;
    this.checkGraphSize(needed, dim, 'the index');
    const limit = maxGraphElements(dim, this.m);
    const target = Math.min(Math.max(needed, capacity * 2), limit);
    try {
      native.resizeIndex(target);
    } catch (cause) {
      throw this.nativeFailure(`grow the graph to ${target} elements`, cause);
    }
    this.logger.log('debug', `HNSW graph capacity grew from ${capacity} to ${target}`);
  }

  private checkGraphSize(elements: number, dim: number, what: string, M = this.m): void {
    const bytes = elements * heapBytesPerElement(dim, M);
    if (bytes > MAX_GRAPH_BYTES) {
      throw new SimkitError(
        'UNSUPPORTED',
        `${what} needs about ${Math.ceil(bytes / 2 ** 20)} MiB for ${elements} vectors of dimension ${dim}, more than one hnswlib-wasm graph can hold (${MAX_GRAPH_BYTES / 2 ** 20} MiB of a 2 GiB WebAssembly heap). Use fewer vectors, a smaller M or dimension, or split the data over several indexes.`,
        { details: { elements, dim, M } },
      );
    }
  }

  /** Once most remembered removed ids have had their slots reused, re-reads the ones still in the graph. */
  private forgetReusedSlots(native: NativeHnswIndex): void {
    const inGraph = native.getCurrentCount() - this.live.size;
    if (this.removed.size > 1024 && this.removed.size > 2 * inGraph) {
      this.removed = new Set(native.getDeletedLabels());
    }
  }

  private release(): void {
    this.handle.native?.delete();
    this.handle.native = null;
    this.live = new Set();
    this.removed = new Set();
    this.currentDim = this.configuredDim;
  }

  private nativeFailure(action: string, cause: unknown): SimkitError {
    if (SimkitError.isInstance(cause)) return cause;
    const message = wasmErrorMessage(cause);
    if (isOutOfMemory(cause)) {
      return new SimkitError(
        'UNSUPPORTED',
        `hnswlib-wasm ran out of WebAssembly memory (2 GiB per process) trying to ${action}; use fewer or smaller indexes per process, or close() indexes you no longer need.`,
        { cause },
      );
    }
    return new SimkitError('NOT_READY', `hnswlib-wasm failed to ${action}: ${message}.`, { cause });
  }

  private requireNode(method: string, alternative: string): void {
    if (!isNode()) {
      throw new SimkitError(
        'UNSUPPORTED',
        `${method} reads and writes files, which needs Node.js; in a browser use ${alternative} instead.`,
      );
    }
  }

  /** The manifest and graph bytes of the current content. */
  private async snapshot(): Promise<{ manifest: HnswManifest; graph: Uint8Array | null }> {
    const native = this.handle.native;
    let graph: Uint8Array | null = null;
    let summary: GraphSummary | null = null;
    if (native !== null && native.getCurrentCount() > 0 && this.currentDim !== undefined) {
      const lib = await hnswlibModule(this.logger);
      graph = await exportGraph(lib, native, this.logger);
      summary = readGraph(graph, this.currentDim);
    }
    const manifest = makeManifest({
      distance: this.distance.name,
      space: this.space.space,
      dim: this.currentDim ?? null,
      M: this.m,
      efConstruction: this.efc,
      efSearch: this.ef,
      count: summary?.live.length ?? 0,
      elements: summary?.elements ?? 0,
      capacity: native?.getMaxElements() ?? 0,
      deleted: summary === null ? [] : Array.from(summary.deleted),
      graph: graph === null ? null : { file: GRAPH_FILE, bytes: graph.length },
    });
    return { manifest, graph };
  }

  /** Checks a saved manifest and graph against each other and this instance, then swaps them in. */
  private async restore(manifest: HnswManifest, graph: Uint8Array | null, source: string): Promise<void> {
    const mismatch = (what: string, hint: string) =>
      new SimkitError('CORRUPT_INDEX', `The HNSW index in ${source} ${what}; ${hint}`, { details: { source } });
    if (manifest.distance !== this.distance.name) {
      throw mismatch(
        `was saved with the '${manifest.distance}' distance, but this HnswSearch uses '${this.distance.name}'`,
        `load it into new HnswSearch({ distance: '${manifest.distance}' }).`,
      );
    }
    if (manifest.space !== this.space.space) {
      throw mismatch(
        `was saved in hnswlib space '${manifest.space}', but the '${manifest.distance}' distance uses space '${this.space.space}'`,
        'the file is damaged or was edited; save the index again from its source.',
      );
    }
    if (this.configuredDim !== undefined && manifest.dim !== null && manifest.dim !== this.configuredDim) {
      throw mismatch(
        `holds vectors of dimension ${manifest.dim}, but this HnswSearch was created with dim ${this.configuredDim}`,
        `load it into an instance with dim ${manifest.dim} or without dim.`,
      );
    }
    let next: NativeHnswIndex | null = null;
    let summary: GraphSummary | null = null;
    const dim = manifest.dim ?? this.configuredDim;
    if (manifest.graph !== null && dim !== undefined) {
      const damaged = (what: string) => mismatch(`is damaged (${what})`, 'save the index again from its source.');
      if (graph === null || graph.length !== manifest.graph.bytes) {
        throw damaged(`the graph has ${graph?.length ?? 0} bytes, the manifest says ${manifest.graph.bytes}`);
      }
      summary = readGraph(graph, dim);
      const deleted = new Set(manifest.deleted);
      if (
        summary.M !== manifest.M ||
        summary.efConstruction !== Math.max(manifest.efConstruction, manifest.M) ||
        summary.elements !== manifest.elements ||
        summary.maxElements !== manifest.capacity ||
        summary.live.length !== manifest.count ||
        summary.deleted.length !== deleted.size ||
        !summary.deleted.every((id) => deleted.has(id))
      ) {
        throw damaged('the graph does not match its manifest');
      }
      const capacity = Math.max(
        summary.elements + 1,
        Math.min(manifest.capacity, summary.elements * 2 + this.initialCapacity),
      );
      this.checkGraphSize(capacity, dim, 'the saved index', manifest.M);
      const lib = await hnswlibModule(this.logger);
      const space = this.space.space;
      const ef = this.ef;
      next = await importGraph(
        lib,
        graph,
        (fileName) => {
          const native = new lib.HierarchicalNSW(space, dim, '');
          try {
            native.readIndex(fileName, capacity);
            native.setEfSearch(ef);
            return native;
          } catch (cause) {
            native.delete();
            if (SimkitError.isInstance(cause)) throw cause;
            if (isOutOfMemory(cause)) throw this.nativeFailure('read the saved graph', cause);
            throw damaged(`hnswlib could not read it: ${wasmErrorMessage(cause)}`);
          }
        },
        this.logger,
      );
    }
    this.release();
    this.handle.native = next;
    this.live = new Set(summary?.live ?? []);
    this.removed = new Set(summary?.deleted ?? []);
    this.currentDim = dim;
    this.m = manifest.M;
    this.efc = manifest.efConstruction;
  }
}
