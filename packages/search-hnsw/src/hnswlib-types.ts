/**
 * The parts of hnswlib-wasm 0.8.2 this package uses, typed by hand: the package's own
 * typings only resolve under `moduleResolution: "Bundler"`.
 */

/** hnswlib's metric spaces: `l2` = Σ(q−k)², `ip` = 1 − q·k, `cosine` = `ip` on unit-normalised vectors. */
export type HnswSpaceName = 'l2' | 'ip' | 'cosine';

/** One search result from the wasm index: closest first. */
export interface NativeSearchResult {
  readonly distances: number[];
  readonly neighbors: number[];
}

/** An embind `HierarchicalNSW` instance. Its memory lives in the wasm heap until `delete()`. */
export interface NativeHnswIndex {
  initIndex(maxElements: number, m: number, efConstruction: number, randomSeed: number): void;
  readIndex(fileName: string, maxElements: number): void;
  writeIndex(fileName: string): void;
  resizeIndex(newMaxElements: number): void;
  addPoint(point: Float32Array, label: number, replaceDeleted: boolean): void;
  markDeleteItems(labels: number[]): void;
  unmarkDelete(label: number): void;
  searchKnn(query: Float32Array, k: number, filter: ((label: number) => boolean) | undefined): NativeSearchResult;
  getDeletedLabels(): number[];
  getMaxElements(): number;
  getCurrentCount(): number;
  setEfSearch(ef: number): void;
  delete(): void;
}

/** The static file-system helpers of the wasm module (an IDBFS mount at `/hnswlib-index`). */
export interface NativeFileSystem {
  syncFS(populate: boolean, callback: undefined): void;
  isSynced(): boolean;
  isInitialized(): boolean;
}

export interface HnswlibModule {
  readonly HierarchicalNSW: new (space: HnswSpaceName, dim: number, autoSaveFileName: string) => NativeHnswIndex;
  readonly EmscriptenFileSystemManager: NativeFileSystem;
}

/** What `hnswlib-wasm/dist/hnswlib.js` exports. */
export interface HnswlibEntry {
  readonly __tla?: Promise<unknown>;
  loadHnswlib(fsType?: 'IDBFS'): Promise<HnswlibModule>;
}
