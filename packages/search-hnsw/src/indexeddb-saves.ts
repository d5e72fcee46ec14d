import { SimkitError } from '@simkit/core';
import { deleteRecord, getRecord, putRecord, withDatabase } from './indexed-db.js';
import { type HnswManifest, checkManifest } from './manifest.js';

/**
 * Saved indexes in IndexedDB: database `simkit-search-hnsw`, object store `indexes`, one record
 * per name holding `{ manifest, graph }`, written in one transaction. This database is separate
 * from hnswlib-wasm's own `/hnswlib-index`, whose contents hnswlib mirrors into memory at start-up.
 */

const DATABASE = 'simkit-search-hnsw';
const VERSION = 1;
const STORE = 'indexes';

export async function putSavedIndex(name: string, manifest: HnswManifest, graph: Uint8Array | null): Promise<void> {
  await withDatabase(DATABASE, (db) => putRecord(db, STORE, name, { manifest, graph }), VERSION, [STORE]);
}

export async function getSavedIndex(name: string): Promise<{ manifest: HnswManifest; graph: Uint8Array | null }> {
  const record = await withDatabase(DATABASE, (db) => getRecord(db, STORE, name), VERSION, [STORE]);
  if (record === undefined) {
    throw new SimkitError(
      'CORRUPT_INDEX',
      `No HNSW index is saved under '${name}' in IndexedDB; save one with saveToIndexedDB('${name}') first.`,
      { details: { name } },
    );
  }
  const r = record as { manifest?: unknown; graph?: unknown };
  const manifest = checkManifest(r.manifest);
  if (r.graph !== null && !(r.graph instanceof Uint8Array)) {
    throw new SimkitError('CORRUPT_INDEX', `The IndexedDB entry '${name}' has no graph bytes; save the index again.`);
  }
  return { manifest, graph: r.graph };
}

export async function deleteSavedIndex(name: string): Promise<void> {
  await withDatabase(DATABASE, (db) => deleteRecord(db, STORE, name), VERSION, [STORE]);
}
