/**
 * An in-memory IndexedDB (fake-indexeddb) for Node.js, where hnswlib-wasm's file system needs
 * one. A browser build swaps this file for `fake-indexeddb-browser.ts`, so the polyfill never
 * enters a browser bundle.
 */
export async function loadFakeIndexedDB(): Promise<unknown> {
  return (await import('fake-indexeddb')).indexedDB;
}
