import { describe, expect, it } from 'vitest';
import { batch, fromConfig } from '../src/index.js';
import { FakeSearch, FakeStore, expectCode, withTempDir } from '../src/testing/index.js';

describe('FakeSearch capabilities', () => {
  it('declares every capability unless told otherwise', () => {
    expect(new FakeSearch().supports).toEqual({ delete: true, filter: true, persistence: true, exact: true });
    expect(new FakeSearch({ supports: { filter: false } }).supports).toEqual({
      delete: true,
      filter: false,
      persistence: true,
      exact: true,
    });
  });

  it('really lacks what it declares missing: UNSUPPORTED, and nothing changes', async () => {
    const s = new FakeSearch({ dim: 2, supports: { delete: false, filter: false, persistence: false } });
    await s.add([0, 1], batch(Float32Array.from([0, 0, 1, 1]), 2));
    await expectCode(() => s.remove([0]), 'UNSUPPORTED');
    await expectCode(() => s.lookup(batch(Float32Array.from([0, 0]), 2), 1, { filter: () => true }), 'UNSUPPORTED');
    await withTempDir(async (dir) => {
      await expectCode(() => s.save(dir), 'UNSUPPORTED');
      await expectCode(() => s.load(dir), 'UNSUPPORTED');
    });
    expect(s.size()).toBe(2);
    const [r] = await s.lookup(batch(Float32Array.from([0, 0]), 2), 2);
    expect(Array.from(r?.ids ?? [])).toEqual([0, 1]);
  });

  it('keeps missing capabilities through its config', async () => {
    const s = new FakeSearch({ dim: 3, supports: { persistence: false, exact: false } });
    const back = await fromConfig<FakeSearch>(JSON.parse(JSON.stringify(s.toConfig())), { 'fake-search': FakeSearch });
    expect(back.supports).toEqual(s.supports);
    expect(back.dim).toBe(3);
    expect(new FakeSearch({ dim: 3 }).toConfig().config).toEqual({ dim: 3 });
  });

  it('rejects capability flags that are not booleans', () => {
    for (const bad of [1, 'false', null]) {
      expect(() => new FakeSearch({ supports: { delete: bad as unknown as boolean } })).toThrowError(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
    expect(() => new FakeSearch({ supports: null as unknown as object })).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

describe('FakeStore capabilities', () => {
  it('without delete, delete fails with UNSUPPORTED and keeps the records', async () => {
    const s = new FakeStore({ delete: false });
    expect(s.supports).toEqual({ delete: false, persistence: false });
    await s.add(batch(Float32Array.from([1, 2, 3, 4]), 2));
    await expectCode(() => s.delete([0]), 'UNSUPPORTED');
    expect(s.size()).toBe(2);
    const back = await fromConfig<FakeStore>(JSON.parse(JSON.stringify(s.toConfig())), { 'fake-store': FakeStore });
    expect(back.supports.delete).toBe(false);
    expect(new FakeStore().toConfig().config).toEqual({});
  });

  it('rejects a delete option that is not a boolean', () => {
    expect(() => new FakeStore({ delete: 'no' as unknown as boolean })).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
