import type { LocationProbe } from './location.js';

// In browsers a location is the name of an IndexedDB database, opened by browser-level with this prefix.
const IDB_PREFIX = 'level-js-';

/** Browsers have no files: snapshots are IndexedDB databases, copied record by record. */
export const FILE_SNAPSHOTS = false;

/**
 * IndexedDB stores a value by structured clone, which keeps a typed array's whole buffer, not
 * just the bytes its view covers: each value must have a buffer of its own, or every record of a
 * batch would carry the whole batch.
 */
export const VALUES_NEED_OWN_BUFFER = true;

/** IndexedDB cannot be inspected without opening it, so the contents decide. */
export async function probeLocation(_location: string): Promise<LocationProbe> {
  return { kind: 'unknown' };
}

/** Nothing to claim ahead: an IndexedDB database is created by opening it. */
export async function markLocation(_location: string): Promise<void> {}

/** An IndexedDB database needs no directory. */
export async function createDirectory(_location: string): Promise<void> {}

/** A database name is its own identity. */
export async function locationKey(location: string): Promise<string> {
  return location;
}

/** A fresh, unused database name for a working copy. */
export async function createTemporaryLocation(): Promise<string> {
  return `simkit-level-store-${globalThis.crypto.randomUUID()}`;
}

/** Deletes the IndexedDB database behind a location. */
export async function removeLocation(location: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const request = globalThis.indexedDB.deleteDatabase(IDB_PREFIX + location);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });
}

/** True when two location strings name the same database. */
export function sameLocation(a: string, b: string): boolean {
  return a === b;
}

/** Database names do not nest. */
export function isInside(_parent: string, _child: string): boolean {
  return false;
}
