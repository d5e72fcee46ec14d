import { withTempDir } from '@simkit/core/testing';
import { PgvectorSearch } from '@simkit/search-pgvector';
import { RedisStore } from '@simkit/store-redis';
import { type PgvectorServer, type RedisServer, startPgvector, startRedis } from '@simkit/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimilarityModel } from '../src/index.js';
import { calibrationSet, projectionModel, useCpu } from './fixtures.js';

let pg: PgvectorServer;
let redis: RedisServer;

beforeAll(async () => {
  await useCpu();
  [pg, redis] = await Promise.all([startPgvector(), startRedis({ appendfsync: 'always' })]);
}, 120_000);
afterAll(async () => {
  await Promise.all([pg?.stop(), redis?.stop()]);
});

describe('SimilarityModel with @simkit/search-pgvector and @simkit/store-redis', () => {
  it('indexes, calibrates and matches by hand-worked distances, then saves and loads with a registry', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.compile({
      distance: 'euclidean',
      search: await PgvectorSearch.open({
        distance: 'euclidean',
        dim: 2,
        connectionString: pg.url,
        table: 'model_vectors',
        index: 'exact',
      }),
      store: await RedisStore.open({ url: redis.url, prefix: 'model' }),
    });
    // fixtures.ts: label 0 at (0, 0), label 1 at (10, 0).
    await sim.index(calibrationSet.indexX, calibrationSet.indexY);
    // Queries → nearest, distance, same label?  (0.5,0) L0 → 0.5 yes · (8,0) L1 → 2 yes · (3,0) L1 → 3 no
    //   (10,4) L1 → 4 yes · (0,6) L2 → 6 no · (17,0) L3 → 7 no.  F1 is best (6/7) at distance 4.
    const result = await sim.calibrate(calibrationSet.queryX, calibrationSet.queryY);
    expect(result.thresholds.distance).toEqual([0.5, 2, 3, 4, 6, 7]);
    expect(result.cutpoints.optimal?.distance).toBe(4);
    const queries = [
      [1, 1, 0],
      [5, 9, 0],
    ];
    // (1, 1) is √2 from label 0: a match; (5, 9) is over 9 from both: unknown (-1).
    expect(await sim.match(queries, { cutpoint: 'optimal' })).toEqual(Int32Array.from([0, -1]));
    await withTempDir(async (dir) => {
      await sim.save(dir);
      const again = await SimilarityModel.load(dir, {
        'pgvector-search': PgvectorSearch.factory({ connectionString: pg.url }),
        'redis-store': RedisStore.factory({ url: redis.url }),
      });
      expect(again.indexSummary()).toMatchObject({ search: 'pgvector-search' });
      expect(await again.match(queries, { cutpoint: 'optimal' })).toEqual(Int32Array.from([0, -1]));
      await again.indexer.close();
    });
    await sim.indexer.close();
  });
});
