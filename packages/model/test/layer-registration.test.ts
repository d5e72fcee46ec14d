// SimilarityModel.load registers simkit's layers itself: nothing needs importing first, and a
// bundler that dropped '@simkit/layers' (or a registry that lost an entry) does not break loading.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { MetricEmbedding } from '@simkit/layers';
import { withTempDir } from '@simkit/core/testing';
import { serialization } from '@tensorflow/tfjs-core';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimilarityModel } from '../src/index.js';
import { useCpu } from './fixtures.js';

beforeAll(useCpu);

const withMetricEmbedding = () =>
  sequential({ layers: [layers.dense({ units: 4, inputShape: [3] }), new MetricEmbedding({ units: 2 })] });

describe('loading a model with simkit layers', () => {
  it('works after the MetricEmbedding registration is gone: load registers it again', async () => {
    await withTempDir(async (dir) => {
      const sim = new SimilarityModel(withMetricEmbedding());
      await sim.save(dir);
      const map = serialization.SerializationMap.getMap().classNameMap as Record<string, unknown>;
      delete map.MetricEmbedding;
      const loaded = await SimilarityModel.load(dir);
      expect(loaded.model.layers.map((l) => l.getClassName())).toEqual(['Dense', 'MetricEmbedding']);
    });
  });

  it('works in a fresh Node process that imports only @simkit/model (the built package)', async () => {
    await withTempDir(async (dir) => {
      await new SimilarityModel(withMetricEmbedding()).save(dir);
      const script = `
        import '@tensorflow/tfjs-backend-cpu';
        import { setBackend } from '@tensorflow/tfjs-core';
        import { SimilarityModel } from '@simkit/model';
        await setBackend('cpu');
        const sim = await SimilarityModel.load(${JSON.stringify(dir)});
        console.log(sim.model.layers.map((l) => l.getClassName()).join(','));
      `;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: join(import.meta.dirname, '..'),
        encoding: 'utf8',
        env: { ...process.env, NODE_ENV: 'test' },
      });
      expect(out.trim().split('\n').at(-1)).toBe('Dense,MetricEmbedding');
    });
  });
});
