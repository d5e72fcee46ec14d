// LevelStore on the browser's IndexedDB; `?phase=read` checks what an earlier page load wrote.
import { batch } from '@simkit/core';
import { LevelStore } from '@simkit/store-level';
import { check, report } from './report.js';

const DB = 'browser-check-records';

/**
 * What IndexedDB holds for each record, read past the store (browser-level's database
 * `level-js-<name>`, object store `<name>`): the bytes of the value's view and of its whole buffer.
 * Structured clone keeps a typed array's whole buffer, so the two differ when values share one.
 */
async function storedBytes(): Promise<{ view: number; buffer: number }[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(`level-js-${DB}`);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    const values = await new Promise<unknown[]>((resolve, reject) => {
      const request = db.transaction(DB, 'readonly').objectStore(DB).getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return values
      .filter((v): v is Uint8Array => v instanceof Uint8Array)
      .map((v) => ({ view: v.byteLength, buffer: v.buffer.byteLength }));
  } finally {
    db.close();
  }
}

report(async () => {
  const phase = new URLSearchParams(location.search).get('phase') ?? 'write';
  const store = await LevelStore.open(DB);
  try {
    if (phase === 'write') {
      const ids = await store.add(
        batch(Float32Array.from([0.1, 0.2, 0.3, 0.4]), 2),
        [7, null],
        [{ file: 'a.png' }, null],
      );
      check(ids.length === 2, `add returned ${ids.length} ids`);
    }
    const records = [];
    for await (const r of store.entries()) {
      records.push({ id: r.id, label: r.label, data: r.data, embedding: Array.from(r.embedding) });
    }
    return { phase, size: store.size(), dim: store.dim, records, storedBytes: await storedBytes() };
  } finally {
    await store.close();
  }
});
