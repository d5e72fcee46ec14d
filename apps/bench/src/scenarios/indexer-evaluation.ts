import { batch, clusteredVectors } from '@simkit/core';
import { Indexer } from '@simkit/indexer';
import { RecallAtK } from '@simkit/retrieval-metrics';
import { LinearSearch } from '@simkit/search-linear';
import { type Scenario, median, printTable, writeResults } from '../harness.js';

const DIM = 64;
const CLUSTERS = 50;
const SEED = 11;
const REPEAT = 3;

/**
 * The Indexer work that runs lookups — calibrate (k = 1) and evaluateRetrieval (recall@5) —
 * on the same index and queries, with LinearSearch's JavaScript scan and with its WebAssembly
 * kernel (all threads), measured in alternation. The two must give the same numbers.
 */
async function runSize(n: number, queries: number) {
  const { data: all, labels: allLabels } = clusteredVectors(n + queries, DIM, CLUSTERS, SEED);
  const keys = batch(all.slice(0, n * DIM), DIM);
  const keyLabels = allLabels.slice(0, n);
  const probe = batch(all.slice(n * DIM), DIM);
  const probeLabels = allLabels.slice(n);
  const contenders = [];
  for (const kernel of ['js', 'auto'] as const) {
    const index = new Indexer({
      embeddingSize: DIM,
      distance: 'cosine',
      search: new LinearSearch({ distance: 'cosine', kernel }),
    });
    await index.batchAdd(keys, keyLabels);
    contenders.push({ kernel, index, calibrate: [] as number[], retrieval: [] as number[], outputs: [] as string[] });
  }
  for (let r = 0; r <= REPEAT; r++) {
    for (const c of contenders) {
      let t = performance.now();
      const calibration = await c.index.calibrate(probe, probeLabels);
      const calibrateMs = performance.now() - t;
      t = performance.now();
      const retrieval = await c.index.evaluateRetrieval(probe, probeLabels, [new RecallAtK({ k: 5 })]);
      const retrievalMs = performance.now() - t;
      if (r === 0) {
        c.outputs.push(JSON.stringify({ cutpoint: calibration.cutpoints.optimal, retrieval }));
        continue; // warm-up
      }
      c.calibrate.push(calibrateMs);
      c.retrieval.push(retrievalMs);
    }
  }
  const [js, wasm] = contenders as [(typeof contenders)[0], (typeof contenders)[0]];
  const same = js.outputs[0] === wasm.outputs[0];
  const rows = contenders.map((c) => ({
    search:
      c.kernel === 'js'
        ? 'LinearSearch (JS kernel)'
        : `LinearSearch (${c.index.search instanceof LinearSearch ? c.index.search.stats().kernel : '?'}, ${c.index.search instanceof LinearSearch ? c.index.search.stats().threads : '?'} threads)`,
    'calibrate ms': median(c.calibrate),
    'evaluateRetrieval ms': median(c.retrieval),
    'calibrate speed-up': median(js.calibrate) / median(c.calibrate),
    'evaluateRetrieval speed-up': median(js.retrieval) / median(c.retrieval),
  }));
  printTable(
    `indexer-evaluation: ${n} × ${DIM} cosine, ${queries} labelled queries (median of ${REPEAT} after a warm-up, alternating); same results: ${same}`,
    rows,
  );
  if (!same) console.log('WARNING: the WebAssembly kernel changed the calibration or the retrieval metrics.');
  for (const c of contenders) await c.index.close();
  return { n, queries, sameResults: same, rows, outputs: js.outputs[0] };
}

export const indexerEvaluation: Scenario = {
  name: 'indexer-evaluation',
  description:
    'Indexer.calibrate and evaluateRetrieval (their lookups) with LinearSearch on its JavaScript scan vs its WebAssembly kernel',
  async run({ quick }) {
    const sizes: Array<[number, number]> = quick
      ? [[20_000, 1_000]]
      : [
          [20_000, 1_000],
          [60_000, 2_000],
        ];
    const results = [];
    for (const [n, q] of sizes) results.push(await runSize(n, q));
    const file = writeResults('indexer-evaluation', {
      dim: DIM,
      clusters: CLUSTERS,
      seed: SEED,
      repeat: REPEAT,
      quick,
      results,
    });
    console.log(`results written to ${file}`);
  },
};
