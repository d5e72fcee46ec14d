import { batch } from '@simkit/core';
import { FakeSearch, FakeStore, expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { Indexer } from '../src/index.js';

describe('Indexer.close', () => {
  it('closes the search and the store, once each, after running operations', async () => {
    const calls: string[] = [];
    const search = Object.assign(new FakeSearch({ dim: 2 }), {
      close: async () => void calls.push('search'),
    });
    const store = Object.assign(new FakeStore(), { close: async () => void calls.push('store') });
    const index = new Indexer({ embeddingSize: 2, distance: 'euclidean', search, store });
    const adding = index.batchAdd([[1, 0]], [0]);
    await index.close();
    await adding;
    expect(calls).toEqual(['search', 'store']);
    expect(search.size()).toBe(1); // the add ran before the close
  });

  it('still closes the store when closing the search fails, and reports that failure', async () => {
    const calls: string[] = [];
    const search = Object.assign(new FakeSearch({ dim: 2 }), {
      close: async () => {
        throw new Error('search close failed');
      },
    });
    const store = Object.assign(new FakeStore(), { close: async () => void calls.push('store') });
    const index = new Indexer({ embeddingSize: 2, distance: 'euclidean', search, store });
    await expect(index.close()).rejects.toThrow('search close failed');
    expect(calls).toEqual(['store']);
  });
});

describe('a store and a search that do not hold the same entries', () => {
  it('are refused at construction (INVALID_ARGUMENT), before any save could write an unloadable index', async () => {
    const store = new FakeStore();
    await store.add(batch(Float32Array.from([1, 0, 0, 1]), 2), [0, 1], [null, null]);
    const error = await expectCode(
      () => new Indexer({ embeddingSize: 2, distance: 'euclidean', store, search: new FakeSearch({ dim: 2 }) }),
      'INVALID_ARGUMENT',
    );
    expect(error.message).toContain('store holds 2 records but the search 0');
    expect(error.message).toContain('Indexer.load');
  });
});

describe('Indexer.load hooks', () => {
  it('the loaded index reports progress through the onProgress it was given', async () => {
    const { withTempDir } = await import('@simkit/core/testing');
    await withTempDir(async (dir) => {
      const index = new Indexer({ embeddingSize: 2, distance: 'euclidean' });
      await index.batchAdd([[1, 0]], [0]);
      await index.save(dir);
      const events: unknown[] = [];
      const loaded = await Indexer.load(dir, {}, { onProgress: (e) => events.push(e) });
      await loaded.batchAdd(
        [
          [0, 1],
          [1, 1],
        ],
        [1, 2],
      );
      expect(events).toContainEqual({ task: 'index', done: 2, total: 2 });
      await expectCode(() => Indexer.load(dir, {}, { onProgress: 'yes' as never }), 'INVALID_ARGUMENT');
    });
  });
});
