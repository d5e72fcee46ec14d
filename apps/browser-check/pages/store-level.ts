// LevelStore on the browser's IndexedDB; `?phase=read` checks what an earlier page load wrote.
import { batch } from '@simkit/core';
import { LevelStore } from '@simkit/store-level';
import { check, report } from './report.js';

const DB = 'browser-check-records';

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
    return { phase, size: store.size(), dim: store.dim, records };
  } finally {
    await store.close();
  }
});
