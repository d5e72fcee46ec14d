import type { NodeBuiltins } from './node-builtins.js';

/** The browser build of `node-builtins.ts`: there are no Node.js file modules to load. */
export async function importNodeBuiltins(): Promise<NodeBuiltins> {
  throw new Error('this is a browser build: node:fs, node:path and node:crypto are not available');
}
