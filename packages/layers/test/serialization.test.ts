import { type Tensor, io, tensor2d, tensor3d, tensor4d } from '@tensorflow/tfjs-core';
import { type LayersModel, layers, loadLayersModel, sequential } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GeneralizedMeanPooling1D,
  GradientHistogram,
  GeneralizedMeanPooling2D,
  MetricEmbedding,
  MomentDeskew,
  UnitNormalization,
} from '../src/index.js';
import { useCpu } from './setup-backend.js';

beforeAll(useCpu);

async function roundTrip(model: LayersModel): Promise<{ loaded: LayersModel; artifacts: io.ModelArtifacts }> {
  let saved: io.ModelArtifacts | undefined;
  await model.save(
    io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (saved === undefined) throw new Error('nothing was saved');
  return { loaded: await loadLayersModel(io.fromMemory(saved)), artifacts: saved };
}

describe('saving a model that contains the simkit layers', () => {
  it('reloads MetricEmbedding and GeneralizedMeanPooling2D with their weights and config, no extra code', async () => {
    const model = sequential({
      layers: [
        new GeneralizedMeanPooling2D({ p: 3, inputShape: [3, 3, 2] }),
        new MetricEmbedding({ units: 4, name: 'embedding' }),
      ],
    });
    const x = tensor4d(
      Array.from({ length: 2 * 18 }, (_, i) => (i % 7) - 3),
      [2, 3, 3, 2],
    );
    const before = (model.predict(x) as Tensor).arraySync() as number[][];

    const { loaded, artifacts } = await roundTrip(model);
    const topology = JSON.stringify(artifacts.modelTopology);
    expect(topology).toContain('"class_name":"MetricEmbedding"');
    expect(topology).toContain('"class_name":"GeneralizedMeanPooling2D"');
    expect(loaded.layers[0]).toBeInstanceOf(GeneralizedMeanPooling2D);
    expect(loaded.layers[1]).toBeInstanceOf(MetricEmbedding);
    expect(loaded.layers[1]?.getConfig()).toEqual(model.layers[1]?.getConfig());

    const after = (loaded.predict(x) as Tensor).arraySync() as number[][];
    for (const [r, row] of after.entries()) {
      for (const [c, v] of row.entries()) expect(v).toBeCloseTo(before[r]?.[c] as number, 6);
    }
  });

  it('keeps p = Infinity through the JSON topology', async () => {
    const model = sequential({
      layers: [new GeneralizedMeanPooling1D({ p: Infinity, inputShape: [4, 2] }), layers.dense({ units: 2 })],
    });
    const { loaded } = await roundTrip(model);
    expect((loaded.layers[0] as GeneralizedMeanPooling1D).p).toBe(Infinity);
  });
  it('reloads MomentDeskew and UnitNormalization, which have no weights', async () => {
    const model = sequential({
      layers: [new MomentDeskew({ inputShape: [5, 5, 1] }), layers.flatten(), new UnitNormalization({ name: 'unit' })],
    });
    // A single pixel at (1, 1): deskewed to the centre (2, 2), flattened to position 12, unit length.
    const x = tensor4d(
      Array.from({ length: 25 }, (_, i) => (i === 6 ? 3 : 0)),
      [1, 5, 5, 1],
    );
    const { loaded, artifacts } = await roundTrip(model);
    const topology = JSON.stringify(artifacts.modelTopology);
    expect(topology).toContain('"class_name":"MomentDeskew"');
    expect(topology).toContain('"class_name":"UnitNormalization"');
    const out = Array.from((loaded.predict(x) as Tensor).dataSync());
    expect(out).toEqual(Array.from({ length: 25 }, (_, i) => (i === 12 ? 1 : 0)));
  });
});

describe('GradientHistogram in a saved model', () => {
  it('reloads with its options', async () => {
    const model = sequential({
      layers: [new GradientHistogram({ inputShape: [6, 6, 1], cellSize: 3, bins: 6, signed: true, power: 1 })],
    });
    const { loaded, artifacts } = await roundTrip(model);
    expect(JSON.stringify(artifacts.modelTopology)).toContain('"class_name":"GradientHistogram"');
    const layer = loaded.layers[0] as GradientHistogram;
    expect([layer.cellSize, layer.bins, layer.signed, layer.power]).toEqual([3, 6, true, 1]);
    const x = tensor4d(
      Array.from({ length: 36 }, (_, i) => (i * 7) % 5),
      [1, 6, 6, 1],
    );
    expect(Array.from((loaded.predict(x) as Tensor).dataSync())).toEqual(
      Array.from((model.predict(x) as Tensor).dataSync()),
    );
  });
});

describe('training through the simkit layers', () => {
  it('fits a model with GeM pooling and MetricEmbedding: gradients flow and the loss stays finite', async () => {
    const model = sequential({
      layers: [new GeneralizedMeanPooling1D({ p: 3, inputShape: [4, 2] }), new MetricEmbedding({ units: 2 })],
    });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const x = tensor3d(
      Array.from({ length: 3 * 4 * 2 }, (_, i) => ((i * 7) % 5) - 2),
      [3, 4, 2],
    );
    const y = tensor2d([
      [1, 0],
      [0, 1],
      [0.6, 0.8],
    ]);
    const history = await model.fit(x, y, { epochs: 2, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses).toHaveLength(2);
    for (const l of losses) expect(Number.isFinite(l)).toBe(true);
    const after = model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(after).not.toEqual(before);
  });
});
