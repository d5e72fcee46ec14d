import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSave } from '@simkit/core';
import { FakeSearch, FakeStore, expectCode, expectOneGeneration, savedFiles, withTempDir } from '@simkit/core/testing';
import { MetricEmbedding } from '@simkit/layers';
import { type Tensor, io, tensor1d, tensor2d } from '@tensorflow/tfjs-core';
import { layers, loadLayersModel, sequential } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimilarityModel, fileIOHandler } from '../src/index.js';
import { calibrationSet, projectionModel, randomRows, useCpu } from './fixtures.js';

beforeAll(useCpu);

function summary(rows: Awaited<ReturnType<SimilarityModel['lookup']>>) {
  return rows.map((row) => row.map((h) => ({ id: h.id, distance: h.distance, label: h.label, data: h.data })));
}

/** The generation directory named by the manifest of the save in `dir`. */
async function generation(dir: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(dir, 'simkit-save.json'), 'utf8')) as { generation: string };
  return join(dir, manifest.generation);
}

describe('fileIOHandler', () => {
  it('saves model.json + weights.bin as a model save and loads the same weights back', async () => {
    await withTempDir(async (dir) => {
      const model = projectionModel();
      await model.save(fileIOHandler(dir));
      await expectOneGeneration(dir);
      const gen = await generation(dir);
      expect((await readdir(gen)).sort()).toEqual(['model.json', 'weights.bin']);
      const json = JSON.parse(await readFile(join(gen, 'model.json'), 'utf8'));
      expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
      // Kernel 3×2 + bias 2 = 8 float32 values = 32 bytes.
      expect((await readFile(join(gen, 'weights.bin'))).byteLength).toBe(32);
      const loaded = await loadLayersModel(fileIOHandler(dir));
      const out = loaded.predict(tensor2d([[2, 3, 4]])) as Tensor;
      expect(Array.from(out.dataSync())).toEqual([2, 3]);
      // The same directory is a SimilarityModel save without an index.
      const sim = await SimilarityModel.load(dir);
      expect(sim.hasIndex).toBe(false);
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

  it('fails with CORRUPT_INDEX on a missing, damaged or crafted model save', async () => {
    await withTempDir(async (dir) => {
      await expectCode(() => fileIOHandler(join(dir, 'missing')).load?.(), 'CORRUPT_INDEX');
      await expectCode(() => fileIOHandler(dir).load?.(), 'CORRUPT_INDEX');

      const crafted = async (name: string, modelJson: string) => {
        const target = join(dir, name);
        await writeSave(target, 'similarity-model', async (gen) => {
          await writeFile(join(gen, 'model.json'), modelJson);
          await writeFile(join(gen, 'weights.bin'), new Uint8Array(8));
        });
        return target;
      };
      const notJson = await crafted('not-json', '{ not json');
      await expectCode(() => fileIOHandler(notJson).load?.(), 'CORRUPT_INDEX');
      const outside = await crafted(
        'outside',
        JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['../x.bin'], weights: [] }] }),
      );
      await expectCode(() => fileIOHandler(outside).load?.(), 'CORRUPT_INDEX');
      const twice = await crafted(
        'twice',
        JSON.stringify({
          modelTopology: {},
          weightsManifest: [{ paths: ['weights.bin', './weights.bin'], weights: [] }],
        }),
      );
      await expectCode(() => fileIOHandler(twice).load?.(), 'CORRUPT_INDEX');
      // Declares 10^12 float32 values for an 8-byte file: refused before anything is allocated.
      const huge = await crafted(
        'huge',
        JSON.stringify({
          modelTopology: {},
          weightsManifest: [
            { paths: ['./weights.bin'], weights: [{ name: 'w', shape: [1e6, 1e6], dtype: 'float32' }] },
          ],
        }),
      );
      await expectCode(() => fileIOHandler(huge).load?.(), 'CORRUPT_INDEX');
      const short = await crafted(
        'short',
        JSON.stringify({
          modelTopology: {},
          weightsManifest: [{ paths: ['./weights.bin'], weights: [{ name: 'w', shape: [1], dtype: 'float32' }] }],
        }),
      );
      await expectCode(() => fileIOHandler(short).load?.(), 'CORRUPT_INDEX');
    });
    await expectCode(() => fileIOHandler(''), 'INVALID_ARGUMENT');
  });
});

describe('SimilarityModel save / load', () => {
  it('round-trips model, index and calibration in one save: identical lookups and matches', async () => {
    await withTempDir(async (dir) => {
      const sim = new SimilarityModel(projectionModel());
      sim.compile({ distance: 'euclidean' });
      await sim.index(calibrationSet.indexX, calibrationSet.indexY, ['zero', 'ten']);
      await sim.calibrate(calibrationSet.queryX, calibrationSet.queryY, { thresholdsTargets: { strict: 0.8 } });
      const queries = randomRows(6, 3, 5).map((r) => r.map((v) => v * 12));
      const lookups = await sim.lookup(queries, 2);
      const matches = await sim.match(queries, { cutpoint: 'all' });
      await sim.save(dir);

      await expectOneGeneration(dir);
      const gen = await generation(dir);
      expect((await readdir(gen)).sort()).toEqual(['index', 'model.json', 'weights.bin']);
      await expectOneGeneration(join(gen, 'index'));
      // The model save's manifest lists the index by its own manifest only.
      const manifest = JSON.parse(await readFile(join(dir, 'simkit-save.json'), 'utf8'));
      expect(manifest.kind).toBe('similarity-model');
      expect(manifest.files.map((f: { path: string }) => f.path).sort()).toEqual([
        'index/simkit-save.json',
        'model.json',
        'weights.bin',
      ]);

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

  it('saves again over its own save, leaving one generation', async () => {
    await withTempDir(async (dir) => {
      const sim = new SimilarityModel(projectionModel());
      sim.createIndex();
      await sim.index([[1, 2, 3]], [4]);
      await sim.save(dir);
      await sim.index([[3, 2, 1]], [5]);
      await sim.save(dir);
      await expectOneGeneration(dir);
      await expectOneGeneration(join(await generation(dir), 'index'));
      expect((await SimilarityModel.load(dir)).indexSize()).toBe(2);
    });
  });

  it('saveIndex into a new directory writes an index-only save that loadIndex reads', async () => {
    await withTempDir(async (dir) => {
      const sim = new SimilarityModel(projectionModel());
      sim.createIndex();
      await sim.index([[1, 2, 3]], [4]);
      await sim.saveIndex(dir);
      await expectOneGeneration(dir);
      expect(await readdir(await generation(dir))).toEqual(['index']);
      const other = new SimilarityModel(projectionModel());
      await other.loadIndex(dir);
      expect(other.indexSize()).toBe(1);
      expect((await other.lookup([[1, 2, 0]], 1))[0]?.[0]?.label).toBe(4);
      // There is no model in it: load says so, and takes the model from modelSource instead.
      const err = await expectCode(() => SimilarityModel.load(dir), 'NOT_FOUND');
      expect(err.message).toContain('modelSource');
      let artifacts: io.ModelArtifacts = {};
      await projectionModel().save(
        io.withSaveHandler(async (a) => {
          artifacts = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      const withModel = await SimilarityModel.load(dir, undefined, { modelSource: io.fromMemory(artifacts) });
      expect(withModel.indexSize()).toBe(1);
    });
  });

  it('saveIndex into a model save keeps its model files byte for byte and replaces the index', async () => {
    await withTempDir(async (dir) => {
      const sim = new SimilarityModel(projectionModel());
      sim.createIndex({ distance: 'euclidean' });
      await sim.index([[1, 0, 0]], [1]);
      await sim.save(dir);
      const before = await generation(dir);
      const weights = await readFile(join(before, 'weights.bin'));
      const modelJson = await readFile(join(before, 'model.json'));

      // Another model (it doubles x0 and x1) with another index: only its index goes into the save.
      const doubling = projectionModel();
      doubling.setWeights([
        tensor2d([
          [2, 0],
          [0, 2],
          [0, 0],
        ]),
        tensor1d([0, 0]),
      ]);
      const other = new SimilarityModel(doubling);
      other.createIndex({ distance: 'euclidean' });
      await other.index(
        [
          [0, 5, 0],
          [0, 7, 0],
        ],
        [2, 3],
      );
      await other.saveIndex(dir);

      await expectOneGeneration(dir);
      const after = await generation(dir);
      expect(after).not.toBe(before);
      expect(await readFile(join(after, 'weights.bin'))).toEqual(weights);
      expect(await readFile(join(after, 'model.json'))).toEqual(modelJson);
      const loaded = await SimilarityModel.load(dir);
      expect(loaded.indexSize()).toBe(2);
      // The saved projection model with the doubling model's index: (0, 5, 0) was indexed at
      // (0, 10), where the projection model puts (0, 10, 9).
      expect((await loaded.singleLookup([0, 10, 9], 1))[0]).toMatchObject({ label: 2, distance: 0 });
    });
  });

  it('saveIndex refuses a directory whose save is damaged or not a model save, and leaves it as it was', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'model');
      const sim = new SimilarityModel(projectionModel());
      sim.createIndex();
      await sim.index([[1, 0, 0]], [1]);
      await sim.save(dir);
      const weights = join(await generation(dir), 'weights.bin');
      const damaged = Buffer.from(await readFile(weights));
      damaged[3] = (damaged[3] as number) ^ 1;
      await writeFile(weights, damaged);
      const listing = await savedFiles(dir);
      await expectCode(() => sim.saveIndex(dir), 'CORRUPT_INDEX');
      expect(await savedFiles(dir)).toEqual(listing);
      expect(await readFile(weights)).toEqual(damaged);

      // A directory the Indexer saved into is an index save, not a model save: the wrong directory to pass.
      const indexerDir = join(root, 'indexer');
      await sim.indexer.save(indexerDir);
      const indexerFiles = await savedFiles(indexerDir);
      await expectCode(() => sim.saveIndex(indexerDir), 'INVALID_ARGUMENT');
      expect(await savedFiles(indexerDir)).toEqual(indexerFiles);
    });
  });

  it('saves a model without an index and loads it without one', async () => {
    await withTempDir(async (dir) => {
      const notices: string[] = [];
      const sim = new SimilarityModel(projectionModel(), { logger: { log: (_l, m) => notices.push(m) } });
      await sim.save(dir);
      expect(notices.some((m) => m.includes('index was not saved'))).toBe(true);
      expect((await readdir(await generation(dir))).sort()).toEqual(['model.json', 'weights.bin']);
      const loaded = await SimilarityModel.load(dir);
      expect(loaded.hasIndex).toBe(false);
      await expectCode(() => loaded.indexSize(), 'NOT_READY');
      await expectCode(() => loaded.loadIndex(dir), 'NOT_FOUND');
    });
  });

  it('saveIndex: false replaces a save with one that has no index', async () => {
    await withTempDir(async (dir) => {
      const sim = new SimilarityModel(projectionModel());
      sim.createIndex();
      await sim.index([[1, 0, 0]], [1]);
      await sim.save(dir);
      await sim.save(dir, { saveIndex: false });
      await expectOneGeneration(dir);
      expect((await SimilarityModel.load(dir)).hasIndex).toBe(false);
      const onlyModel = await SimilarityModel.load(dir, undefined, { loadIndex: false });
      expect(onlyModel.hasIndex).toBe(false);
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
      await expectOneGeneration(dir);
      expect(await readdir(await generation(dir))).toEqual(['index']);
      if (artifacts === undefined) throw new Error('the model was not handed to the handler');
      const loaded = await SimilarityModel.load(dir, undefined, { modelSource: io.fromMemory(artifacts) });
      expect(loaded.indexSize()).toBe(1);
    });
  });

  it('with modelDestination and no index to save, leaves the directory alone (the browser path)', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'never-created');
      let artifacts: io.ModelArtifacts | undefined;
      const sim = new SimilarityModel(projectionModel());
      sim.createIndex();
      await sim.save(dir, {
        saveIndex: false,
        modelDestination: io.withSaveHandler(async (a) => {
          artifacts = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      });
      expect(await readdir(root)).toEqual([]);
      if (artifacts === undefined) throw new Error('the model was not handed to the handler');
      const loaded = await SimilarityModel.load(dir, undefined, {
        modelSource: io.fromMemory(artifacts),
        loadIndex: false,
      });
      expect(loaded.hasIndex).toBe(false);
      expect(await readdir(root)).toEqual([]);
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

  it('fails clearly when the directory holds no save, or an index for another model', async () => {
    await withTempDir(async (dir) => {
      await expectCode(() => SimilarityModel.load(dir), 'CORRUPT_INDEX');
      await expectCode(() => SimilarityModel.load(join(dir, 'missing')), 'CORRUPT_INDEX');
      const wide = new SimilarityModel(sequential({ layers: [layers.dense({ units: 5, inputShape: [3] })] }));
      wide.createIndex();
      await wide.index([[1, 2, 3]]);
      await wide.saveIndex(dir);
      const narrow = new SimilarityModel(projectionModel());
      await expectCode(() => narrow.loadIndex(dir), 'DIMENSION_MISMATCH');
      expect(narrow.hasIndex).toBe(false);
      await expectCode(() => narrow.loadIndex(join(dir, 'missing')), 'CORRUPT_INDEX');
    });
  });

  it('refuses to save over a directory that holds other files, and leaves them', async () => {
    await withTempDir(async (dir) => {
      // The layout before atomic saves: model files straight in the directory.
      await writeFile(join(dir, 'model.json'), '{}');
      await writeFile(join(dir, 'weights.bin'), '');
      const sim = new SimilarityModel(projectionModel());
      sim.createIndex();
      await expectCode(() => sim.save(dir), 'INVALID_ARGUMENT');
      await expectCode(() => sim.saveIndex(dir), 'INVALID_ARGUMENT');
      expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
      await expectCode(() => SimilarityModel.load(dir), 'CORRUPT_INDEX');
    });
  });
});
