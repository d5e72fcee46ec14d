import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batch } from '../embeddings.js';
import type { Store, StoreRecord } from '../store.js';
import { randomVectors } from '../random.js';
import { needs, skipIfSupported, skipUnlessSupported, without } from './capabilities.js';
import { expectCode } from './search-suite.js';
import { expectDamageDetected, expectOneGeneration } from './save-checks.js';
import { withTempDir } from './temp-dir.js';

/** Options of `describeStore`. */
export interface StoreSuiteOptions {
  /** A fresh, empty Store. */
  factory: () => Store | Promise<Store>;
  /**
   * Opens a new instance on the location of `closed`, which the suite has just closed.
   * Needed by stores that declare `supports.persistence`: the suite uses it to check that
   * records survive without an explicit save, and fails when it is missing.
   */
  reopen?: (closed: Store) => Store | Promise<Store>;
}

async function all(store: Store): Promise<StoreRecord[]> {
  const out: StoreRecord[] = [];
  for await (const r of store.entries()) out.push(r);
  return out;
}

function plain(records: StoreRecord[]): unknown[] {
  return records.map((r) => ({ id: r.id, embedding: Array.from(r.embedding), label: r.label, data: r.data }));
}

/**
 * The conformance suite every Store backend runs:
 * `describeStore('MemoryStore', { factory: () => new MemoryStore() })`.
 *
 * Capability flags in `store.supports` decide which tests apply: a test tagged
 * `[needs supports.X]` runs only when the backend declares X and is reported as skipped
 * otherwise; one tagged `[without supports.X]` runs only when it does not. Explicit
 * `save`/`load` are checked for every store, since an index save depends on them.
 */
export function describeStore(name: string, options: StoreSuiteOptions): void {
  const { factory, reopen } = options;
  const use = async (fn: (s: Store) => Promise<void>) => {
    const s = await factory();
    try {
      await fn(s);
    } finally {
      await s.close?.();
    }
  };

  describe(`${name} — Store conformance`, () => {
    it('assigns consecutive ids from 0 and returns records in the order asked', () =>
      use(async (s) => {
        expect(s.size()).toBe(0);
        const a = await s.add(batch(Float32Array.from([1, 2, 3, 4]), 2), [7, null], [{ path: 'a.png' }, null]);
        const b = await s.add(batch(Float32Array.from([5, 6]), 2), [9], ['x']);
        expect(Array.from(a)).toEqual([0, 1]);
        expect(Array.from(b)).toEqual([2]);
        expect(s.size()).toBe(3);
        expect(s.dim).toBe(2);
        const got = await s.get([2, 0, 1, 0]);
        expect(plain(got)).toEqual([
          { id: 2, embedding: [5, 6], label: 9, data: 'x' },
          { id: 0, embedding: [1, 2], label: 7, data: { path: 'a.png' } },
          { id: 1, embedding: [3, 4], label: null, data: null },
          { id: 0, embedding: [1, 2], label: 7, data: { path: 'a.png' } },
        ]);
      }));

    it('stores records without labels or data', () =>
      use(async (s) => {
        await s.add(batch(Float32Array.from([1, 2, 3, 4, 5, 6]), 3));
        const got = await s.get([1]);
        expect(plain(got)).toEqual([{ id: 1, embedding: [4, 5, 6], label: null, data: null }]);
      }));

    it('keeps the embedding as given, unaffected by later changes to the input', () =>
      use(async (s) => {
        const input = Float32Array.from([0.1, -2.5, 3e-7]);
        await s.add(batch(input, 3), [1]);
        input[0] = 99;
        const [r] = await s.get([0]);
        expect(Array.from(r?.embedding ?? [])).toEqual(Array.from(Float32Array.from([0.1, -2.5, 3e-7])));
      }));

    it('rejects bad input with typed errors and stores nothing', () =>
      use(async (s) => {
        await s.add(batch(Float32Array.from([1, 2]), 2), [0]);
        await expectCode(() => s.add(batch(Float32Array.from([1, 2, 3]), 3), [1]), 'DIMENSION_MISMATCH');
        await expectCode(() => s.add(batch(Float32Array.from([1, Number.NaN]), 2), [1]), 'INVALID_ARGUMENT');
        await expectCode(() => s.add(batch(Float32Array.from([1, 2, 3, 4]), 2), [1]), 'INVALID_ARGUMENT');
        await expectCode(() => s.add(batch(Float32Array.from([1, 2]), 2), [1.5]), 'INVALID_ARGUMENT');
        await expectCode(
          () => s.add(batch(Float32Array.from([1, 2]), 2), ['cat' as unknown as number]),
          'INVALID_ARGUMENT',
        );
        await expectCode(() => s.add(batch(Float32Array.from([1, 2]), 2), [1], [1, 2]), 'INVALID_ARGUMENT');
        expect(s.size()).toBe(1);
        const ids = await s.add(batch(Float32Array.from([3, 4]), 2), [1]);
        expect(Array.from(ids)).toEqual([1]);
      }));

    it('fails with NOT_FOUND for unknown ids', () =>
      use(async (s) => {
        await s.add(batch(Float32Array.from([1, 2]), 2));
        await expectCode(() => s.get([0, 5]), 'NOT_FOUND');
        await expectCode(() => s.get([-1]), 'INVALID_ARGUMENT');
      }));

    it('iterates in id order', () =>
      use(async (s) => {
        await s.add(
          batch(randomVectors(25, 4, 3), 4),
          Array.from({ length: 25 }, (_, i) => i % 5),
        );
        const rows = await all(s);
        expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 25 }, (_, i) => i));
        expect(rows.map((r) => r.label)).toEqual(Array.from({ length: 25 }, (_, i) => i % 5));
      }));

    it(`delete removes records and ids are never reused ${needs('delete')}`, (ctx) =>
      use(async (s) => {
        skipUnlessSupported(ctx, name, s.supports, 'delete');
        await s.add(batch(randomVectors(4, 2, 4), 2), [0, 1, 2, 3]);
        await s.delete([1, 2]);
        expect(s.size()).toBe(2);
        await expectCode(() => s.get([1]), 'NOT_FOUND');
        await expectCode(() => s.delete([0, 2]), 'NOT_FOUND');
        expect(s.size()).toBe(2);
        expect((await all(s)).map((r) => r.id)).toEqual([0, 3]);
        const ids = await s.add(batch(randomVectors(1, 2, 5), 2), [4]);
        expect(Array.from(ids)).toEqual([4]);
      }));

    it(`delete fails with UNSUPPORTED and deletes nothing ${without('delete')}`, (ctx) =>
      use(async (s) => {
        skipIfSupported(ctx, name, s.supports, 'delete');
        await s.add(batch(randomVectors(3, 2, 4), 2), [0, 1, 2]);
        const before = plain(await all(s));
        await expectCode(
          () => s.delete([1]),
          'UNSUPPORTED',
          `${name} declares supports.delete = false, so delete() must fail with UNSUPPORTED`,
        );
        expect(s.size()).toBe(3);
        expect(plain(await all(s))).toEqual(before);
      }));

    it(`records survive closing and reopening the location, without a save ${needs('persistence')}`, async (ctx) => {
      const s = await factory();
      let open = true;
      let t: Store | undefined;
      try {
        skipUnlessSupported(ctx, name, s.supports, 'persistence');
        expect(
          reopen,
          `${name} declares supports.persistence: pass describeStore(name, { factory, reopen }) so the suite can check it`,
        ).toBeTypeOf('function');
        const labels = [3, null, 5, 6, null];
        const data = [{ a: 1 }, null, 'x', [1, 'é'], null];
        await s.add(batch(randomVectors(5, 3, 13), 3), labels, data);
        if (s.supports.delete) await s.delete([2]);
        const before = plain(await all(s));
        open = false;
        await s.close?.();
        t = await (reopen as NonNullable<typeof reopen>)(s);
        expect(t.size()).toBe(before.length);
        expect(t.dim).toBe(3);
        expect(plain(await all(t))).toEqual(before);
        const ids = await t.add(batch(randomVectors(1, 3, 14), 3));
        expect(Array.from(ids)).toEqual([5]);
      } finally {
        if (open) await s.close?.();
        await t?.close?.();
      }
    });

    it('reset removes every record and restarts ids at 0', () =>
      use(async (s) => {
        await s.add(batch(randomVectors(3, 2, 6), 2), [0, 1, 2]);
        await s.reset();
        expect(s.size()).toBe(0);
        expect(await all(s)).toEqual([]);
        const ids = await s.add(batch(randomVectors(2, 2, 7), 2));
        expect(Array.from(ids)).toEqual([0, 1]);
      }));

    it('save then load into a fresh instance restores records and the next id', () =>
      use(async (s) => {
        const labels = Array.from({ length: 30 }, (_, i) => (i % 4 === 0 ? null : i - 10));
        const data = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? null : { i, tag: `t${i}`, nested: [i, 'é'] }));
        await s.add(batch(randomVectors(30, 3, 8), 3), labels, data);
        const before = plain(await all(s));
        await withTempDir(async (dir) => {
          await s.save(dir);
          const t = await factory();
          try {
            await t.load(dir);
            expect(t.size()).toBe(30);
            expect(t.dim).toBe(3);
            expect(plain(await all(t))).toEqual(before);
            const ids = await t.add(batch(randomVectors(1, 3, 9), 3));
            expect(Array.from(ids)).toEqual([30]);
          } finally {
            await t.close?.();
          }
        });
      }));

    it('saving again replaces the previous save atomically and leaves one generation behind', () =>
      use(async (s) => {
        await s.add(batch(randomVectors(20, 3, 10), 3), null, null);
        await withTempDir(async (dir) => {
          await s.save(dir);
          await s.add(batch(randomVectors(5, 3, 11), 3), [1, 2, 3, 4, 5], ['a', 'b', 'c', 'd', 'e']);
          const after = plain(await all(s));
          await s.save(dir);
          await expectOneGeneration(dir);
          const t = await factory();
          try {
            await t.load(dir);
            expect(plain(await all(t))).toEqual(after);
          } finally {
            await t.close?.();
          }
        });
      }));

    it('a damaged save fails with a SimkitError or loads identically, never differently', () =>
      use(async (s) => {
        const labels = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? null : i));
        const data = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? null : { i }));
        await s.add(batch(randomVectors(12, 3, 12), 3), labels, data);
        const expected = { size: s.size(), records: plain(await all(s)) };
        await withTempDir(async (dir) => {
          await s.save(dir);
          const { tried, typed } = await expectDamageDetected(
            dir,
            async () => {
              const t = await factory();
              try {
                await t.load(dir);
                return { size: t.size(), records: plain(await all(t)) };
              } finally {
                await t.close?.();
              }
            },
            expected,
          );
          expect(tried).toBeGreaterThan(0);
          expect(typed).toBeGreaterThan(0);
        });
      }));

    it('fails with CORRUPT_INDEX when loading from a directory without a store', () =>
      use(async (s) => {
        await withTempDir(async (dir) => {
          await expectCode(() => s.load(dir), 'CORRUPT_INDEX');
        });
      }));

    it('fails with INVALID_ARGUMENT, not a raw file-system error, when saving onto a file', () =>
      use(async (s) => {
        await s.add(batch(Float32Array.from([1, 2]), 2), [1]);
        await withTempDir(async (dir) => {
          const file = join(dir, 'a-file');
          await writeFile(file, 'not a directory');
          await expectCode(() => s.save(file), 'INVALID_ARGUMENT');
          await expectCode(() => s.save(join(file, 'below')), 'INVALID_ARGUMENT');
        });
      }));

    it('has a supports manifest and a { type, version, config } config', () =>
      use(async (s) => {
        expect(typeof s.supports.delete).toBe('boolean');
        expect(typeof s.supports.persistence).toBe('boolean');
        const c = s.toConfig();
        expect(typeof c.type).toBe('string');
        expect(JSON.parse(JSON.stringify(c))).toEqual(c);
      }));
  });
}
