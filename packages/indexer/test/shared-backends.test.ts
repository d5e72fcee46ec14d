import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { clusteredVectors } from '@simkit/core';
import { expectCode, withTempDir } from '@simkit/core/testing';
import { PgvectorSearch } from '@simkit/search-pgvector';
import { RedisStore } from '@simkit/store-redis';
import { type PgvectorServer, type RedisServer, startPgvector, startRedis } from '@simkit/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Indexer } from '../src/index.js';

const run = promisify(execFile);
const writer = join(import.meta.dirname, 'fixtures', 'shared-writer.mjs');
const dim = 8;
let pg: PgvectorServer;
let redis: RedisServer;
let n = 0;
const names = () => ({ table: `idx_${process.pid}_${++n}`, prefix: `idx:${process.pid}:${n}` });

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPgvector(), startRedis({ appendfsync: 'always' })]);
}, 120_000);
afterAll(async () => {
  await Promise.all([pg?.stop(), redis?.stop()]);
});

describe('Indexer on @simkit/search-pgvector', () => {
  it('indexes, looks up, calibrates and matches, and passes labels to the table for SQL filters', async () => {
    const { table } = names();
    const search = await PgvectorSearch.open({
      distance: 'cosine',
      dim,
      connectionString: pg.url,
      table,
      index: 'exact',
    });
    const index = new Indexer({ embeddingSize: dim, distance: 'cosine', search });
    try {
      const { data, labels } = clusteredVectors(240, dim, 4, 3);
      await index.batchAdd({ data: data.subarray(0, 200 * dim), rows: 200, dim }, Array.from(labels.subarray(0, 200)));
      const queries = { data: data.subarray(200 * dim), rows: 40, dim };
      const rows = await index.batchLookup(queries, 3);
      // The nearest record of a clustered query almost always has the query's cluster as label.
      const agree = rows.filter((r, q) => r[0]?.label === labels[200 + q]).length;
      expect(agree).toBeGreaterThanOrEqual(36);
      await index.calibrate(queries, Array.from(labels.subarray(200)));
      const matched = await index.match(queries);
      expect(matched.filter((m, q) => m === labels[200 + q]).length).toBeGreaterThanOrEqual(30);
      const [onlyTwo] = await search.lookup({ data: data.subarray(200 * dim, 201 * dim), rows: 1, dim }, 5, {
        labels: [2],
      });
      const records = await index.store.get(Array.from(onlyTwo?.ids ?? []));
      expect(records.map((r) => r.label)).toEqual([2, 2, 2, 2, 2]);
    } finally {
      await index.close();
    }
  });
});

describe('One index shared by two processes (pgvector search + Redis store)', () => {
  it('process A adds and saves; process B, opened before, looks up and sees the records; B loads A’s save', async () => {
    const { table, prefix } = names();
    const rows = 120;
    // B opens the (empty) shared index first.
    const search = await PgvectorSearch.open({ distance: 'cosine', dim, connectionString: pg.url, table });
    const store = await RedisStore.open({ url: redis.url, prefix });
    const b = new Indexer({ embeddingSize: dim, distance: 'cosine', search, store });
    try {
      expect(b.size()).toBe(0);
      await withTempDir(async (dir) => {
        const { stdout } = await run(process.execPath, [writer, pg.url, redis.url, table, prefix, String(rows), dir]);
        expect(JSON.parse(stdout)).toEqual(Array.from({ length: rows }, (_, i) => i));
        const { data, labels } = clusteredVectors(rows, dim, 4, 17);
        // B's lookups see A's records (vectors from the table, labels and data from Redis).
        const hits = await b.batchLookup({ data: data.subarray(0, 10 * dim), rows: 10, dim }, 1);
        hits.forEach((r, i) => {
          expect(r[0]?.id).toBe(i);
          expect(r[0]?.distance).toBeCloseTo(0, 5);
          expect(r[0]?.label).toBe(labels[i]);
          expect(r[0]?.data).toEqual({ from: 'writer', i, l: labels[i] });
        });
        await b.refresh();
        expect(b.size()).toBe(rows);
        // B calibrates on the shared records (refreshing counts first).
        await b.calibrate({ data: data.subarray(0, 40 * dim), rows: 40, dim }, Array.from(labels.subarray(0, 40)));
        expect(b.isCalibrated).toBe(true);
        // B adds one more record; then loads A's save: it shows the shared index as it is now.
        await b.add(new Float32Array(dim).fill(0.5), 9, { from: 'b' });
        const loaded = await Indexer.load(dir, {
          'pgvector-search': PgvectorSearch.factory({ connectionString: pg.url }),
          'redis-store': RedisStore.factory({ url: redis.url }),
        });
        try {
          expect(loaded.size()).toBe(rows + 1);
          const [mine] = await loaded.batchLookup({ data: new Float32Array(dim).fill(0.5), rows: 1, dim }, 1);
          expect(mine?.[0]).toMatchObject({ id: rows, label: 9, data: { from: 'b' } });
        } finally {
          await loaded.close();
        }
      });
    } finally {
      await b.close();
    }
  });

  it('a lost server is UNAVAILABLE through the Indexer, and the index works again after a restart', async () => {
    const { table, prefix } = names();
    const search = await PgvectorSearch.open({
      distance: 'cosine',
      dim,
      connectionString: pg.url,
      table,
      timeoutMs: 20_000,
    });
    const store = await RedisStore.open({ url: redis.url, prefix, timeoutMs: 20_000 });
    const index = new Indexer({ embeddingSize: dim, distance: 'cosine', search, store });
    try {
      const { data, labels } = clusteredVectors(20, dim, 2, 5);
      await index.batchAdd({ data, rows: 20, dim }, labels);
      await redis.kill();
      await expectCode(() => index.batchLookup({ data: data.subarray(0, 2 * dim), rows: 2, dim }, 1), 'UNAVAILABLE');
      await redis.restart();
      await pg.kill();
      await expectCode(() => index.batchLookup({ data: data.subarray(0, 2 * dim), rows: 2, dim }, 1), 'UNAVAILABLE');
      await pg.restart();
      const back = await index.batchLookup({ data: data.subarray(0, 2 * dim), rows: 2, dim }, 1);
      expect(back.map((r) => r[0]?.id)).toEqual([0, 1]);
    } finally {
      await index.close();
    }
  });
});
