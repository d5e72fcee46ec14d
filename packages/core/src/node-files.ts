import { SimkitError } from './errors.js';
import { importNodeBuiltins, type NodeBuiltins } from './node-builtins.js';

/** The Node.js modules that saving and loading files need. */
export interface NodeFiles {
  readonly fs: NodeBuiltins['fs'];
  readonly path: NodeBuiltins['path'];
}

let cached: Promise<NodeBuiltins> | undefined;

function builtins(): Promise<NodeBuiltins> {
  cached ??= importNodeBuiltins().catch((cause: unknown) => {
    cached = undefined;
    throw new SimkitError(
      'UNSUPPORTED',
      'Saving and loading files needs Node.js (node:fs, node:path and node:crypto), which this environment does not have. In a browser, keep the index in memory, or save an HNSW graph with saveToIndexedDB.',
      { cause },
    );
  });
  return cached;
}

/**
 * Loads `node:fs/promises` and `node:path` on first use. Packages that save and load
 * files call this instead of importing them at the top, so they still load where
 * there is no file system (a browser); there, the call fails with UNSUPPORTED.
 */
export function nodeFiles(): Promise<NodeFiles> {
  return builtins(); // the loaded modules themselves: one object, loaded once
}

/** `node:crypto`, loaded on first use like the file modules (UNSUPPORTED where there is none). */
export async function nodeCrypto(): Promise<NodeBuiltins['crypto']> {
  return (await builtins()).crypto;
}
