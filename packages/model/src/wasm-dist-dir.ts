/**
 * The folder of the installed `@tensorflow/tfjs-backend-wasm` (its `.wasm` files), in Node.js.
 * A browser build swaps this file for `wasm-dist-dir-browser.ts`: there, tfjs' own default applies.
 */
export async function wasmDistDir(wasmPackage: string): Promise<string | undefined> {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (typeof p?.versions?.node !== 'string') return undefined;
  const [{ createRequire }, { dirname }] = await Promise.all([import('node:module'), import('node:path')]);
  return `${dirname(createRequire(import.meta.url).resolve(wasmPackage))}/`;
}
