import { SimkitError } from '@simkit/core';

/** The browser build of `fake-indexeddb.ts`: a browser brings its own IndexedDB, or has none. */
export async function loadFakeIndexedDB(): Promise<unknown> {
  throw new SimkitError(
    'UNSUPPORTED',
    'This browser has no IndexedDB (globalThis.indexedDB is undefined), which HnswSearch needs. Use a browser with IndexedDB, or LinearSearch.',
  );
}
