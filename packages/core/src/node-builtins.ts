/**
 * The Node.js built-in modules that file saves need, loaded on first use. A browser build
 * swaps this file for `node-builtins-browser.ts` (the `browser` field of package.json), so
 * bundlers never see these imports.
 */
export interface NodeBuiltins {
  readonly fs: typeof import('node:fs/promises');
  readonly path: typeof import('node:path');
  readonly crypto: typeof import('node:crypto');
}

export async function importNodeBuiltins(): Promise<NodeBuiltins> {
  const [fs, path, crypto] = await Promise.all([
    import('node:fs/promises'),
    import('node:path'),
    import('node:crypto'),
  ]);
  return { fs, path, crypto };
}
