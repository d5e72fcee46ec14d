import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { batch, type ProgressEvent, randomVectors, SAVE_MANIFEST, seededRandom } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { Level } from 'level';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LevelStore } from '../src/index.js';
import { all, freshDir, plain } from './helpers.js';

const open: LevelStore[] = [];
async function openStore(location?: string): Promise<LevelStore> {
  const s = await LevelStore.open(location ?? (await freshDir()));
  open.push(s);
  return s;
}

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** Adds `rows` records of `dim` with label id % 7 and data { i: id }. */
async function fill(s: LevelStore, rows: number, dim: number, seed: number): Promise<Float32Array> {
  const data = randomVectors(rows, dim, seed);
  const start = s.size();
  const ids = Array.from({ length: rows }, (_, i) => start + i);
  await s.add(
    batch(data, dim),
    ids.map((id) => id % 7),
    ids.map((id) => ({ i: id })),
  );
  return data;
}

async function rawKeyCount(location: string): Promise<number> {
  const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  const n = (await db.keys().all()).length;
  await db.close();
  return n;
}

describe('LevelStore persistence', () => {
  it('restores size, dim, records and the next id when reopened', async () => {
    const dir = await freshDir();
    const s = await LevelStore.open(dir);
    await fill(s, 6, 4, 1);
    await fill(s, 4, 4, 2);
    await s.delete([3, 9]);
    // 6 + 4 = 10 records with ids 0..9; two deleted → 8 live, next id still 10
    const before = plain(await all(s));
    await s.close();

    const t = await openStore(dir);
    expect(t.size()).toBe(8);
    expect(t.dim).toBe(4);
    expect(plain(await all(t))).toEqual(before);
    expect((await all(t)).map((r) => r.id)).toEqual([0, 1, 2, 4, 5, 6, 7, 8]);
    const ids = await t.add(batch(randomVectors(2, 4, 3), 4));
    // ids continue after the last id ever given (9), not after the last live one (8)
    expect(Array.from(ids)).toEqual([10, 11]);
  });

  it('reset clears every record on disk and forgets the dimension', async () => {
    const dir = await freshDir();
    const s = await LevelStore.open(dir);
    await fill(s, 50, 3, 4);
    await s.reset();
    expect(s.dim).toBeUndefined();
    await s.close();
    // Only the meta record is left in the LevelDB.
    expect(await rawKeyCount(dir)).toBe(1);
    const t = await openStore(dir);
    expect(t.size()).toBe(0);
    expect(t.dim).toBeUndefined();
    expect(await all(t)).toEqual([]);
    const ids = await t.add(batch(randomVectors(2, 5, 5), 5));
    expect(Array.from(ids)).toEqual([0, 1]);
    expect(t.dim).toBe(5);
  });
});

describe('LevelStore.get', () => {
  it('reads 10k random ids with one getMany, in the order asked', async () => {
    const s = await openStore();
    const dim = 8;
    const data = await fill(s, 12_000, dim, 6);
    const rand = seededRandom(7);
    // 10,000 draws from 12,000 ids: repeats are expected and must come back each time.
    const ids = Array.from({ length: 10_000 }, () => Math.floor(rand() * 12_000));
    const getMany = vi.spyOn(Level.prototype, 'getMany');
    const got = await s.get(ids);
    expect(getMany).toHaveBeenCalledTimes(1);
    expect(got.map((r) => r.id)).toEqual(ids);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      const r = got[i];
      expect(r?.label).toBe(id % 7);
      expect(r?.data).toEqual({ i: id });
      expect(Array.from(r?.embedding ?? [])).toEqual(Array.from(data.subarray(id * dim, (id + 1) * dim)));
    }
    // Repeated ids are separate copies.
    const [a, b] = await s.get([5, 5]);
    expect(a?.embedding).not.toBe(b?.embedding);
  });

  it('names the missing ids in NOT_FOUND and checks ids first', async () => {
    const s = await openStore();
    await fill(s, 3, 2, 8);
    const e = await expectCode(() => s.get([0, 7, 2, 9]), 'NOT_FOUND');
    expect(e.details).toEqual({ ids: [7, 9] });
    await expectCode(() => s.get([1.5]), 'INVALID_ARGUMENT');
    await expectCode(() => s.get('1' as unknown as number[]), 'INVALID_ARGUMENT');
    expect(await s.get([])).toEqual([]);
  });
});

describe('LevelStore writes', () => {
  it('deletes each id once when it is listed twice', async () => {
    const s = await openStore();
    await fill(s, 4, 2, 9);
    await s.delete([1, 1, 2]);
    // 4 − |{1, 2}| = 2
    expect(s.size()).toBe(2);
  });

  it('gives concurrent adds consecutive ids and rejects a concurrent dimension change', async () => {
    const s = await openStore();
    const pending = [0, 1, 2, 3].map((k) => s.add(batch(randomVectors(3, 2, 10 + k), 2)));
    const mismatch = s.add(batch(randomVectors(1, 5, 20), 5));
    const ids = await Promise.all(pending);
    expect(ids.map((x) => Array.from(x))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
      [9, 10, 11],
    ]);
    await expectCode(() => mismatch, 'DIMENSION_MISMATCH');
    expect(s.size()).toBe(12);
  });

  it('stores data as JSON and rejects data JSON cannot hold, storing nothing', async () => {
    const s = await openStore();
    await s.add(batch(Float32Array.from([1, 2, 3, 4]), 2), null, [{ when: '1970-01-01', n: null }, [1, 'two']]);
    const [a, b] = await s.get([0, 1]);
    expect(a?.data).toEqual({ when: '1970-01-01', n: null });
    expect(b?.data).toEqual([1, 'two']);
    await expectCode(() => s.add(batch(Float32Array.from([1, 2]), 2), null, [{ big: 10n }]), 'INVALID_ARGUMENT');
    expect(s.size()).toBe(2);
  });

  it('keeps every record intact across many adds of growing and shrinking size', async () => {
    const s = await openStore();
    // Batch sizes 300, 40, 900, 5, 900: 2,145 records; later adds reuse earlier encoding buffers.
    const sizes = [300, 40, 900, 5, 900];
    const written: Float32Array[] = [];
    for (const [k, rows] of sizes.entries()) written.push(await fill(s, rows, 6, 40 + k));
    const all6 = new Float32Array(2145 * 6);
    let offset = 0;
    for (const w of written) {
      all6.set(w, offset);
      offset += w.length;
    }
    const records = await all(s);
    expect(records.length).toBe(2145);
    for (const r of records) {
      expect(Array.from(r.embedding)).toEqual(Array.from(all6.subarray(r.id * 6, (r.id + 1) * 6)));
      expect(r.label).toBe(r.id % 7);
      expect(r.data).toEqual({ i: r.id });
    }
  });

  it('adds nothing for an empty batch', async () => {
    const s = await openStore();
    const ids = await s.add({ data: new Float32Array(0), rows: 0, dim: 3 });
    expect(ids.length).toBe(0);
    expect(s.size()).toBe(0);
    expect(s.dim).toBeUndefined();
  });
});

describe('LevelStore save and load', () => {
  it('saves a snapshot that loads after the original location is deleted', async () => {
    const dir = await freshDir();
    const snap = join(await freshDir(), 'store');
    const s = await LevelStore.open(dir);
    await fill(s, 40, 3, 11);
    await s.delete([0, 39]);
    const before = plain(await all(s));
    const config = s.toConfig();
    await s.save(snap);
    await s.close();
    await rm(dir, { recursive: true, force: true });

    const t = await LevelStore.fromConfig(config);
    try {
      expect(t.location).not.toBe(dir);
      await t.load(snap);
      expect(t.size()).toBe(38);
      expect(t.dim).toBe(3);
      expect(plain(await all(t))).toEqual(before);
      // The snapshot remembers the next id (40), so new ids never reuse deleted ones.
      expect(Array.from(await t.add(batch(randomVectors(1, 3, 12), 3)))).toEqual([40]);
    } finally {
      await t.close();
    }
    // fromConfig's working copy lives in a temporary location that close() removes.
    expect(existsSync(t.location)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('builds from a config while the original store is still open and locked', async () => {
    const s = await openStore();
    await fill(s, 5, 2, 13);
    const snap = join(await freshDir(), 'store');
    await s.save(snap);
    const t = await LevelStore.fromConfig(JSON.parse(JSON.stringify(s.toConfig())));
    open.push(t);
    await t.load(snap);
    expect(plain(await all(t))).toEqual(plain(await all(s)));
  });

  it('factory({ location }) opens the given location for stores built from configs', async () => {
    const s = await openStore();
    await fill(s, 5, 2, 14);
    const snap = join(await freshDir(), 'store');
    await s.save(snap);
    const where = join(await freshDir(), 'restored');
    const t = await LevelStore.factory({ location: where }).fromConfig(s.toConfig());
    open.push(t);
    expect(t.location).toBe(where);
    await t.load(snap);
    await t.close();
    const u = await openStore(where);
    expect(u.size()).toBe(5);
  });

  it('load replaces every record, the dimension and the next id', async () => {
    const a = await openStore();
    await fill(a, 3, 2, 15);
    const snap = join(await freshDir(), 'store');
    await a.save(snap);
    const b = await openStore();
    await fill(b, 9, 6, 16);
    await b.load(snap);
    expect(b.size()).toBe(3);
    expect(b.dim).toBe(2);
    expect(plain(await all(b))).toEqual(plain(await all(a)));
    expect(Array.from(await b.add(batch(randomVectors(1, 2, 17), 2)))).toEqual([3]);
  });

  it('replaces an older snapshot in the same directory', async () => {
    const s = await openStore();
    const snap = join(await freshDir(), 'store');
    await fill(s, 10, 2, 18);
    await s.save(snap);
    await s.delete([0, 1, 2, 3, 4, 5]);
    await s.save(snap);
    const t = await openStore();
    await t.load(snap);
    expect((await all(t)).map((r) => r.id)).toEqual([6, 7, 8, 9]);
  });

  it('reports save and load progress', async () => {
    const events: ProgressEvent[] = [];
    const s = await LevelStore.open(await freshDir(), { onProgress: (e) => events.push(e) });
    open.push(s);
    await fill(s, 2500, 2, 19);
    const snap = join(await freshDir(), 'store');
    await s.save(snap);
    await s.load(snap);
    // 2,500 records copied in chunks of 1,000: 0, 1000, 2000, 2500
    expect(events.filter((e) => e.task === 'level-store:save').map((e) => e.done)).toEqual([0, 1000, 2000, 2500]);
    expect(events.filter((e) => e.task === 'level-store:load').map((e) => e.done)).toEqual([0, 1000, 2000, 2500]);
    expect(events.every((e) => e.total === 2500)).toBe(true);
  });

  it('treats save and load on its own location as nothing to do', async () => {
    const s = await openStore();
    await fill(s, 3, 2, 20);
    await s.save(s.location);
    await s.load(s.location);
    expect(s.size()).toBe(3);
  });

  it('refuses to save over files that are not a level store', async () => {
    const s = await openStore();
    await fill(s, 3, 2, 21);
    const dir = await freshDir();
    await writeFile(join(dir, 'notes.txt'), 'keep me');
    await expectCode(() => s.save(dir), 'INVALID_ARGUMENT');
    expect(await readdir(dir)).toEqual(['notes.txt']);

    // A snapshot inside the store's own directory would make that directory unreadable as a store.
    await expectCode(() => s.save(join(s.location, 'snapshot')), 'INVALID_ARGUMENT');
    expect(existsSync(join(s.location, 'snapshot'))).toBe(false);

    const foreign = await freshDir();
    const db = new Level(foreign);
    await db.put('hello', 'world');
    await db.close();
    await expectCode(() => s.save(foreign), 'INVALID_ARGUMENT');
    const again = new Level(foreign);
    expect(await again.get('hello')).toBe('world');
    await again.close();
  });

  it('rejects a missing, empty or unfinished snapshot and stays unchanged', async () => {
    const s = await openStore();
    await fill(s, 4, 2, 22);
    const before = plain(await all(s));
    const missing = join(await freshDir(), 'nothing-here');
    await expectCode(() => s.load(missing), 'CORRUPT_INDEX');
    expect(existsSync(missing)).toBe(false);
    const empty = await freshDir();
    await expectCode(() => s.load(empty), 'CORRUPT_INDEX');

    const other = await openStore();
    await fill(other, 6, 3, 23);
    // A save killed before its commit leaves a generation but no manifest.
    const unfinished = join(await freshDir(), 'store');
    await other.save(unfinished);
    await rm(join(unfinished, SAVE_MANIFEST));
    await expectCode(() => s.load(unfinished), 'CORRUPT_INDEX');
    // A store location is not a snapshot.
    await expectCode(() => s.load(other.location), 'CORRUPT_INDEX');

    expect(plain(await all(s))).toEqual(before);
    expect(s.dim).toBe(2);
  });
});

describe('LevelStore config and lifecycle', () => {
  it('describes itself as a level-store config', async () => {
    const dir = await freshDir();
    const s = await openStore(dir);
    expect(s.supports).toEqual({ delete: true, persistence: true });
    expect(s.toConfig()).toEqual({
      type: 'level-store',
      version: 1,
      package: '@simkit/store-level',
      config: { location: dir },
    });
  });

  it('checks configs in fromConfig', async () => {
    await expectCode(() => LevelStore.fromConfig({ type: 'memory-store', version: 1, config: {} }), 'INVALID_ARGUMENT');
    await expectCode(
      () => LevelStore.fromConfig({ type: 'level-store', version: 2, config: { location: 'x' } }),
      'UNSUPPORTED',
    );
    await expectCode(
      () => LevelStore.fromConfig({ type: 'level-store', version: 1, config: { location: 3 } }),
      'INVALID_ARGUMENT',
    );
  });

  it('checks open, factory, save and load arguments', async () => {
    await expectCode(() => LevelStore.open(''), 'INVALID_ARGUMENT');
    await expectCode(() => LevelStore.open(42 as unknown as string), 'INVALID_ARGUMENT');
    const dir = await freshDir();
    await expectCode(() => LevelStore.open(dir, { onProgress: 'yes' as unknown as () => void }), 'INVALID_ARGUMENT');
    await expectCode(() => LevelStore.open(dir, { logger: {} as never }), 'INVALID_ARGUMENT');
    await expectCode(() => LevelStore.open(dir, null as never), 'INVALID_ARGUMENT');
    await expectCode(() => LevelStore.factory({ location: '' }), 'INVALID_ARGUMENT');
    const s = await openStore(dir);
    await expectCode(() => s.save(''), 'INVALID_ARGUMENT');
    await expectCode(() => s.load(undefined as unknown as string), 'INVALID_ARGUMENT');
  });

  it('finishes pending writes on close, then refuses work with NOT_READY', async () => {
    const dir = await freshDir();
    const s = await LevelStore.open(dir);
    const pending = s.add(batch(randomVectors(5, 2, 25), 2));
    await s.close();
    expect(Array.from(await pending)).toEqual([0, 1, 2, 3, 4]);
    await s.close();
    await expectCode(() => s.add(batch(randomVectors(1, 2, 26), 2)), 'NOT_READY');
    await expectCode(() => s.get([0]), 'NOT_READY');
    await expectCode(() => s.delete([0]), 'NOT_READY');
    await expectCode(() => s.reset(), 'NOT_READY');
    await expectCode(() => s.save(dir), 'NOT_READY');
    await expectCode(() => s.load(dir), 'NOT_READY');
    await expectCode(() => s.entries()[Symbol.asyncIterator]().next(), 'NOT_READY');
    const t = await openStore(dir);
    expect(t.size()).toBe(5);
  });

  it('ends an iteration cut short by close() with NOT_READY', async () => {
    const s = await LevelStore.open(await freshDir());
    await fill(s, 2500, 2, 28);
    const seen: number[] = [];
    await expectCode(async () => {
      for await (const r of s.entries()) {
        seen.push(r.id);
        if (seen.length === 1) await s.close();
      }
    }, 'NOT_READY');
    // The first chunk of 1,000 was read before the close; nothing after it.
    expect(seen.length).toBe(1000);
  });

  it('openTemporary gives a working store whose files close() removes', async () => {
    const s = await LevelStore.openTemporary();
    await fill(s, 3, 2, 27);
    expect(existsSync(s.location)).toBe(true);
    await s.close();
    expect(existsSync(s.location)).toBe(false);
  });

  it('logs through the injected logger', async () => {
    const messages: string[] = [];
    const s = await LevelStore.open(await freshDir(), { logger: { log: (_level, message) => messages.push(message) } });
    open.push(s);
    expect(messages).toEqual(['Opened level store']);
  });
});
