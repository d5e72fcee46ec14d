import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { batch, randomVectors } from '@simkit/core';
import { expectCode, withTempDir } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { PgvectorSearch } from '../src/index.js';
import { useDatabase } from './server.js';

const db = useDatabase();

async function filled(options: { connectionString?: string } = {}) {
  const s = await PgvectorSearch.open({
    distance: 'cosine',
    dim: 4,
    table: db.table(),
    ...(options.connectionString === undefined ? { pool: db.pool } : { connectionString: options.connectionString }),
  });
  await s.add(
    Array.from({ length: 50 }, (_, i) => i),
    batch(randomVectors(50, 4, 61), 4),
  );
  return s;
}

const queries = batch(randomVectors(5, 4, 62), 4);
const plain = async (s: PgvectorSearch) =>
  (await s.lookup(queries, 5)).map((r) => ({ ids: Array.from(r.ids), distances: Array.from(r.distances) }));

describe('saves record where the vectors live', () => {
  it('holds the server without its password, the table and the distance, and no vectors', async () => {
    const url = db.server.url.replace('postgres@', 'postgres:s3cret-pw@');
    const s = await filled({ connectionString: url });
    try {
      await withTempDir(async (dir) => {
        await s.save(dir);
        const { generation } = JSON.parse(await readFile(join(dir, 'simkit-save.json'), 'utf8')) as {
          generation: string;
        };
        const text = await readFile(join(dir, generation, 'pgvector-search.json'), 'utf8');
        expect(text).not.toMatch(/s3cret/);
        const saved = JSON.parse(text);
        expect(saved).toMatchObject({
          schema: 'public',
          table: s.location.split('.')[1],
          distance: 'cosine',
          dim: 4,
          size: 50,
        });
        expect(saved.server).toBe(db.server.url);
      });
      expect(JSON.stringify(s.toConfig())).not.toMatch(/s3cret/);
    } finally {
      await s.close();
    }
  });

  it('a factory rebuilds the search from its config: on the caller’s pool, or on the recorded server', async () => {
    const s = await filled();
    const before = await plain(s);
    const onPool = await PgvectorSearch.factory({ pool: db.pool }).fromConfig(s.toConfig());
    expect(onPool.size()).toBe(50);
    expect(await plain(onPool)).toEqual(before);
    const onRecorded = await PgvectorSearch.fromConfig(s.toConfig());
    try {
      expect(await plain(onRecorded)).toEqual(before);
    } finally {
      await onRecorded.close();
    }
  });

  it('load shows the table as it is now: later adds by anyone are there', async () => {
    const s = await filled();
    await withTempDir(async (dir) => {
      await s.save(dir);
      await s.add([100], batch(Float32Array.from([1, 0, 0, 0]), 4));
      const t = await PgvectorSearch.open({ distance: 'cosine', pool: db.pool, table: db.table() });
      await t.load(dir);
      expect(t.size()).toBe(51);
      expect(t.dim).toBe(4);
      expect(await plain(t)).toEqual(await plain(s));
    });
  });

  it('a save of a dropped table, or loaded with another distance, is CORRUPT_INDEX and changes nothing', async () => {
    const s = await filled();
    await withTempDir(async (dir) => {
      await s.save(dir);
      const other = await PgvectorSearch.open({ distance: 'euclidean', pool: db.pool, table: db.table(), dim: 4 });
      await expectCode(() => other.load(dir), 'CORRUPT_INDEX');
      expect(other.location).not.toBe(s.location);
      const t = await PgvectorSearch.open({ distance: 'cosine', pool: db.pool, table: db.table(), dim: 4 });
      await t.add([0], batch(Float32Array.from([0, 1, 0, 0]), 4));
      const where = t.location;
      await db.pool.query(`DROP TABLE ${s.location}`);
      const error = await expectCode(() => t.load(dir), 'CORRUPT_INDEX');
      expect(error.message).toMatch(/does not exist/);
      expect(t.location).toBe(where);
      expect(t.size()).toBe(1);
    });
  });
});
