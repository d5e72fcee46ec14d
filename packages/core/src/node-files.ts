import { SimkitError } from './errors.js';

/** The Node.js modules that saving and loading files need. */
export interface NodeFiles {
  readonly fs: typeof import('node:fs/promises');
  readonly path: typeof import('node:path');
}

let cached: Promise<NodeFiles> | undefined;

/**
 * Loads `node:fs/promises` and `node:path` on first use. Packages that save and load
 * files call this instead of importing them at the top, so they still load where
 * there is no file system (a browser); there, the call fails with UNSUPPORTED.
 */
export function nodeFiles(): Promise<NodeFiles> {
  cached ??= Promise.all([import('node:fs/promises'), import('node:path')]).then(
    ([fs, path]) => ({ fs, path }),
    (cause: unknown) => {
      cached = undefined;
      throw new SimkitError(
        'UNSUPPORTED',
        'Saving and loading files needs Node.js (node:fs and node:path), which this environment does not have. In a browser, keep the index in memory, or save an HNSW graph with saveToIndexedDB.',
        { cause },
      );
    },
  );
  return cached;
}
