import { type Logger, SimkitError } from '@simkit/core';
import { takeSyncError, withQuietConsole } from './console-filter.js';
import { ensureIndexedDB, withWindowGlobal } from './environment.js';
import type { HnswlibEntry, HnswlibModule } from './hnswlib-types.js';
import { wasmErrorMessage } from './wasm-error.js';

let loading: Promise<HnswlibModule> | undefined;
let queue: Promise<unknown> = Promise.resolve();

/**
 * The hnswlib-wasm module, loaded once per process (or page) on first use.
 * A failed load is not cached, so a later call tries again.
 */
export function hnswlibModule(logger: Logger): Promise<HnswlibModule> {
  if (loading === undefined) {
    loading = load(logger).catch((cause: unknown) => {
      loading = undefined;
      if (SimkitError.isInstance(cause)) throw cause;
      throw new SimkitError(
        'NOT_READY',
        `hnswlib-wasm could not be loaded (${wasmErrorMessage(cause)}); check that the hnswlib-wasm package is installed and that WebAssembly is available.`,
        { cause },
      );
    });
  }
  return loading;
}

async function load(logger: Logger): Promise<HnswlibModule> {
  await ensureIndexedDB();
  return withQuietConsole(logger, async () => {
    const entry = (await import('hnswlib-wasm/dist/hnswlib.js')) as unknown as HnswlibEntry;
    await entry.__tla;
    const lib = await withWindowGlobal(() => entry.loadHnswlib('IDBFS'));
    // Loading mounts IDBFS and starts a first sync from IndexedDB; let it finish before any file work.
    await waitForSync(lib, 60_000);
    logger.log('debug', 'hnswlib-wasm loaded');
    return lib;
  });
}

/**
 * Waits until the IndexedDB sync that hnswlib-wasm started has finished.
 * Its glue reports completion only through a flag, so this polls it.
 */
export async function waitForSync(lib: HnswlibModule, timeoutMs: number): Promise<void> {
  const fs = lib.EmscriptenFileSystemManager;
  const start = Date.now();
  for (;;) {
    const failure = takeSyncError();
    if (failure !== undefined) {
      throw new SimkitError(
        'NOT_READY',
        `hnswlib-wasm could not sync its files with IndexedDB (${failure}); try again.`,
      );
    }
    if (fs.isSynced()) return;
    if (Date.now() - start > timeoutMs) {
      throw new SimkitError(
        'NOT_READY',
        `hnswlib-wasm did not finish syncing its files with IndexedDB within ${Math.round(timeoutMs / 1000)} s; try again.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Starts a sync (`populate` = IndexedDB → wasm files) and waits for it. */
export async function syncFiles(lib: HnswlibModule, populate: boolean, timeoutMs: number): Promise<void> {
  takeSyncError();
  lib.EmscriptenFileSystemManager.syncFS(populate, undefined);
  await waitForSync(lib, timeoutMs);
}

/**
 * Runs `fn` alone: the wasm file system and its IndexedDB mirror are shared by every index in
 * the process, so file work from different indexes must not interleave.
 */
export function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
}
