import { loadFakeIndexedDB } from './fake-indexeddb.js';

/**
 * What hnswlib-wasm needs from its host, provided in Node.js where it is missing.
 * hnswlib-wasm is built for browsers: its loader refuses to start unless `window` exists,
 * and its file system (IDBFS) keeps files in IndexedDB.
 */

/** True in Node.js (and runtimes that present themselves as Node). */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}

/**
 * Installs `globalThis.indexedDB` from fake-indexeddb (an in-memory IndexedDB) when there is none.
 * hnswlib-wasm's IDBFS reads the global at every sync, so it stays installed.
 */
export async function ensureIndexedDB(): Promise<void> {
  const g = globalThis as { indexedDB?: unknown };
  if (g.indexedDB !== undefined) return;
  const fake = await loadFakeIndexedDB();
  if (g.indexedDB === undefined) g.indexedDB = fake;
}

/**
 * Runs `fn` with `globalThis.window` defined (as `globalThis`) when it is missing, and removes it
 * afterwards: the wasm loader only checks for it while it starts.
 */
export async function withWindowGlobal<T>(fn: () => Promise<T>): Promise<T> {
  const g = globalThis as { window?: unknown };
  if (g.window !== undefined) return fn();
  g.window = globalThis;
  try {
    return await fn();
  } finally {
    if (g.window === globalThis) delete g.window;
  }
}
