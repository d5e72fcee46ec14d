import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Indexer } from '@simkit/indexer';
import { afterEach, describe, expect, it } from 'vitest';
import { type SimilarityService, createService } from '../src/index.js';
import { HALF_RIGHT, expectError, f32, tinyIndex } from './helpers.js';

let service: SimilarityService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

async function serve(index?: Indexer) {
  service = await createService({ index: index ?? (await tinyIndex()) });
  return service;
}

describe('POST /lookup', () => {
  it('returns the neighbours of a flat query, closest first', async () => {
    const s = await serve();
    const res = await s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: [1, 0], k: 3 } });
    expect(res.statusCode).toBe(200);
    const [row] = res.json().lookups;
    // query (1, 0): id 0 (1, 0) at 1 - 1 = 0; id 2 (1, 1) at 1 - 1/√2 ≈ 0.2929; id 1 (0, 1) at 1 - 0 = 1.
    expect(row.map((l: { id: number }) => l.id)).toEqual([0, 2, 1]);
    expect(row.map((l: { rank: number }) => l.rank)).toEqual([1, 2, 3]);
    expect(row[0].distance).toBeCloseTo(0, 6);
    expect(row[1].distance).toBeCloseTo(HALF_RIGHT, 6);
    expect(row[2].distance).toBeCloseTo(1, 6);
    expect(row.map((l: { label: number }) => l.label)).toEqual([10, 10, 20]);
    expect(row.map((l: { data: string }) => l.data)).toEqual(['east', 'north-east', 'north']);
    expect(row[0]).not.toHaveProperty('embedding');
  });

  it('answers rows of queries, with embeddings when asked, k defaulting to 5 (here all 3 records)', async () => {
    const s = await serve();
    const res = await s.app.inject({
      method: 'POST',
      url: '/lookup',
      payload: {
        embeddings: [
          [0, 2],
          [3, 3],
        ],
        includeEmbeddings: true,
      },
    });
    expect(res.statusCode).toBe(200);
    const { lookups } = res.json();
    expect(lookups).toHaveLength(2);
    // (0, 2) points north: id 1 at 0, id 2 at 1 - 1/√2, id 0 at 1.
    expect(lookups[0].map((l: { id: number }) => l.id)).toEqual([1, 2, 0]);
    // (3, 3) points north-east: id 2 at 0, then ids 0 and 1 both at 1 - 1/√2 (ties in insertion order).
    expect(lookups[1].map((l: { id: number }) => l.id)).toEqual([2, 0, 1]);
    expect(lookups[1][0].embedding).toEqual([1, 1]);
  });

  it('gives identical lookups for a JSON body and an octet-stream body', async () => {
    const s = await serve();
    const queries = [
      [0.25, 0.5],
      [-1, 0.125],
      [2, -3],
    ];
    const json = await s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: queries, k: 2 } });
    const binary = await s.app.inject({
      method: 'POST',
      url: '/lookup?k=2',
      headers: { 'content-type': 'application/octet-stream' },
      payload: f32(queries),
    });
    expect(json.statusCode).toBe(200);
    expect(binary.statusCode).toBe(200);
    expect(binary.json()).toEqual(json.json());
    expect(json.json().lookups[0]).toHaveLength(2);
  });
});

describe('writes', () => {
  it('POST /index adds records (JSON) and answers 201 with their ids', async () => {
    const s = await serve();
    expect(s.changed).toBe(false);
    const res = await s.app.inject({
      method: 'POST',
      url: '/index',
      payload: { embeddings: [[-1, 0]], labels: [30], data: [{ name: 'west' }] },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ ids: [3] });
    expect(s.changed).toBe(true);
    const look = await s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: [-5, 0], k: 1 } });
    // (-5, 0) points west: id 3 at distance 0.
    expect(look.json().lookups[0][0]).toMatchObject({ id: 3, label: 30, data: { name: 'west' } });
    expect(look.json().lookups[0][0].distance).toBeCloseTo(0, 6);
  });

  it('POST /index takes octet-stream rows with ?labels=', async () => {
    const s = await serve();
    const res = await s.app.inject({
      method: 'POST',
      url: '/index?labels=40,null',
      headers: { 'content-type': 'application/octet-stream' },
      payload: f32([
        [0, -1],
        [-1, -1],
      ]),
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ ids: [3, 4] });
    const look = await s.app.inject({
      method: 'POST',
      url: '/lookup',
      payload: {
        embeddings: [
          [0, -2],
          [-2, -2],
        ],
        k: 1,
      },
    });
    expect(look.json().lookups[0][0]).toMatchObject({ id: 3, label: 40, data: null });
    expect(look.json().lookups[1][0]).toMatchObject({ id: 4, label: null });
  });

  it('DELETE /records/:id removes a record', async () => {
    const index = await tinyIndex();
    const s = await serve(index);
    const res = await s.app.inject({ method: 'DELETE', url: '/records/0' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ removed: 0 });
    expect(index.size()).toBe(2);
    const look = await s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: [1, 0], k: 1 } });
    // id 0 is gone: the nearest to (1, 0) is now id 2 at 1 - 1/√2.
    expect(look.json().lookups[0][0].id).toBe(2);
    expect(s.changed).toBe(true);
  });

  it('POST /calibrate then POST /match, as the in-process Indexer computes them', async () => {
    const s = await serve();
    // Calibration queries and their nearest records:
    //   (1, 0.1)  label 10 → id 0, distance 1 - 1/√1.01 ≈ 0.004963, right label
    //   (0.1, 1)  label 20 → id 1, distance ≈ 0.004963, right label
    //   (0, -1)   label 30 → id 0, distance 1 - 0 = 1, wrong label
    // F1 is best when the threshold accepts the two close matches and rejects the far one.
    const calibration = {
      embeddings: [
        [1, 0.1],
        [0.1, 1],
        [0, -1],
      ],
      labels: [10, 20, 30],
    };
    const res = await s.app.inject({ method: 'POST', url: '/calibrate', payload: calibration });
    expect(res.statusCode).toBe(200);
    const { cutpoints } = res.json();
    const reference = await tinyIndex();
    const expected = await reference.calibrate(calibration.embeddings, calibration.labels);
    expect(cutpoints).toEqual(JSON.parse(JSON.stringify(expected.cutpoints)));
    expect(cutpoints.optimal.distance).toBeGreaterThanOrEqual(1 - 1 / Math.sqrt(1.01) - 1e-6);
    expect(cutpoints.optimal.distance).toBeLessThan(1);

    // (2, 0.1): id 0 at ≈ 0.00125 → label 10; (0, -3): id 0 at 1 → beyond the cutpoint → -1.
    const match = await s.app.inject({
      method: 'POST',
      url: '/match',
      payload: {
        embeddings: [
          [2, 0.1],
          [0, -3],
        ],
      },
    });
    expect(match.statusCode).toBe(200);
    expect(match.json()).toEqual({
      labels: [10, -1],
      cutpoint: { name: 'optimal', distance: cutpoints.optimal.distance },
    });
    const binary = await s.app.inject({
      method: 'POST',
      url: '/match?noMatchLabel=-7',
      headers: { 'content-type': 'application/octet-stream' },
      payload: f32([
        [2, 0.1],
        [0, -3],
      ]),
    });
    expect(binary.json().labels).toEqual([10, -7]);
    expect(s.changed).toBe(true);
  });
});

describe('GET routes', () => {
  it('/info describes the index, its limits and auth', async () => {
    const s = await serve();
    const res = await s.app.inject({ method: 'GET', url: '/info' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      mode: 'index',
      size: 3,
      embeddingSize: 2,
      distance: 'cosine',
      search: { type: 'linear-search' },
      store: { type: 'memory-store' },
      isCalibrated: false,
      cutpoints: null,
      limits: { maxK: 100, maxBatch: 1024, bodyLimit: 16 * 1024 * 1024 },
      auth: false,
    });
  });

  it('/stats has the index stats and the service counters', async () => {
    const s = await serve();
    await s.app.inject({
      method: 'POST',
      url: '/lookup',
      payload: {
        embeddings: [
          [1, 0],
          [0, 1],
        ],
      },
    });
    await s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: [[1, 0, 0]] } });
    const res = await s.app.inject({ method: 'GET', url: '/stats' });
    const stats = res.json();
    expect(stats.size).toBe(3);
    expect(stats.numLookups).toBe(2); // two queries in the one successful request
    expect(stats.service).toMatchObject({
      requests: 2,
      errors: { DIMENSION_MISMATCH: 1 },
      rejected: 0,
      inFlight: 0,
      queued: 0,
    });
  });

  it('/healthz answers ok', async () => {
    const s = await serve();
    const res = await s.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('unknown routes are 404 NOT_FOUND', async () => {
    const s = await serve();
    expectError(await s.app.inject({ method: 'GET', url: '/nope' }), 404, 'NOT_FOUND');
  });
});

describe('POST /save', () => {
  it('saves to saveDir now, and the save loads back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'simkit-server-'));
    try {
      service = await createService({ index: await tinyIndex(), saveDir: join(dir, 'index') });
      await service.app.inject({ method: 'POST', url: '/index', payload: { embeddings: [[-1, 0]], labels: [30] } });
      expect(service.changed).toBe(true);
      const res = await service.app.inject({ method: 'POST', url: '/save' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ saved: true, size: 4 });
      expect(service.changed).toBe(false);
      const loaded = await Indexer.load(join(dir, 'index'));
      expect(loaded.size()).toBe(4);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is 409 without a saveDir', async () => {
    const s = await serve();
    expectError(await s.app.inject({ method: 'POST', url: '/save' }), 409, 'UNSUPPORTED');
  });
});
