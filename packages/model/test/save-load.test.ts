import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MetricEmbedding } from '@simkit/layers';
import { FakeSearch, FakeStore, expectCode, withTempDir } from '@simkit/core/testing';
import { type Tensor, io, tensor2d } from '@tensorflow/tfjs-core';
import { layers, loadLayersModel, sequential } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimilarityModel, fileIOHandler } from '../src/index.js';
import { calibrationSet, projectionModel, randomRows, useCpu } from './fixtures.js';

beforeAll(useCpu);

function summary(rows: Awaited<ReturnType<SimilarityModel['lookup']>>) {
  return rows.map((row) => row.map((h) => ({ id: h.id, distance: h.distance, label: h.label, data: h.data })));
}

describe('fileIOHandler', () => {
  it('writes model.json + weights.bin and loads the same weights back', async () => {
    await withTempDir(async (dir) => {
      const model = projectionModel();
      await model.save(fileIOHandler(dir));
      expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
      expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
      // Kernel 3×2 + bias 2 = 8 float32 values = 32 bytes.
      expect((await readFile(join(dir, 'weights.bin'))).byteLength).toBe(32);
      const loaded = await loadLayersModel(fileIOHandler(dir));
      const out = loaded.predict(tensor2d([[2, 3, 4]])) as Tensor;
      expect(Array.from(out.dataSync())).toEqual([2, 3]);
    });
  });

  it('fails with INVALID_ARGUMENT, not a raw file-system error, where no directory can be written', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'a-file');
      await writeFile(file, 'x');
      const model = projectionModel();
      await expectCode(() => model.save(fileIOHandler(file)), 'INVALID_ARGUMENT');
      await expectCode(() => model.save(fileIOHandler(join(file, 'below'))), 'INVALID_ARGUMENT');
      expect(await readFile(file, 'utf8')).toBe('x');
    });
  });

  it('fails with CORRUPT_INDEX on a missing or damaged model.json', async () => {
    await withTempDir(async (dir) => {
      await expectCode(() => fileIOHandler(dir).load?.(), 'CORRUPT_INDEX');
      await writeFile(join(dir, 'model.json'), '{ not json');
      await expectCode(() => fileIOHandler(dir).load?.(), 'CORRUPT_INDEX');
      await writeFile(
        join(dir, 'model.json'),
        JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['../x.bin'], weights: [] }] }),
      );
      await expectCode(() => fileIOHandler(dir).load?.(), 'CORRUPT_INDEX');
    });
    await expectCode(() => fileIOHandler(''), 'INVALID_ARGUMENT');
  });
});

describe('SimilarityModel save / load', () => {
  it('round-trips model, index and calibration: identical lookups and matches', async () => {
    await withTempDir(async (dir) => {
      const sim = new SimilarityModel(projectionModel());
      sim.compile({ distance: 'euclidean' });
      await sim.index(calibrationSet.indexX, calibrationSet.indexY, ['zero', 'ten']);
      await sim.calibrate(calibrationSet.queryX, calibrationSet.queryY, { thresholdsTargets: { strict: 0.8 } });
      const queries = randomRows(6, 3, 5).map((r) => r.map((v) => v * 12));
      const lookups = await sim.lookup(queries, 2);
      const matches = await sim.match(queries, { cutpoint: 'all' });
      await sim.save(dir);

      expect((await readdir(dir)).sort()).toEqual(['index', 'model.json', 'weights.bin']);
      expect(await readdir(join(dir, 'index'))).toContain('index_metadata.json');

      const loaded = await SimilarityModel.load(dir);
      expect(loaded.indexSize()).toBe(2);
      expect(loaded.indexer.isCalibrated).toBe(true);
      expect(loaded.indexer.distance.name).toBe('euclidean');
      expect(summary(await loaded.lookup(queries, 2))).toEqual(summary(lookups));
      const again = await loaded.match(queries, { cutpoint: 'all' });
      expect(Object.keys(again).sort()).toEqual(Object.keys(matches).sort());
      for (const name of Object.keys(matches))
        expect(Array.from(again[name] ?? [])).toEqual(Array.from(matches[name] ?? []));
    });
  });

  it('saveIndex / loadIndex move only the index, into <dir>/index', async () => {
    await withTempDir(async (dir) => {
      const sim = new SimilarityModel(projectionModel());
      sim.createIndex();
      await sim.index([[1, 2, 3]], [4]);
      await sim.saveIndex(dir);
      expect(await readdir(dir)).toEqual(['index']);
      const other = new SimilarityModel(projectionModel());
      await other.loadIndex(dir);
      expect(other.indexSize()).toBe(1);
      expect((await other.lookup([[1, 2, 0]], 1))[0]?.[0]?.label).toBe(4);
    });
  });

  it('saves a model without an index and loads it without one', async () => {
    await withTempDir(async (dir) => {
      const notices: string[] = [];
      const sim = new SimilarityModel(projectionModel(), { logger: { log: (_l, m) => notices.push(m) } });
      await sim.save(dir);
      expect(notices.some((m) => m.includes('index was not saved'))).toBe(true);
      const loaded = await SimilarityModel.load(dir);
      expect(loaded.hasIndex).toBe(false);
      await expectCode(() => loaded.indexSize(), 'NOT_READY');
    });
  });

  it('reloads a model with a MetricEmbedding layer without extra code', async () => {
    await withTempDir(async (dir) => {
      const model = sequential({
        layers: [layers.dense({ units: 4, inputShape: [3], activation: 'relu' }), new MetricEmbedding({ units: 2 })],
      });
      const sim = new SimilarityModel(model);
      sim.compile();
      const x = randomRows(10, 3, 8);
      await sim.index(x, [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
      const before = summary(await sim.lookup(x.slice(0, 3), 3));
      await sim.save(dir);
      const loaded = await SimilarityModel.load(dir);
      expect(loaded.model.layers[1]).toBeInstanceOf(MetricEmbedding);
      expect(summary(await loaded.lookup(x.slice(0, 3), 3))).toEqual(before);
    });
  });

  it('can send the model to another tfjs handler and read it back from there', async () => {
    await withTempDir(async (dir) => {
      let artifacts: io.ModelArtifacts | undefined;
      const sim = new SimilarityModel(projectionModel());
      sim.createIndex();
      await sim.index([[1, 0, 0]], [1]);
      await sim.save(dir, {
        modelDestination: io.withSaveHandler(async (a) => {
          artifacts = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      });
      expect(await readdir(dir)).toEqual(['index']);
      if (artifacts === undefined) throw new Error('the model was not handed to the handler');
      const loaded = await SimilarityModel.load(dir, undefined, { modelSource: io.fromMemory(artifacts) });
      expect(loaded.indexSize()).toBe(1);
    });
  });

  it('uses the search and store instances it is given, and needs them in the registry to load', async () => {
    await withTempDir(async (dir) => {
      const sim = new SimilarityModel(projectionModel());
      const search = new FakeSearch({ dim: 2 });
      const store = new FakeStore();
      sim.createIndex({ distance: 'euclidean', search, store });
      await sim.index(calibrationSet.indexX, calibrationSet.indexY);
      expect(search.size()).toBe(2);
      expect(store.size()).toBe(2);
      expect(sim.indexSummary()).toMatchObject({ search: 'fake-search', store: 'fake-store' });
      await sim.save(dir);
      const err = await expectCode(() => SimilarityModel.load(dir), 'MISSING_COMPONENT');
      expect(err.message).toContain('fake-');
      const loaded = await SimilarityModel.load(dir, { 'fake-search': FakeSearch, 'fake-store': FakeStore });
      expect(loaded.indexer.search).toBeInstanceOf(FakeSearch);
      expect((await loaded.singleLookup([3, 0, 0], 1))[0]?.distance).toBe(3);
    });
  });

  it('fails clearly when the directory holds no model, or an index for another model', async () => {
    await withTempDir(async (dir) => {
      await expectCode(() => SimilarityModel.load(dir), 'CORRUPT_INDEX');
      const wide = new SimilarityModel(sequential({ layers: [layers.dense({ units: 5, inputShape: [3] })] }));
      wide.createIndex();
      await wide.index([[1, 2, 3]]);
      await wide.saveIndex(dir);
      const narrow = new SimilarityModel(projectionModel());
      await expectCode(() => narrow.loadIndex(dir), 'DIMENSION_MISMATCH');
      await expectCode(() => narrow.loadIndex(join(dir, 'missing')), 'CORRUPT_INDEX');
    });
  });
});
