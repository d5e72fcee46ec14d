import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { batch } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { Level } from 'level';
import { describe, expect, it } from 'vitest';
import { LevelStore } from '../src/index.js';
import { META_KEY } from '../src/store-meta.js';
import { freshDir, listing } from './helpers.js';

type RawDb = Level<Uint8Array, Uint8Array>;
const raw = (location: string): RawDb => new Level(location, { keyEncoding: 'view', valueEncoding: 'view' });
const utf8 = (text: string) => new TextEncoder().encode(text);

/** A closed store at a fresh location holding two records of dim 2. */
async function storeWithTwoRecords(): Promise<string> {
  const dir = await freshDir();
  const s = await LevelStore.open(dir);
  await s.add(batch(Float32Array.from([1, 2, 3, 4]), 2), [1, 2]);
  await s.close();
  return dir;
}

describe('LevelStore.open on locations that are not simkit stores', () => {
  it('fails with CORRUPT_INDEX on a foreign LevelDB and leaves its files exactly as they were', async () => {
    const dir = await freshDir();
    const db = new Level(dir);
    await db.put('hello', 'world');
    await db.close();
    const before = await listing(dir);
    await expectCode(() => LevelStore.open(dir), 'CORRUPT_INDEX');
    await expectCode(() => LevelStore.open(dir), 'CORRUPT_INDEX');
    // Opening a LevelDB rewrites it (log → table, a new MANIFEST, LOG → LOG.old): it was never opened.
    expect(await listing(dir)).toEqual(before);
    const again = new Level(dir);
    expect(await again.keys().all()).toEqual(['hello']);
    await again.close();
  });

  it('refuses a foreign LevelDB that held data even when it is empty now, untouched', async () => {
    const dir = await freshDir();
    const db = new Level(dir);
    await db.put('hello', 'world');
    await db.del('hello');
    await db.close();
    const before = await listing(dir);
    await expectCode(() => LevelStore.open(dir), 'CORRUPT_INDEX');
    expect(await listing(dir)).toEqual(before);
  });

  it('refuses a foreign LevelDB whose data is in tables, untouched', async () => {
    const dir = await freshDir();
    const db = new Level<string, string>(dir);
    await db.batch(
      Array.from({ length: 2000 }, (_, i) => ({ type: 'put' as const, key: `k${i}`, value: 'v'.repeat(4000) })),
    );
    // classic-level (Node) moves everything into tables.
    await (db as unknown as { compactRange(start: string, end: string): Promise<void> }).compactRange('k', 'l');
    await db.close();
    expect((await readdir(dir)).some((n) => n.endsWith('.ldb'))).toBe(true);
    const before = await listing(dir);
    await expectCode(() => LevelStore.open(dir), 'CORRUPT_INDEX');
    expect(await listing(dir)).toEqual(before);
  });

  it('fails with CORRUPT_INDEX on a directory of other files and creates nothing in it', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'notes.txt'), 'not a database');
    await writeFile(join(dir, 'blob.bin'), Uint8Array.of(0xde, 0xad, 0xbe, 0xef));
    await expectCode(() => LevelStore.open(dir), 'CORRUPT_INDEX');
    expect((await readdir(dir)).sort()).toEqual(['blob.bin', 'notes.txt']);
  });

  it('fails with CORRUPT_INDEX on a plain file', async () => {
    const file = join(await freshDir(), 'store');
    await writeFile(file, 'x');
    await expectCode(() => LevelStore.open(file), 'CORRUPT_INDEX');
  });

  it('fails with CORRUPT_INDEX on LevelDB files full of garbage, untouched', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'CURRENT'), 'MANIFEST-000009\n');
    await writeFile(
      join(dir, 'MANIFEST-000009'),
      Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff),
    );
    await writeFile(
      join(dir, '000010.log'),
      Uint8Array.from({ length: 300 }, (_, i) => (i * 11) & 0xff),
    );
    const before = await listing(dir);
    await expectCode(() => LevelStore.open(dir), 'CORRUPT_INDEX');
    expect(await listing(dir)).toEqual(before);
  });

  it('fails with CORRUPT_INDEX on a store whose LevelDB files were removed', async () => {
    const dir = await storeWithTwoRecords();
    for (const name of await readdir(dir)) if (name !== 'SIMKIT-LEVEL-STORE') await rm(join(dir, name));
    await expectCode(() => LevelStore.open(dir), 'CORRUPT_INDEX');
    expect(await readdir(dir)).toEqual(['SIMKIT-LEVEL-STORE']);
  });

  it('opens an existing but empty LevelDB as a new store', async () => {
    const dir = await freshDir();
    const db = raw(dir);
    await db.open();
    await db.close();
    const s = await LevelStore.open(dir);
    expect(s.size()).toBe(0);
    await s.add(batch(Float32Array.from([1, 2]), 2));
    await s.close();
    // Adopted: from now on it is a store.
    expect(await readdir(dir)).toContain('SIMKIT-LEVEL-STORE');
    const t = await LevelStore.open(dir);
    expect(t.size()).toBe(1);
    await t.close();
  });
});

describe('LevelStore on a damaged store', () => {
  it('fails with CORRUPT_INDEX when the meta record is not readable', async () => {
    const dir = await storeWithTwoRecords();
    const db = raw(dir);
    await db.put(META_KEY, utf8('{"format":"simkit-level-store",'));
    await db.close();
    await expectCode(() => LevelStore.open(dir), 'CORRUPT_INDEX');
  });

  it('fails with CORRUPT_INDEX when the meta record contradicts itself', async () => {
    const dir = await storeWithTwoRecords();
    const db = raw(dir);
    // size 5 > next id 2: more live records than ids ever given
    await db.put(META_KEY, utf8('{"format":"simkit-level-store","version":1,"dim":2,"nextId":2,"size":5}'));
    await db.close();
    await expectCode(() => LevelStore.open(dir), 'CORRUPT_INDEX');
  });

  it('fails with UNSUPPORTED on a newer format version', async () => {
    const dir = await storeWithTwoRecords();
    const db = raw(dir);
    await db.put(META_KEY, utf8('{"format":"simkit-level-store","version":2,"dim":2,"nextId":2,"size":2}'));
    await db.close();
    await expectCode(() => LevelStore.open(dir), 'UNSUPPORTED');
  });

  it('fails with CORRUPT_INDEX when reading a damaged record', async () => {
    const dir = await storeWithTwoRecords();
    const db = raw(dir);
    await db.put(Uint8Array.of(0, 0, 0, 1), Uint8Array.of(1, 2, 3));
    await db.close();
    const s = await LevelStore.open(dir);
    try {
      expect((await s.get([0]))[0]?.label).toBe(1);
      await expectCode(() => s.get([1]), 'CORRUPT_INDEX');
      await expectCode(async () => {
        for await (const _ of s.entries()) {
          // reading is the test
        }
      }, 'CORRUPT_INDEX');
    } finally {
      await s.close();
    }
  });
});
