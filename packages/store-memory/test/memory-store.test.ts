import { type StoreRecord, batch } from '@simkit/core';
import { expectCode, randomVectors } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/index.js';

async function all(store: MemoryStore): Promise<StoreRecord[]> {
  const out: StoreRecord[] = [];
  for await (const r of store.entries()) out.push(r);
  return out;
}

describe('MemoryStore', () => {
  it('grows across many batches and keeps every record intact', async () => {
    const s = new MemoryStore({ initialCapacity: 2 });
    const dim = 3;
    const sizes = [1, 1, 3, 0, 7, 2, 16, 5, 40, 1];
    // Σ sizes = 1+1+3+0+7+2+16+5+40+1 = 76 records; capacity doubles 2 → 4 → … → 128.
    const vectors = randomVectors(76, dim, 11);
    let start = 0;
    for (const [b, n] of sizes.entries()) {
      const rows = vectors.slice(start * dim, (start + n) * dim);
      const labels = Array.from({ length: n }, (_, i) => start + i);
      const data = Array.from({ length: n }, () => ({ batch: b }));
      const ids = await s.add(batch(rows, dim), labels, data);
      expect(Array.from(ids)).toEqual(labels);
      start += n;
    }
    expect(s.size()).toBe(76);
    const records = await all(s);
    expect(records.map((r) => r.id)).toEqual(Array.from({ length: 76 }, (_, i) => i));
    for (const r of records) {
      expect(r.embedding).toEqual(vectors.slice(r.id * dim, (r.id + 1) * dim));
      expect(r.label).toBe(r.id);
    }
    // Batches 0–7 hold 1+1+3+0+7+2+16+5 = 35 records (ids 0–34), batch 8 ids 35–74, batch 9 id 75.
    expect(records[34]?.data).toEqual({ batch: 7 });
    expect(records[35]?.data).toEqual({ batch: 8 });
    expect(records[74]?.data).toEqual({ batch: 8 });
    expect(records[75]?.data).toEqual({ batch: 9 });
  });

  it('returns copies: changing a returned record or the input data leaves the store unchanged', async () => {
    const s = new MemoryStore();
    const data = [{ tags: ['a'] }];
    await s.add(batch(Float32Array.from([1, 2]), 2), [3], data);
    data[0]?.tags.push('b');
    const [first] = await s.get([0]);
    expect(first?.data).toEqual({ tags: ['a'] });
    first!.embedding[0] = 99;
    (first!.data as { tags: string[] }).tags.push('c');
    const [again] = await s.get([0]);
    expect(Array.from(again!.embedding)).toEqual([1, 2]);
    expect(again?.data).toEqual({ tags: ['a'] });
    expect(again?.embedding.buffer).not.toBe(first?.embedding.buffer);
  });

  it('names every unknown or deleted id in NOT_FOUND and changes nothing', async () => {
    const s = new MemoryStore();
    await s.add(batch(randomVectors(3, 2, 1), 2));
    await s.delete([1]);
    const e = await expectCode(() => s.get([0, 1, 7, 1]), 'NOT_FOUND');
    expect(e.message).toMatch(/id 1, 7 /);
    expect(e.details).toEqual({ ids: [1, 7] });
    await expectCode(() => s.delete([2, 7]), 'NOT_FOUND');
    expect(s.size()).toBe(2);
    expect((await s.get([2]))[0]?.id).toBe(2);
    await expectCode(() => s.get([0.5]), 'INVALID_ARGUMENT');
    await expectCode(() => s.delete('1' as never), 'INVALID_ARGUMENT');
  });

  it('accepts the same id twice in one delete', async () => {
    const s = new MemoryStore();
    await s.add(batch(randomVectors(3, 2, 1), 2));
    await s.delete([0, 0]);
    // 3 records − 1 distinct id = 2.
    expect(s.size()).toBe(2);
  });

  it('keeps JSON data, drops undefined properties, and refuses what JSON would change', async () => {
    const s = new MemoryStore();
    const ok = [{ a: 1, b: undefined, c: [null, 'x', { d: false }] }, 'text', 0, [], null];
    await s.add(batch(randomVectors(5, 2, 1), 2), null, ok);
    expect((await all(s)).map((r) => r.data)).toEqual([{ a: 1, c: [null, 'x', { d: false }] }, 'text', 0, [], null]);

    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    // biome-ignore lint/suspicious/noSparseArray: a hole is the input under test
    const sparse = [1, , 3];
    const bad: unknown[] = [
      { n: Number.NaN },
      { n: Number.POSITIVE_INFINITY },
      new Date(0),
      { when: new Date(0) },
      new Map(),
      Float32Array.from([1]),
      { f: () => 1 },
      [undefined],
      sparse,
      cyclic,
      { big: 1n },
      Symbol('s'),
    ];
    for (const value of bad) {
      await expectCode(() => s.add(batch(Float32Array.from([1, 2]), 2), null, [value]), 'INVALID_ARGUMENT');
    }
    const e = await expectCode(
      () => s.add(batch(Float32Array.from([1, 2, 3, 4]), 2), null, [{}, { deep: [0, { n: Number.NaN }] }]),
      'INVALID_ARGUMENT',
    );
    expect(e.message).toMatch(/^data\[1\]\.deep\[1\]\.n is NaN/);
    expect(s.size()).toBe(5);
  });

  it('accepts the same object twice in one record (shared, not cyclic)', async () => {
    const s = new MemoryStore();
    const shared = { k: 1 };
    await s.add(batch(Float32Array.from([1, 2]), 2), null, [{ a: shared, b: shared }]);
    expect((await s.get([0]))[0]?.data).toEqual({ a: { k: 1 }, b: { k: 1 } });
  });

  it('is all or nothing: a bad label or data entry late in a batch stores nothing', async () => {
    const s = new MemoryStore({ initialCapacity: 1 });
    await s.add(batch(Float32Array.from([1, 2]), 2), [1]);
    const rows = batch(randomVectors(4, 2, 3), 2);
    await expectCode(() => s.add(rows, [1, 2, 3, 2 ** 31]), 'INVALID_ARGUMENT');
    await expectCode(() => s.add(rows, [1, 2, 3, 4], [1, 2, 3, undefined]), 'INVALID_ARGUMENT');
    await expectCode(() => s.add(rows, [1, 2, 3, 4], [1, 2, 3, { x: Number.NaN }]), 'INVALID_ARGUMENT');
    expect(s.size()).toBe(1);
    expect((await all(s)).length).toBe(1);
    expect(Array.from(await s.add(rows))).toEqual([1, 2, 3, 4]);
  });

  it('returns no ids for an empty batch and keeps the dimension open', async () => {
    const s = new MemoryStore();
    expect(Array.from(await s.add(batch(new Float32Array(0), 4)))).toEqual([]);
    expect(s.dim).toBeUndefined();
    expect(Array.from(await s.add(batch(Float32Array.from([1, 2]), 2)))).toEqual([0]);
    expect(s.dim).toBe(2);
  });

  it('continues ids after deleted ones and forgets the dimension on reset', async () => {
    const s = new MemoryStore();
    await s.add(batch(randomVectors(3, 4, 1), 4));
    await s.delete([2]);
    expect(Array.from(await s.add(batch(randomVectors(1, 4, 2), 4)))).toEqual([3]);
    await s.reset();
    expect(s.dim).toBeUndefined();
    expect(Array.from(await s.add(batch(randomVectors(1, 2, 2), 2)))).toEqual([0]);
  });

  it('stops an iteration that a reset cuts under it', async () => {
    const s = new MemoryStore();
    await s.add(batch(randomVectors(3, 2, 1), 2));
    const seen: number[] = [];
    await expectCode(async () => {
      for await (const r of s.entries()) {
        seen.push(r.id);
        await s.reset();
      }
    }, 'UNSUPPORTED');
    expect(seen).toEqual([0]);
  });

  it('sees records added and deleted while it iterates', async () => {
    const s = new MemoryStore();
    await s.add(batch(randomVectors(3, 2, 1), 2));
    const seen: number[] = [];
    for await (const r of s.entries()) {
      seen.push(r.id);
      if (r.id === 0) {
        await s.delete([1]);
        await s.add(batch(randomVectors(1, 2, 2), 2));
      }
    }
    expect(seen).toEqual([0, 2, 3]);
  });

  it('checks its options', async () => {
    await expectCode(() => new MemoryStore({ initialCapacity: 0 }), 'INVALID_ARGUMENT');
    await expectCode(() => new MemoryStore({ initialCapacity: 2.5 }), 'INVALID_ARGUMENT');
    await expectCode(() => new MemoryStore({ compression: 'zip' as never }), 'INVALID_ARGUMENT');
    await expectCode(() => new MemoryStore({ compresion: 'gzip' } as never), 'INVALID_ARGUMENT');
    await expectCode(() => new MemoryStore(null as never), 'INVALID_ARGUMENT');
    const s = new MemoryStore();
    await expectCode(() => s.save(''), 'INVALID_ARGUMENT');
    await expectCode(() => s.load(42 as never), 'INVALID_ARGUMENT');
  });

  it('round-trips its config', async () => {
    const s = new MemoryStore({ compression: 'gzip', initialCapacity: 8 });
    const config = s.toConfig();
    expect(config).toEqual({
      type: 'memory-store',
      version: 1,
      package: '@simkit/store-memory',
      config: { compression: 'gzip' },
    });
    const t = MemoryStore.fromConfig(JSON.parse(JSON.stringify(config)));
    expect(t).toBeInstanceOf(MemoryStore);
    expect(t.compression).toBe('gzip');
    expect(t.supports).toEqual({ delete: true, persistence: false });
    expect(MemoryStore.fromConfig({ type: 'memory-store', version: 1, config: {} }).compression).toBe('none');
    await expectCode(() => MemoryStore.fromConfig({ ...config, type: 'linear-search' }), 'INVALID_ARGUMENT');
    await expectCode(() => MemoryStore.fromConfig({ ...config, version: 2 }), 'UNSUPPORTED');
    await expectCode(() => MemoryStore.fromConfig({ ...config, config: { compression: 'lz4' } }), 'INVALID_ARGUMENT');
  });
});
