import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../src/build-model.js';
import { defaultSettings } from '../src/hello-mnist-job.js';

describe('buildModel', () => {
  it('keeps the fixed conv untrained and trains only dense layers by default', () => {
    const net = buildModel(defaultSettings.architecture, 0);
    // fixed_conv's kernel and bias are not trainable: dense_1 (kernel, bias) + metric_embedding (kernel, bias).
    expect(net.trainableWeights.map((w) => w.originalName)).toEqual([
      'dense_1/kernel',
      'dense_1/bias',
      'metric_embedding/kernel',
      'metric_embedding/bias',
    ]);
    net.dispose();
  });

  it('trains the 3×3 conv layers of convFilters, each pooled 2×2', () => {
    const arch = { ...defaultSettings.architecture, stemFilters: 0, convFilters: [4, 8] };
    const net = buildModel(arch, 0);
    expect(net.trainableWeights.map((w) => w.originalName).filter((n) => n.startsWith('conv_'))).toEqual([
      'conv_1/kernel',
      'conv_1/bias',
      'conv_2/kernel',
      'conv_2/bias',
    ]);
    // 28 → conv 26 → pool 13 → conv 11 → pool 5: 5·5·8 = 200 values into dense_1.
    expect(net.getLayer('flatten').outputShape).toEqual([null, 200]);
    net.dispose();
  });
});
