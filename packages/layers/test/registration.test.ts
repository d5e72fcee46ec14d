// Registration is the one side effect of this package, and it lives in index.ts alone (the
// module named in package.json "sideEffects"); the layer modules themselves are side-effect free.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serialization } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

const NAMES = [
  'MetricEmbedding',
  'GeneralizedMeanPooling1D',
  'GeneralizedMeanPooling2D',
  'UnitNormalization',
  'MomentDeskew',
  'GradientHistogram',
];
const registered = () => Object.keys(serialization.SerializationMap.getMap().classNameMap);

describe('layer registration', () => {
  it('importing a layer module does not register anything; importing the package registers all six', async () => {
    await import('../src/metric-embedding.js');
    await import('../src/gradient-histogram.js');
    expect(registered().filter((n) => NAMES.includes(n))).toEqual([]);
    await import('../src/index.js');
    expect(registered()).toEqual(expect.arrayContaining(NAMES));
  });

  it('registerSimkitLayers puts back a registration that is gone, and is idempotent', async () => {
    const { registerSimkitLayers, SIMKIT_LAYER_CLASSES } = await import('../src/index.js');
    expect(SIMKIT_LAYER_CLASSES.map((c) => c.className)).toEqual(NAMES);
    const map = serialization.SerializationMap.getMap().classNameMap as Record<string, unknown>;
    delete map.MetricEmbedding;
    expect(registered()).not.toContain('MetricEmbedding');
    registerSimkitLayers();
    registerSimkitLayers();
    expect(registered()).toEqual(expect.arrayContaining(NAMES));
  });

  it('package.json "sideEffects" names exactly the module that registers', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    expect(pkg.sideEffects).toEqual(['./dist/index.js']);
    const index = readFileSync(join(import.meta.dirname, '..', 'src', 'index.ts'), 'utf8');
    expect(index).toMatch(/^registerSimkitLayers\(\);$/m);
  });
});
