/** `node:zlib`, loaded on first use; a browser build swaps this file for `zlib-module-browser.ts`. */
export function importZlib(): Promise<typeof import('node:zlib')> {
  return import('node:zlib');
}
