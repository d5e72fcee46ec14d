import { expectCode } from '@simkit/core/testing';
import { RecallAtK } from '@simkit/retrieval-metrics';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimilarityModel } from '../src/index.js';
import { calibrationSet, projectionModel, useCpu } from './fixtures.js';

beforeAll(useCpu);

describe('errors', () => {
  it('NOT_READY for every index operation before compile() or createIndex()', async () => {
    const sim = new SimilarityModel(projectionModel());
    const x = [[1, 2, 3]];
    const calls: Array<() => unknown> = [
      () => sim.index(x, [1]),
      () => sim.indexSingle([1, 2, 3], 1),
      () => sim.lookup(x),
      () => sim.singleLookup([1, 2, 3]),
      () => sim.calibrate(x, [1]),
      () => sim.match(x),
      () => sim.evaluateRetrieval(x, [1], [new RecallAtK({ k: 1 })]),
      () => sim.evaluateClassification(x, [1]),
      () => sim.indexSummary(),
      () => sim.indexSize(),
      () => sim.resetIndex(),
      () => sim.saveIndex('/tmp/never-written'),
      () => sim.toDataFrame(),
      () => sim.indexer,
    ];
    for (const call of calls) {
      const err = await expectCode(call, 'NOT_READY');
      expect(err.message).toContain('call compile() or createIndex() first');
    }
  });

  it('DIMENSION_MISMATCH when the input does not have the model input shape', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.createIndex();
    await expectCode(() => sim.index([[1, 2, 3, 4]]), 'DIMENSION_MISMATCH');
    await expectCode(() => sim.lookup({ data: [1, 2, 3, 4], shape: [2, 2] }), 'DIMENSION_MISMATCH');
    await expectCode(() => sim.lookup({ data: [1, 2, 3], shape: [2, 3] }), 'DIMENSION_MISMATCH');
    await expectCode(() => sim.singleLookup([[[1, 2, 3]]]), 'DIMENSION_MISMATCH');
    await expectCode(
      () =>
        sim.embed([
          [1, 2, 3],
          [4, 5],
        ]),
      'DIMENSION_MISMATCH',
    );
    expect(sim.indexSize()).toBe(0);
  });

  it('EMPTY_INDEX for calibrate, match and evaluate on an empty index; NOT_CALIBRATED before calibrate', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.createIndex();
    await expectCode(() => sim.calibrate(calibrationSet.queryX, calibrationSet.queryY), 'EMPTY_INDEX');
    await expectCode(
      () => sim.evaluateRetrieval(calibrationSet.queryX, calibrationSet.queryY, [new RecallAtK()]),
      'EMPTY_INDEX',
    );
    await expectCode(() => sim.evaluateClassification(calibrationSet.queryX, calibrationSet.queryY), 'EMPTY_INDEX');
    await expectCode(() => sim.match(calibrationSet.queryX), 'NOT_CALIBRATED');
    await sim.index(calibrationSet.indexX, calibrationSet.indexY);
    await expectCode(() => sim.match(calibrationSet.queryX), 'NOT_CALIBRATED');
    await expectCode(() => sim.evaluateClassification(calibrationSet.queryX, calibrationSet.queryY), 'NOT_CALIBRATED');
    await sim.calibrate(calibrationSet.queryX, calibrationSet.queryY);
    await sim.resetIndex();
    await expectCode(() => sim.match(calibrationSet.queryX), 'NOT_CALIBRATED');
  });

  it('INVALID_ARGUMENT for bad k, labels, data, options and models, before anything is indexed', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.createIndex();
    await expectCode(() => sim.lookup([[1, 2, 3]], 0), 'INVALID_ARGUMENT');
    await expectCode(() => sim.singleLookup([1, 2, 3], 1.5), 'INVALID_ARGUMENT');
    await expectCode(() => sim.index([[1, 2, 3]], [1, 2]), 'INVALID_ARGUMENT');
    await expectCode(() => sim.index([[1, 2, 3]], [0.5]), 'INVALID_ARGUMENT');
    await expectCode(() => sim.index([[1, 2, 3]], [1], ['a', 'b']), 'INVALID_ARGUMENT');
    await expectCode(() => sim.indexSingle([1, 2, 3], 2.5), 'INVALID_ARGUMENT');
    await expectCode(() => sim.index([[1, 2, Number.NaN]]), 'INVALID_ARGUMENT');
    expect(sim.indexSize()).toBe(0);
    await sim.index(calibrationSet.indexX, calibrationSet.indexY);
    await expectCode(() => sim.calibrate(calibrationSet.queryX, [0, 1]), 'INVALID_ARGUMENT');
    await expectCode(
      () => sim.calibrate(calibrationSet.queryX, calibrationSet.queryY, { rounding: -1 }),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => sim.evaluateRetrieval(calibrationSet.queryX, calibrationSet.queryY, []), 'INVALID_ARGUMENT');
    await expectCode(
      () =>
        sim.singleLookup([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => sim.embed('text' as never), 'INVALID_ARGUMENT');
    await expectCode(() => sim.createIndex({ embeddingOutput: 1 }), 'INVALID_ARGUMENT');
    await expectCode(() => sim.compile({ optimizer: 'sgd' }), 'INVALID_ARGUMENT');
    await expectCode(() => sim.saveIndex(''), 'INVALID_ARGUMENT');
    await expectCode(() => new SimilarityModel({} as never), 'INVALID_ARGUMENT');
    await expectCode(() => new SimilarityModel(projectionModel(), { batchSize: 0 }), 'INVALID_ARGUMENT');
    await expectCode(() => new SimilarityModel(sequential()), 'INVALID_ARGUMENT');
    expect(sim.indexSize()).toBe(2);
  });

  it('DIMENSION_MISMATCH when the embedding output is not (batch, size)', async () => {
    const model = sequential({ layers: [layers.reshape({ targetShape: [3, 1], inputShape: [3] })] });
    const sim = new SimilarityModel(model);
    await expectCode(() => sim.createIndex(), 'DIMENSION_MISMATCH');
  });
});
