/** The browser build of `zlib-module.ts`: there is no node:zlib to load. */
export async function importZlib(): Promise<typeof import('node:zlib')> {
  throw new Error('this is a browser build: node:zlib is not available');
}
