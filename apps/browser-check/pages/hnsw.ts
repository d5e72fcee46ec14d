// HnswSearch on hnswlib-wasm in a browser, saved to and loaded from the browser's IndexedDB.
import { batch } from '@simkit/core';
import { HnswSearch } from '@simkit/search-hnsw';
import { check, report } from './report.js';

report(async () => {
  const dim = 8;
  const rows = 200;
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 12.9898) * 0.5; // fixed, spread out
  const ids = Array.from({ length: rows }, (_, i) => i);
  const search = new HnswSearch({ distance: 'cosine', dim });
  await search.add(ids, batch(data, dim));
  const queries = batch(data.slice(0, 5 * dim), dim);
  const before = await search.lookup(queries, 3);
  await search.remove([199]);
  await search.saveToIndexedDB('browser-check');
  const again = HnswSearch.fromConfig(search.toConfig());
  await again.loadFromIndexedDB('browser-check');
  const after = await again.lookup(queries, 3);
  check(again.size() === rows - 1, `loaded ${again.size()} vectors, expected ${rows - 1}`);
  await search.close();
  await again.close();
  return {
    size: rows - 1,
    first: before.map((n) => Array.from(n.ids)),
    sameAfterLoad:
      JSON.stringify(before.map((n) => Array.from(n.ids))) === JSON.stringify(after.map((n) => Array.from(n.ids))),
    selfFirst: before.every((n, i) => n.ids[0] === i),
  };
});
