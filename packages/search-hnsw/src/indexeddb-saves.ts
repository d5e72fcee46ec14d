import { SimkitError, crc32 } from '@simkit/core';
import { deleteRecord, getRecord, putRecord, withDatabase } from './indexed-db.js';
import { type HnswManifest, checkManifest } from './manifest.js';

/**
 * Saved indexes in IndexedDB: database `simkit-search-hnsw`, object store `indexes`, one record
 * per name holding `{ manifest, graph, crc32 }` (crc32: CRC-32 of the graph bytes), written in one
 * transaction. This database is separate from hnswlib-wasm's own `/hnswlib-index`, whose contents
 * hnswlib mirrors into memory at start-up.
 */

const DATABASE = 'simkit-search-hnsw';
const VERSION = 1;
const STORE = 'indexes';

export async function putSavedIndex(name: string, manifest: HnswManifest, graph: Uint8Array | null): Promise<void> {
  const record = { manifest, graph, crc32: graph === null ? null : crc32(graph) };
  await withDatabase(DATABASE, (db) => putRecord(db, STORE, name, record), VERSION, [STORE]);
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
  const r = record as { manifest?: unknown; graph?: unknown; crc32?: unknown };
  const manifest = checkManifest(r.manifest);
  const damaged = (what: string) =>
    new SimkitError('CORRUPT_INDEX', `The IndexedDB entry '${name}' ${what}; save the index again.`, {
      details: { name },
    });
  if (r.graph === null) {
    if (manifest.graph !== null) throw damaged('has no graph bytes');
    return { manifest, graph: null };
  }
  if (!(r.graph instanceof Uint8Array)) throw damaged('has no graph bytes');
  if (manifest.graph === null || r.graph.length !== manifest.graph.bytes) {
    throw damaged(`has a graph of ${r.graph.length} bytes that its manifest does not describe`);
  }
  if (r.crc32 !== crc32(r.graph)) throw damaged('has a graph whose checksum does not match (damaged)');
  return { manifest, graph: r.graph };
}

export async function deleteSavedIndex(name: string): Promise<void> {
  await withDatabase(DATABASE, (db) => deleteRecord(db, STORE, name), VERSION, [STORE]);
}
