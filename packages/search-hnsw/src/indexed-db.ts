import { SimkitError } from '@simkit/core';

/** Promise wrappers over the few IndexedDB calls this package makes. */

function factory(): IDBFactory {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (idb === undefined) {
    throw new SimkitError(
      'UNSUPPORTED',
      'IndexedDB is not available here; hnswlib-wasm needs it for saving and loading.',
    );
  }
  return idb;
}

export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function completion(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** Opens `name`; with `stores`, creates those object stores on first use (at `version`). */
export function openDatabase(name: string, version?: number, stores: readonly string[] = []): Promise<IDBDatabase> {
  const req = version === undefined ? factory().open(name) : factory().open(name, version);
  req.onupgradeneeded = () => {
    const db = req.result;
    for (const store of stores) if (!db.objectStoreNames.contains(store)) db.createObjectStore(store);
  };
  return request(req);
}

export async function getRecord(db: IDBDatabase, store: string, key: IDBValidKey): Promise<unknown> {
  return request(db.transaction(store, 'readonly').objectStore(store).get(key));
}

export async function putRecord(db: IDBDatabase, store: string, key: IDBValidKey, value: unknown): Promise<void> {
  const tx = db.transaction(store, 'readwrite');
  const done = completion(tx);
  tx.objectStore(store).put(value, key);
  await done;
}

export async function deleteRecord(db: IDBDatabase, store: string, key: IDBValidKey): Promise<void> {
  const tx = db.transaction(store, 'readwrite');
  const done = completion(tx);
  tx.objectStore(store).delete(key);
  await done;
}

/** Runs `fn` with `name` open and closes it afterwards. */
export async function withDatabase<T>(
  name: string,
  fn: (db: IDBDatabase) => Promise<T>,
  version?: number,
  stores?: readonly string[],
): Promise<T> {
  const db = await openDatabase(name, version, stores);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}
