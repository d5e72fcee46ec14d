import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimilarityModel, selectBackend } from '@simkit/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimilarityService, createService } from '../src/index.js';
import { expectError, f32 } from './helpers.js';
import { loadTfLayers, quietTfjs } from './tfjs.js';

/**
 * A model whose input is a 2×2 matrix and whose embedding is that matrix flattened:
 * Flatten, then a 4 → 4 Dense with an identity kernel and no bias.
 */
async function flattenModel(): Promise<SimilarityModel> {
  const tfl = await loadTfLayers();
  const net = tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape: [2, 2] }),
      tfl.layers.dense({ units: 4, useBias: false, kernelInitializer: 'identity' }),
    ],
  });
  const model = new SimilarityModel(net as ConstructorParameters<typeof SimilarityModel>[0]);
  model.compile({ distance: 'cosine' });
  return model;
}

// Indexed inputs and their embeddings (the matrix read row by row):
//   id 0: [[1, 0], [0, 0]] → (1, 0, 0, 0), label 1
//   id 1: [[0, 1], [0, 0]] → (0, 1, 0, 0), label 2
//   id 2: [[0, 0], [1, 1]] → (0, 0, 1, 1), label 3
const INDEXED = [
  [
    [1, 0],
    [0, 0],
  ],
  [
    [0, 1],
    [0, 0],
  ],
  [
    [0, 0],
    [1, 1],
  ],
];

let model: SimilarityModel;
let s: SimilarityService;
let dir: string;
beforeAll(async () => {
  await quietTfjs();
  await selectBackend({ prefer: 'cpu' });
  model = await flattenModel();
  dir = await mkdtemp(join(tmpdir(), 'simkit-server-model-'));
  s = await createService({ model, saveDir: join(dir, 'model') });
});
afterAll(async () => {
  await s.close();
  await rm(dir, { recursive: true, force: true });
});

describe('model mode', () => {
  it('indexes raw inputs: the model embeds them', async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/index',
      payload: { inputs: INDEXED, labels: [1, 2, 3], data: ['a', 'b', 'c'] },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ ids: [0, 1, 2] });
    expect(model.indexSize()).toBe(3);
  });

  it('looks up raw inputs as model.lookup does in-process', async () => {
    // [[2, 0], [0, 0.1]] → (2, 0, 0, 0.1): cosine to id 0 is 2/√4.01 ≈ 0.99875 → distance ≈ 0.00125;
    // to id 2 it is 0.1/(√4.01·√2) ≈ 0.0353 → distance ≈ 0.9647; to id 1 it is 0 → distance 1.
    const queries = [
      [
        [2, 0],
        [0, 0.1],
      ],
      [
        [0, 0],
        [3, 2],
      ],
    ];
    const res = await s.app.inject({
      method: 'POST',
      url: '/lookup',
      payload: { inputs: queries, k: 3, includeEmbeddings: true },
    });
    expect(res.statusCode).toBe(200);
    const { lookups } = res.json();
    expect(lookups[0].map((l: { id: number }) => l.id)).toEqual([0, 2, 1]);
    expect(lookups[0][0].distance).toBeCloseTo(1 - 2 / Math.sqrt(4.01), 5);
    expect(lookups[0][1].distance).toBeCloseTo(1 - 0.1 / (Math.sqrt(4.01) * Math.SQRT2), 5);
    expect(lookups[0][2].distance).toBeCloseTo(1, 5);
    expect(lookups[1][0]).toMatchObject({ id: 2, label: 3, data: 'c', embedding: [0, 0, 1, 1] });

    const inProcess = await model.lookup(queries, 3);
    expect(lookups).toEqual(
      inProcess.map((row) =>
        row.map((l) => ({
          rank: l.rank,
          id: l.id,
          distance: l.distance,
          label: l.label,
          data: l.data,
          embedding: Array.from(l.embedding),
        })),
      ),
    );

    const binary = await s.app.inject({
      method: 'POST',
      url: '/lookup?k=3&includeEmbeddings=true',
      headers: { 'content-type': 'application/octet-stream' },
      payload: f32(queries.map((q) => q.flat())),
    });
    expect(binary.json()).toEqual(res.json());
  });

  it('checks inputs against the model input shape', async () => {
    const before = model.indexSize();
    const wrong = await s.app.inject({
      method: 'POST',
      url: '/index',
      payload: {
        inputs: [
          [
            [1, 0, 0],
            [0, 0, 0],
          ],
        ],
      },
    });
    expectError(wrong, 400, 'DIMENSION_MISMATCH');
    const flat = await s.app.inject({ method: 'POST', url: '/index', payload: { inputs: [[1, 0, 0, 0]] } });
    expectError(flat, 400, 'INVALID_ARGUMENT');
    const bytes = await s.app.inject({
      method: 'POST',
      url: '/index',
      headers: { 'content-type': 'application/octet-stream' },
      payload: f32([[1, 0]]), // 8 bytes; one input is 16
    });
    expectError(bytes, 400, 'DIMENSION_MISMATCH');
    const embeddings = await s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: [[1, 0, 0, 0]] } });
    expectError(embeddings, 400, 'INVALID_ARGUMENT');
    expect(model.indexSize()).toBe(before);
  });

  it('calibrates and matches raw inputs', async () => {
    expectError(
      await s.app.inject({ method: 'POST', url: '/match', payload: { inputs: [INDEXED[0]] } }),
      409,
      'NOT_CALIBRATED',
    );
    const cal = await s.app.inject({
      method: 'POST',
      url: '/calibrate',
      payload: {
        inputs: [
          [
            [1, 0.1],
            [0, 0],
          ],
          [
            [0, 0],
            [0, -1],
          ],
        ],
        labels: [1, 9],
      },
    });
    expect(cal.statusCode).toBe(200);
    expect(cal.json().cutpoints.optimal.distance).toBeGreaterThan(0);
    const match = await s.app.inject({ method: 'POST', url: '/match', payload: { inputs: [INDEXED[1]] } });
    expect(match.statusCode).toBe(200);
    expect(match.json().labels).toEqual([2]); // distance 0 to id 1
  });

  it('/info reports model mode and the input shape', async () => {
    const info = (await s.app.inject({ method: 'GET', url: '/info' })).json();
    expect(info).toMatchObject({ mode: 'model', inputShape: [2, 2], embeddingSize: 4, size: 3, isCalibrated: true });
  });

  it('saves model and index on close, loadable with SimilarityModel.load', async () => {
    expect(s.changed).toBe(true);
    await s.close();
    const loaded = await SimilarityModel.load(join(dir, 'model'));
    expect(loaded.indexSize()).toBe(3);
    expect(loaded.indexer.isCalibrated).toBe(true);
    const lookups = await loaded.lookup([INDEXED[2] as number[][]], 1);
    expect(lookups[0]?.[0]).toMatchObject({ id: 2, label: 3 });
  });
});
