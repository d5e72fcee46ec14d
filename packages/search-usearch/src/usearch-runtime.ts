import { SimkitError } from '@simkit/core';

/** The part of the `usearch` module this package uses. */
export type UsearchModule = typeof import('usearch');
export type NativeIndex = import('usearch').Index;

let loading: Promise<UsearchModule> | undefined;

/** True in Node.js (and runtimes that present themselves as Node). */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}

/**
 * The usearch module, imported on first use: its native binary (prebuilt for Linux x64/arm64,
 * macOS and Windows x64) loads then, and a platform without one fails here with UNSUPPORTED
 * rather than when this package is imported.
 */
export function usearchModule(): Promise<UsearchModule> {
  if (!isNode()) {
    return Promise.reject(
      new SimkitError(
        'UNSUPPORTED',
        'UsearchSearch runs usearch’s native code, which needs Node.js; in a browser use HnswSearch from @simkit/search-hnsw.',
      ),
    );
  }
  loading ??= import('usearch').then(
    (mod) => mod,
    (cause: unknown) => {
      loading = undefined;
      const reason = cause instanceof Error ? (cause.message.split('\n')[0] ?? '') : String(cause);
      throw new SimkitError(
        'UNSUPPORTED',
        `The usearch package could not be loaded (${reason}). It ships prebuilt binaries for Linux (x64, arm64), macOS and Windows x64; reinstall it (npm install usearch) or use HnswSearch from @simkit/search-hnsw.`,
        { cause },
      );
    },
  );
  return loading;
}

/** The number of cores, for the default thread count. */
export function defaultThreads(): number {
  if (!isNode()) return 1;
  const os = process.getBuiltinModule('node:os') as typeof import('node:os');
  return Math.max(1, os.availableParallelism());
}
