import { expectCode } from '@simkit/core/testing';
import { type Tensor, memory, norm, tensor1d, tensor2d } from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MetricEmbedding, metricEmbedding } from '../src/index.js';
import { useCpu } from './setup-backend.js';

beforeAll(useCpu);

function rows(t: Tensor): number[][] {
  return t.arraySync() as number[][];
}

describe('MetricEmbedding', () => {
  it('normalises the Dense output: ones kernel on [4,4,4,4] and [1,1,1,1] gives 0.5 everywhere', () => {
    // Dense with a kernel of ones and zero bias: each output = Σ inputs = 16 (row 0) and 4 (row 1).
    // Row 0: [16,16,16,16] / sqrt(4·16²) = 16 / 32 = 0.5; row 1: [4,4,4,4] / sqrt(4·4²) = 4 / 8 = 0.5.
    const layer = new MetricEmbedding({ units: 4, kernelInitializer: 'ones' });
    const out = layer.apply(
      tensor2d([
        [4, 4, 4, 4],
        [1, 1, 1, 1],
      ]),
    ) as Tensor;
    const values = rows(out);
    for (const row of values) for (const v of row) expect(v).toBeCloseTo(0.5, 6);
  });

  it('uses kernel and bias before normalising: [1,2]·I + [2,2] = [3,4] → [0.6, 0.8]', () => {
    // Identity kernel: [1,2]; plus bias [2,2] → [3,4]; |[3,4]| = 5 → [3/5, 4/5] = [0.6, 0.8].
    const layer = metricEmbedding({ units: 2, inputShape: [2] });
    layer.apply(tensor2d([[0, 0]]));
    layer.setWeights([
      tensor2d([
        [1, 0],
        [0, 1],
      ]),
      tensor1d([2, 2]),
    ]);
    const [row] = rows(layer.apply(tensor2d([[1, 2]])) as Tensor);
    expect(row?.[0]).toBeCloseTo(0.6, 6);
    expect(row?.[1]).toBeCloseTo(0.8, 6);
  });

  it('keeps a zero output at zero instead of dividing by zero', () => {
    // Zero kernel and bias give [0,0]; 0 / sqrt(max(0, 1e-12)) = 0.
    const layer = new MetricEmbedding({ units: 2, kernelInitializer: 'zeros' });
    const [row] = rows(layer.apply(tensor2d([[3, -1]])) as Tensor);
    expect(row).toEqual([0, 0]);
  });

  it('always produces unit-norm rows (property)', () => {
    const layer = new MetricEmbedding({ units: 5, kernelInitializer: 'glorotUniform', biasInitializer: 'ones' });
    layer.apply(tensor2d([[0, 0, 0]]));
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 3, maxLength: 3 }), {
          minLength: 1,
          maxLength: 8,
        }),
        (input) => {
          const out = layer.apply(tensor2d(input)) as Tensor;
          const norms = norm(out, 'euclidean', -1);
          const values = norms.dataSync();
          out.dispose();
          norms.dispose();
          // Bias of ones and unit-scale weights keep outputs away from 0, so each norm is 1.
          for (const v of values) expect(v).toBeCloseTo(1, 5);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('leaves no tensors behind after a call', () => {
    const layer = new MetricEmbedding({ units: 3 });
    const x = tensor2d([[1, 2]]);
    (layer.apply(x) as Tensor).dispose();
    const before = memory().numTensors;
    for (let i = 0; i < 5; i++) (layer.apply(x) as Tensor).dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('has the Dense config, defaults to glorotUniform, and round-trips through getConfig', () => {
    const layer = new MetricEmbedding({ units: 32, name: 'embedding' });
    const config = layer.getConfig();
    expect(config.units).toBe(32);
    expect(config.useBias).toBe(true);
    expect(config.activation).toBe('linear');
    // tfjs serialises glorotUniform as VarianceScaling(scale 1, fanAvg, uniform).
    expect(config.kernelInitializer).toMatchObject({
      className: 'VarianceScaling',
      config: { scale: 1, mode: 'fanAvg', distribution: 'uniform' },
    });
    expect(config.name).toBe('embedding');
    // tfjs' deserialiser writes into the dict it is given, so hand it a copy.
    const copy = MetricEmbedding.fromConfig(MetricEmbedding, structuredClone(config));
    expect(copy).toBeInstanceOf(MetricEmbedding);
    expect(copy.getConfig()).toEqual(config);
    expect(layer.getClassName()).toBe('MetricEmbedding');
  });

  it('rejects a missing or bad units value', async () => {
    await expectCode(() => new MetricEmbedding({ units: 0 }), 'INVALID_ARGUMENT');
    await expectCode(() => new MetricEmbedding({ units: 2.5 }), 'INVALID_ARGUMENT');
    await expectCode(() => new MetricEmbedding(null as never), 'INVALID_ARGUMENT');
  });
});
