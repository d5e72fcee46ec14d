import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type EmbeddingBatch, SimkitError, randomVectors } from '@simkit/core';
import { FakeSearch, expectCode, expectOneGeneration, withTempDir, withTinyDisk } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { Indexer } from '../src/index.js';

async function records(ix: Indexer): Promise<unknown[]> {
  const df = await ix.toDataFrame();
  return Array.from({ length: df.numRows }, (_, i) => [
    df.columns.id[i],
    df.columns.labelValid[i] ? df.columns.label[i] : null,
    Array.from(df.columns.embedding.subarray(i * df.embeddingSize, (i + 1) * df.embeddingSize)),
    df.columns.data[i],
  ]);
}

describe('Indexer.save on a failing disk', () => {
  it('a full disk gives IO_ERROR and leaves the previous save loadable and unchanged', async () => {
    await withTempDir(async (root) => {
      const mount = join(root, 'disk');
      await withTinyDisk(mount, 256, async () => {
        const dir = join(mount, 'idx');
        const ix = new Indexer({ embeddingSize: 8, distance: 'euclidean' });
        await ix.batchAdd({ data: randomVectors(200, 8, 1), rows: 200, dim: 8 }, null, null);
        await ix.save(dir);
        const before = await records(ix);
        // 20,000 × 8 floats = 640 KB: more than the whole disk.
        await ix.batchAdd({ data: randomVectors(20_000, 8, 2), rows: 20_000, dim: 8 }, null, null);
        const e = await expectCode(() => ix.save(dir), 'IO_ERROR');
        expect(e.message).toContain('disk is full');
        expect((e.details as { errno?: string }).errno).toBe('ENOSPC');
        await expectOneGeneration(dir);
        const back = await Indexer.load(dir);
        expect(await records(back)).toEqual(before);
      });
    });
  });

  it('a read-only mount gives IO_ERROR on save, and the index on it still loads', async () => {
    await withTempDir(async (root) => {
      const mount = join(root, 'disk');
      await withTinyDisk(mount, 1024, async () => {
        const dir = join(mount, 'idx');
        const ix = new Indexer({ embeddingSize: 4, distance: 'cosine' });
        await ix.batchAdd(
          { data: randomVectors(30, 4, 3), rows: 30, dim: 4 },
          Array.from({ length: 30 }, (_, i) => i % 3),
        );
        await ix.calibrate({ data: randomVectors(9, 4, 4), rows: 9, dim: 4 }, [0, 1, 2, 0, 1, 2, 0, 1, 2]);
        await ix.save(dir);
        execFileSync('mount', ['-o', 'remount,ro', mount]);
        const e = await expectCode(() => ix.save(dir), 'IO_ERROR');
        expect((e.details as { errno?: string }).errno).toBe('EROFS');
        const back = await Indexer.load(dir);
        expect(await records(back)).toEqual(await records(ix));
        expect(back.cutpoints).toEqual(ix.cutpoints);
      });
    });
  });
});

describe('Indexer.batchAdd and bad input', () => {
  it('takes out every row again when a backend fails part-way through a large batch', async () => {
    const search = new FakeSearch({ dim: 2 });
    const add = search.add.bind(search);
    let calls = 0;
    search.add = async (ids: ArrayLike<number>, b: EmbeddingBatch) => {
      calls++;
      if (calls === 2) throw new SimkitError('UNSUPPORTED', 'the second chunk fails');
      return add(ids, b);
    };
    const ix = new Indexer({ embeddingSize: 2, distance: 'euclidean', search });
    await expectCode(() => ix.batchAdd({ data: randomVectors(10_000, 2, 5), rows: 10_000, dim: 2 }), 'UNSUPPORTED');
    expect(calls).toBe(2);
    expect(ix.size()).toBe(0);
    expect(search.size()).toBe(0);
    // The index still works, and the next add starts cleanly.
    await ix.batchAdd([[1, 2]]);
    expect(ix.size()).toBe(1);
    expect((await ix.singleLookup([1, 2], 1))[0]?.distance).toBe(0);
  });

  it('rejects options that are not objects, and ids that are not a list of ids', async () => {
    const ix = new Indexer({ embeddingSize: 1, distance: 'euclidean' });
    await ix.batchAdd([[0], [1]], [0, 1]);
    await expectCode(() => ix.calibrate([[0]], [0], null as never), 'INVALID_ARGUMENT');
    await ix.calibrate([[0], [1]], [0, 1]);
    await expectCode(() => ix.match([[0]], null as never), 'INVALID_ARGUMENT');
    await expectCode(() => ix.evaluateClassification([[0]], [0], 5 as never), 'INVALID_ARGUMENT');
    await expectCode(() => ix.remove(null as never), 'INVALID_ARGUMENT');
    await expectCode(() => ix.remove(0 as never), 'INVALID_ARGUMENT');
    await expectCode(() => Indexer.load('/tmp', null as never), 'INVALID_ARGUMENT');
    expect(() => new Indexer({ embeddingSize: 1, statBufferSize: 1e12 })).toThrow(SimkitError);
    expect(ix.size()).toBe(2);
  });
});
