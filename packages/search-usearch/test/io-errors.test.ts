import { join } from 'node:path';
import { batch } from '@simkit/core';
import { expectCode, expectOneGeneration, withTempDir, withTinyDisk } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { UsearchSearch } from '../src/index.js';
import { dataset, ids } from './reference.js';

describe('UsearchSearch.save on a full disk', () => {
  it('fails with IO_ERROR when usearch cannot write its file, and the previous save still loads as it was', async () => {
    const DIM = 16;
    const data = dataset(5000, DIM, 51);
    const queries = batch(dataset(5, DIM, 52), DIM);
    await withTempDir(async (root) => {
      const mount = join(root, 'disk');
      await withTinyDisk(mount, 256, async () => {
        const dir = join(mount, 'idx');
        const s = new UsearchSearch({ distance: 'euclidean', dim: DIM, threads: 1 });
        await s.add(ids(200), batch(data.subarray(0, 200 * DIM), DIM));
        await s.save(dir);
        const before = await s.lookup(queries, 3);
        // 5,000 × 16 floats = 320 KB of vectors alone: more than the whole disk.
        await s.add(ids(5000), batch(data, DIM));
        const e = await expectCode(() => s.save(dir), 'IO_ERROR');
        expect(e.message).toContain('disk space');
        await expectOneGeneration(dir);
        const back = new UsearchSearch({ distance: 'euclidean' });
        await back.load(dir);
        expect(back.size()).toBe(200);
        expect(await back.lookup(queries, 3)).toEqual(before);
      });
    });
  });
});
