import { expectCode } from '@simkit/core/testing';
import { ManhattanDistance } from '@simkit/distances';
import { type Tensor, mean, squaredDifference, tensor2d } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Reporter, type SummaryRow, SimilarityModel } from '../src/index.js';
import { projectionModel, randomDenseModel, randomRows, useCpu } from './fixtures.js';

beforeAll(useCpu);

function recordingReporter() {
  const tables: Array<{ title: string; rows: readonly SummaryRow[] }> = [];
  const logs: string[] = [];
  const progress: string[] = [];
  const reporter: Reporter = {
    logger: { log: (_level, message) => logs.push(message) },
    onProgress: (e) => progress.push(`${e.task}:${e.done}/${e.total}`),
    table: (title, rows) => tables.push({ title, rows }),
  };
  return { reporter, tables, logs, progress };
}

describe('compile', () => {
  it("distance 'auto' is cosine without a loss", () => {
    const sim = new SimilarityModel(projectionModel());
    sim.compile();
    expect(sim.indexer.distance.name).toBe('cosine');
  });

  it("distance 'auto' takes the loss's distance and compiles the model with the loss", async () => {
    const logs: string[] = [];
    // A metric-learning loss object: a tfjs-compatible call plus the distance it trains for.
    const loss = {
      distance: 'euclidean',
      call: (yTrue: Tensor, yPred: Tensor) => mean(squaredDifference(yTrue, yPred)),
    };
    const sim = new SimilarityModel(randomDenseModel(3, 2, 4), { logger: { log: (_l, m) => logs.push(m) } });
    sim.compile({ loss, optimizer: 'sgd' });
    expect(sim.indexer.distance.name).toBe('euclidean');
    expect(logs.some((m) => m.includes("'euclidean'"))).toBe(true);
    const history = await sim.model.fit(tensor2d(randomRows(4, 3, 1)), tensor2d(randomRows(4, 2, 2)), {
      epochs: 1,
      verbose: 0,
    });
    expect(history.history.loss).toHaveLength(1);
  });

  it('a Distance instance on the loss is used as is; an explicit distance wins over the loss', () => {
    const mse = (a: Tensor, b: Tensor) => mean(squaredDifference(a, b));
    const fromLoss = new SimilarityModel(projectionModel());
    fromLoss.compile({ loss: Object.assign(mse, { distance: new ManhattanDistance() }) });
    expect(fromLoss.indexer.distance.name).toBe('manhattan');
    const byAlias = new SimilarityModel(projectionModel());
    byAlias.compile({ loss: [Object.assign((a: Tensor, b: Tensor) => mse(a, b), { distance: 'l1' })] });
    expect(byAlias.indexer.distance.name).toBe('manhattan');
    const explicit = new SimilarityModel(projectionModel());
    explicit.compile({ distance: 'l2', loss: Object.assign((a: Tensor, b: Tensor) => mse(a, b), { distance: 'l1' }) });
    expect(explicit.indexer.distance.name).toBe('euclidean');
  });

  it('rejects a loss object tfjs cannot call', async () => {
    const sim = new SimilarityModel(projectionModel());
    await expectCode(() => sim.compile({ loss: { distance: 'cosine' } }), 'INVALID_ARGUMENT');
  });
});

describe('indexSummary and verbose output', () => {
  it('returns the stats, the backend and the components', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.createIndex({ statBufferSize: 10 });
    await sim.index(randomRows(3, 3, 1));
    await sim.lookup(randomRows(2, 3, 2));
    const s = sim.indexSummary();
    expect(s).toMatchObject({
      size: 3,
      numLookups: 2,
      backend: 'cpu',
      distance: 'cosine',
      embeddingSize: 2,
      embeddingOutput: null,
      search: 'linear-search',
      store: 'memory-store',
      isCalibrated: false,
    });
    expect(s.lookupTimeMs.min).toBeGreaterThanOrEqual(0);
  });

  it('prints nothing unless verbose, and then only through the reporter', async () => {
    const quiet = recordingReporter();
    const silent = new SimilarityModel(projectionModel(), { reporter: quiet.reporter });
    silent.createIndex();
    await silent.index(randomRows(3, 3, 1));
    silent.indexSummary();
    expect(quiet.tables).toEqual([]);
    expect(quiet.progress).toEqual([]);

    const loud = recordingReporter();
    const verbose = new SimilarityModel(projectionModel(), { verbose: true, reporter: loud.reporter });
    verbose.createIndex();
    await verbose.index(randomRows(3, 3, 1));
    verbose.indexSummary();
    expect(loud.tables.map((t) => t.title)).toEqual(['Info', 'Performance']);
    expect(loud.tables[0]?.rows).toContainEqual({ property: 'backend', value: 'cpu' });
    expect(loud.progress).toContain('embed:3/3');
    expect(loud.progress).toContain('index:3/3');
  });
});
