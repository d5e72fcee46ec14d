import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { clusteredVectors } from '@simkit/core';
import { expectCode, withTempDir } from '@simkit/core/testing';
import { HnswSearch } from '@simkit/search-hnsw';
import { UsearchSearch } from '@simkit/search-usearch';
import { describe, expect, it } from 'vitest';
import { Indexer } from '../src/index.js';

const run = promisify(execFile);
const fixture = join(import.meta.dirname, 'fixtures', 'level-index.mjs');

describe('Indexer with @simkit/store-level', () => {
  it('index → exit → a new process loads the saved index and answers identically, without re-adding', async () => {
    await withTempDir(async (root) => {
      const location = join(root, 'records');
      const indexDir = join(root, 'index');
      const first = await run(process.execPath, [fixture, 'write', location, indexDir]);
      const before = JSON.parse(first.stdout);
      // The saved index is a snapshot: it must not need the original store location.
      await rm(location, { recursive: true, force: true });
      const second = await run(process.execPath, [fixture, 'read', indexDir]);
      const after = JSON.parse(second.stdout);
      expect(after.size).toBe(500);
      expect(after.lookups).toEqual(before);
      expect(before).toHaveLength(20);
      expect(before[0]).toHaveLength(5);
    });
  });
});

describe('Indexer with @simkit/search-hnsw', () => {
  it('saves and loads as a whole, with identical lookups and calibration', async () => {
    await withTempDir(async (root) => {
      const dim = 8;
      const { data, labels } = clusteredVectors(300, dim, 4, 5);
      const index = new Indexer({
        embeddingSize: dim,
        distance: 'cosine',
        search: new HnswSearch({ distance: 'cosine', dim }),
      });
      await index.batchAdd({ data, rows: 300, dim }, labels);
      const q = clusteredVectors(30, dim, 4, 5);
      await index.calibrate({ data: q.data, rows: 30, dim }, q.labels);
      const queries = { data: q.data, rows: 30, dim };
      const before = (await index.batchLookup(queries, 4)).map((r) => r.map((l) => [l.id, l.distance]));
      await index.save(join(root, 'idx'));
      await expectCode(() => Indexer.load(join(root, 'idx')), 'MISSING_COMPONENT');
      const back = await Indexer.load(join(root, 'idx'), { 'hnsw-search': HnswSearch });
      expect(back.search).toBeInstanceOf(HnswSearch);
      expect((await back.batchLookup(queries, 4)).map((r) => r.map((l) => [l.id, l.distance]))).toEqual(before);
      expect(Array.from(await back.match(queries))).toEqual(Array.from(await index.match(queries)));
    });
  });
});

describe('Indexer with @simkit/search-usearch', () => {
  it('saves and loads it; a registry factory with { view: true } serves the save memory-mapped', async () => {
    const dim = 12;
    const { data, labels } = clusteredVectors(320, dim, 5, 31);
    const queries = { data: data.subarray(300 * dim), rows: 20, dim };
    const indexer = new Indexer({
      embeddingSize: dim,
      distance: 'euclidean',
      search: new UsearchSearch({ distance: 'euclidean', dim, threads: 1 }),
    });
    await indexer.batchAdd({ data: data.subarray(0, 300 * dim), rows: 300, dim }, Array.from(labels.subarray(0, 300)));
    const expected = await indexer.batchLookup(queries, 4);
    await withTempDir(async (dir) => {
      await indexer.save(dir);
      const loaded = await Indexer.load(dir, { 'usearch-search': UsearchSearch });
      expect(loaded.size()).toBe(300);
      expect(await loaded.batchLookup(queries, 4)).toEqual(expected);
      const viewed = await Indexer.load(dir, {
        'usearch-search': { fromConfig: (c) => UsearchSearch.fromConfig(c, { view: true }) },
      });
      expect((viewed.search as UsearchSearch).stats().mode).toBe('view');
      expect(await viewed.batchLookup(queries, 4)).toEqual(expected);
      await loaded.close();
      await viewed.close();
    });
  });
});
