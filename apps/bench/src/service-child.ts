// Child process of the service scenario: builds an HNSW index of seeded vectors, measures batch-size-1
// lookups called in-process, then serves the same index over HTTP on loopback and prints one JSON line
// { url, inProcess } on stdout. SIGTERM stops it gracefully (in-flight requests finish, the index is saved).
// Usage: node dist/service-child.js <rows> <seed> <save-dir> <clusters>
// The data: rows [0, rows) of clusteredVectors(rows + 1000 + 16, 128, clusters, seed) are indexed; the next
// 1000 are the queries (the parent uses the same rows for its request bodies).
import { batch, clusteredVectors } from '@simkit/core';
import { Indexer } from '@simkit/indexer';
import { HnswSearch } from '@simkit/search-hnsw';
import { createService, installSignalHandlers } from '@simkit/server';
import { median } from './harness.js';

const [rowsArg, seedArg, saveDir, clustersArg] = process.argv.slice(2);
if (rowsArg === undefined || seedArg === undefined || saveDir === undefined || clustersArg === undefined) {
  process.stderr.write('usage: service-child.js <rows> <seed> <save-dir> <clusters>\n');
  process.exit(2);
}
const DIM = 128;
const K = 10;
const rows = Number(rowsArg);
const { data: vectors } = clusteredVectors(rows + 1000 + 16, DIM, Number(clustersArg), Number(seedArg));
const search = new HnswSearch({
  distance: 'cosine',
  dim: DIM,
  M: 16,
  efConstruction: 100,
  efSearch: 50,
  initialCapacity: rows + 100_000,
});
const index = new Indexer({ embeddingSize: DIM, search });
const t0 = performance.now();
for (let start = 0; start < rows; start += 10_000) {
  const end = Math.min(rows, start + 10_000);
  await index.batchAdd(
    batch(vectors.subarray(start * DIM, end * DIM), DIM),
    Int32Array.from({ length: end - start }, (_, i) => (start + i) % 100),
  );
}
const buildSeconds = (performance.now() - t0) / 1000;

// In-process: the lookups the service makes for one query of one row (batchLookup of a 1-row batch), back to back.
const queries = vectors.subarray(rows * DIM, (rows + 1000) * DIM);
const runs: number[] = [];
for (let r = 0; r < 4; r++) {
  const started = performance.now();
  let done = 0;
  while (performance.now() - started < 3000) {
    const q = done % 1000;
    await index.batchLookup(batch(queries.subarray(q * DIM, (q + 1) * DIM), DIM), K);
    done++;
  }
  if (r > 0) runs.push(done / ((performance.now() - started) / 1000));
}
const service = await createService({ index, saveDir, port: 0, maxK: K, maxConcurrent: 64, maxQueue: 4096 });
installSignalHandlers(service);
const url = await service.listen();
process.stdout.write(`${JSON.stringify({ url, buildSeconds, inProcess: median(runs), inProcessRuns: runs })}\n`);
