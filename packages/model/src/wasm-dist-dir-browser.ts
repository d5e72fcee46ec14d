/** The browser build of `wasm-dist-dir.ts`: no file system to look in; tfjs' own default applies. */
export async function wasmDistDir(_wasmPackage: string): Promise<string | undefined> {
  return undefined;
}
