import { join } from 'node:path';
import { SimilarityModel, selectBackend } from '@simkit/model';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeFileSync } from 'node:fs';
import { encodeNpy } from '@simkit/store-memory';
import { beforeAll, describe, expect, it } from 'vitest';
import { simkit, tempDir } from './run.js';

const dir = tempDir('model');

// A model whose input is a 2×2 matrix and whose embedding is that matrix read row by row
// (Flatten, then a Dense 4 → 4 with an identity kernel and no bias), saved without an index.
//   input 0 [[1, 0], [0, 0]] → (1, 0, 0, 0), label 1
//   input 1 [[0, 1], [0, 0]] → (0, 1, 0, 0), label 2
//   input 2 [[0, 0], [1, 1]] → (0, 0, 1, 1), label 3
// Query [[1, 0], [0, 0.1]] → (1, 0, 0, 0.1): cosine distance 1 − 1/√1.01 = 0.004963 to input 0,
// 1 − 0.1/(√1.01·√2) = 0.929642 to input 2, and 1 to input 1.
const INPUTS = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1];
const modelDir = join(dir, 'model');

beforeAll(async () => {
  tf.env().set('IS_TEST', true); // no "use tfjs-node" hint from the cpu backend
  await selectBackend({ prefer: 'cpu' });
  const net = tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape: [2, 2] }),
      tfl.layers.dense({ units: 4, useBias: false, kernelInitializer: 'identity' }),
    ],
  });
  const model = new SimilarityModel(net);
  await model.save(modelDir);
  writeFileSync(join(dir, 'inputs.npy'), encodeNpy({ data: Float32Array.from(INPUTS), shape: [3, 2, 2] }));
  writeFileSync(join(dir, 'labels.txt'), '1\n2\n3\n');
  writeFileSync(join(dir, 'query.npy'), encodeNpy({ data: Float32Array.from([1, 0, 0, 0.1]), shape: [1, 2, 2] }));
});

describe('a saved SimilarityModel works wherever embeddings do', () => {
  it('indexes raw inputs through the model, then looks up raw queries', async () => {
    const out = join(dir, 'with-index');
    const made = await simkit([
      'index',
      join(dir, 'inputs.npy'),
      '--model',
      modelDir,
      '--labels',
      join(dir, 'labels.txt'),
      '--out',
      out,
      '--json',
    ]);
    expect(made.stderr).not.toMatch(/error/i);
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ kind: 'model', added: 3, embedding_size: 4 });

    const r = await simkit(['lookup', out, join(dir, 'query.npy'), '-k', '3', '--json']);
    expect(r.code).toBe(0);
    const [row] = JSON.parse(r.stdout).lookups as Array<Array<{ id: number; label: number; distance: number }>>;
    expect(row?.map((l) => l.id)).toEqual([0, 2, 1]);
    expect(row?.map((l) => l.label)).toEqual([1, 3, 2]);
    expect(row?.[0]?.distance).toBeCloseTo(1 - 1 / Math.sqrt(1.01), 5);
    expect(row?.[1]?.distance).toBeCloseTo(1 - 0.1 / (Math.sqrt(1.01) * Math.SQRT2), 5);

    // The save is a whole model save: it loads with SimilarityModel.load and answers the same.
    const again = await SimilarityModel.load(out);
    const [inProcess] = await again.lookup({ data: [1, 0, 0, 0.1], shape: [1, 2, 2] }, 3);
    expect(inProcess?.map((l) => l.id)).toEqual([0, 2, 1]);

    // Calibrate and match on the model save: the indexed inputs are their own nearest records
    // (distance 0, right label), so every calibration query is a true match; the query above
    // is 0.004963 from input 0, label 1. The calibration is saved into the model save.
    const cal = await simkit([
      'calibrate',
      out,
      join(dir, 'inputs.npy'),
      '--labels',
      join(dir, 'labels.txt'),
      '--json',
    ]);
    expect(cal.code).toBe(0);
    expect(JSON.parse(cal.stdout).cutpoints.optimal.f1).toBeCloseTo(1, 6);
    const info = JSON.parse((await simkit(['info', out, '--json'])).stdout);
    expect(info).toMatchObject({ kind: 'model', size: 3, calibrated: true });
    const calibrated = await SimilarityModel.load(out);
    expect(calibrated.indexer.isCalibrated).toBe(true);
    const m = await simkit(['match', out, join(dir, 'inputs.npy'), '--json']);
    expect(m.code).toBe(0);
    expect(JSON.parse(m.stdout).cutpoints.optimal.labels).toEqual([1, 2, 3]);

    // Inputs of the wrong shape are refused with the model's shape in the message.
    writeFileSync(join(dir, 'wrong.npy'), encodeNpy({ data: Float32Array.from([1, 0, 0]), shape: [1, 3] }));
    const wrong = await simkit(['lookup', out, join(dir, 'wrong.npy')]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/DIMENSION_MISMATCH: .*shape \[2, 2\]/);
  });
});
