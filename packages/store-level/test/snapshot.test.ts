import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { batch, openSave, randomVectors, SAVE_MANIFEST, writeSave } from '@simkit/core';
import { expectCode, expectOneGeneration, savedFiles } from '@simkit/core/testing';
import { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import { LevelStore } from '../src/index.js';
import { encodeKey, encodeRecords } from '../src/record-codec.js';
import { saveSnapshot } from '../src/saved-snapshot.js';
import { META_KEY } from '../src/store-meta.js';
import { all, freshDir, listing, plain } from './helpers.js';

const run = promisify(execFile);
const asUser = new URL('./fixtures/as-user.mjs', import.meta.url).pathname;

const open: LevelStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** An open store (closed after the test) holding `rows` records of dim 3 with labels and data. */
async function storeWith(rows: number, seed = 1): Promise<LevelStore> {
  const s = await LevelStore.open(await freshDir());
  open.push(s);
  const ids = Array.from({ length: rows }, (_, i) => i);
  await s.add(
    batch(randomVectors(rows, 3, seed), 3),
    ids.map((i) => (i % 3 === 0 ? null : i)),
    ids.map((i) => (i % 2 === 0 ? null : { i, tag: `r${i}` })),
  );
  return s;
}

async function emptyStore(): Promise<LevelStore> {
  const s = await LevelStore.open(await freshDir());
  open.push(s);
  return s;
}

/** Names of this process's temporary locations in the OS temp directory. */
async function ownTemporaries(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((n) => n.startsWith(`simkit-level-store-${process.pid}-`)).sort();
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const meta = (fields: Record<string, unknown>) =>
  utf8(JSON.stringify({ format: 'simkit-level-store', version: 1, ...fields }));

/** Two records of dim 2, encoded as the store writes them. */
function twoRecords(): Uint8Array[] {
  return encodeRecords(batch(Float32Array.from([1, 2, 3, 4]), 2), null, null).values;
}

/**
 * A snapshot whose files carry valid checksums but whose LevelDB holds `entries`:
 * what a buggy or hostile writer could produce. Tests the checks behind the checksums.
 */
async function craftedSnapshot(entries: Array<[Uint8Array, Uint8Array]>): Promise<string> {
  const dir = join(await freshDir(), 'crafted');
  await saveSnapshot(dir, async (location) => {
    const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.batch(entries.map(([key, value]) => ({ type: 'put' as const, key, value })));
    await db.close();
  });
  return dir;
}

describe('LevelStore snapshots on disk', () => {
  it('are one atomic save: a manifest and one generation holding only the LevelDB data files', async () => {
    const s = await storeWith(50);
    const dir = join(await freshDir(), 'snap');
    await s.save(dir);
    await s.add(batch(randomVectors(5, 3, 2), 3));
    await s.save(dir);
    await expectOneGeneration(dir);
    const files = await savedFiles(dir);
    expect(files).toContain(SAVE_MANIFEST);
    const inGeneration = files.filter((f) => f !== SAVE_MANIFEST).map((f) => f.replace(/^gen-[^/]+\//, ''));
    expect(inGeneration).toContain('db/CURRENT');
    // The lock file and the info log hold no data and change on every open: left out.
    for (const f of inGeneration) expect(f).toMatch(/^db\/(CURRENT|MANIFEST-\d+|\d+\.(log|ldb))$/);
    const saved = await openSave(dir, 'level-store');
    await saved.verifyAll();
    expect([...saved.files.keys()].sort()).toEqual(inGeneration.sort());
  });

  it('load reads the saved files without changing them, and removes its private copy', async () => {
    const s = await storeWith(50);
    const dir = join(await freshDir(), 'snap');
    await s.save(dir);
    const before = await listing(dir);
    const temporaries = await ownTemporaries();
    const t = await emptyStore();
    await t.load(dir);
    await t.load(dir);
    expect(plain(await all(t))).toEqual(plain(await all(s)));
    // LevelDB rewrites what it opens (log → table, a new MANIFEST): only the copy was opened.
    expect(await listing(dir)).toEqual(before);
    expect(await ownTemporaries()).toEqual(temporaries);
  });

  it('loads from a read-only location and writes nothing there', async () => {
    const s = await storeWith(50);
    const root = await freshDir();
    const dir = join(root, 'snap');
    await s.save(dir);
    await run('chmod', ['-R', 'a-w', dir]);
    try {
      const before = await listing(dir);
      const t = await emptyStore();
      await t.load(dir);
      expect(plain(await all(t))).toEqual(plain(await all(s)));
      // Tests may run as root, whom permissions do not stop: compare every file instead.
      expect(await listing(dir)).toEqual(before);
      // An unprivileged process (permissions apply) loads it too.
      await chmod(root, 0o755);
      const { stdout } = await run(process.execPath, [asUser, 'load', dir], unprivileged());
      const result = JSON.parse(stdout);
      expect(result.ok).toBe(true);
      expect(result.records).toEqual(plain(await all(s)));
      expect(await listing(dir)).toEqual(before);
    } finally {
      await run('chmod', ['-R', 'u+w', dir]);
    }
  });

  it('nests inside another save, as Indexer.save uses it', async () => {
    const s = await storeWith(20);
    const outer = join(await freshDir(), 'index');
    await writeSave(outer, 'test-index', async (gen) => {
      await s.save(join(gen, 'store'));
    });
    const saved = await openSave(outer, 'test-index');
    await saved.verifyAll();
    expect([...saved.files.keys()]).toEqual([`store/${SAVE_MANIFEST}`]);
    const t = await emptyStore();
    await t.load(saved.path('store'));
    expect(plain(await all(t))).toEqual(plain(await all(s)));
  });

  it('is not a store location: open refuses it and points to load', async () => {
    const s = await storeWith(3);
    const dir = join(await freshDir(), 'snap');
    await s.save(dir);
    const before = await listing(dir);
    const e = await expectCode(() => LevelStore.open(dir), 'CORRUPT_INDEX');
    expect(e.message).toContain('load(dir)');
    expect(await listing(dir)).toEqual(before);
  });

  it('refuses a save of another kind', async () => {
    const dir = join(await freshDir(), 'other');
    await writeSave(dir, 'memory-store', async () => {});
    const t = await emptyStore();
    await expectCode(() => t.load(dir), 'CORRUPT_INDEX');
  });
});

describe('LevelStore.load checks every record behind the checksums', () => {
  const [r0, r1] = twoRecords() as [Uint8Array, Uint8Array];
  const k0 = encodeKey(0);
  const k1 = encodeKey(1);
  const cases: Array<[string, Array<[Uint8Array, Uint8Array]>, string]> = [
    ['no meta record (an unfinished snapshot)', [[k0, r0]], 'CORRUPT_INDEX'],
    [
      'fewer records than its meta record says',
      [
        [k0, r0],
        [META_KEY, meta({ dim: 2, nextId: 2, size: 2 })],
      ],
      'CORRUPT_INDEX',
    ],
    [
      'more records than its meta record says',
      [
        [k0, r0],
        [k1, r1],
        [META_KEY, meta({ dim: 2, nextId: 2, size: 1 })],
      ],
      'CORRUPT_INDEX',
    ],
    [
      'a record id not below the next id',
      [
        [k0, r0],
        [k1, r1],
        [META_KEY, meta({ dim: 2, nextId: 1, size: 1 })],
      ],
      'CORRUPT_INDEX',
    ],
    [
      'a record of another dimension',
      [
        [k0, r0],
        [META_KEY, meta({ dim: 3, nextId: 1, size: 1 })],
      ],
      'CORRUPT_INDEX',
    ],
    [
      'a record with unknown flags',
      [
        [k0, Uint8Array.of(0x80, ...r0.subarray(1))],
        [META_KEY, meta({ dim: 2, nextId: 1, size: 1 })],
      ],
      'CORRUPT_INDEX',
    ],
    [
      'a record whose data is not JSON',
      [
        [k0, Uint8Array.of(2, 0, 0, 0, 0, 1, 0, 0, 0, 0x7b, 0, 0, 0x80, 0x3f)],
        [META_KEY, meta({ dim: 1, nextId: 1, size: 1 })],
      ],
      'CORRUPT_INDEX',
    ],
    [
      'a key that is not a record',
      [
        [k0, r0],
        [Uint8Array.of(0x90), r1],
        [META_KEY, meta({ dim: 2, nextId: 1, size: 1 })],
      ],
      'CORRUPT_INDEX',
    ],
    [
      'a short key among the records',
      [
        [Uint8Array.of(0, 1), r0],
        [META_KEY, meta({ dim: 2, nextId: 1, size: 1 })],
      ],
      'CORRUPT_INDEX',
    ],
    ['a meta record that is not JSON', [[META_KEY, utf8('{"format":')]], 'CORRUPT_INDEX'],
    [
      'a meta record of a newer format',
      [[META_KEY, meta({ version: 2, dim: null, nextId: 0, size: 0 })]],
      'UNSUPPORTED',
    ],
  ];
  for (const [what, entries, code] of cases) {
    it(`fails with ${code} on ${what}, leaving the store unchanged`, async () => {
      const dir = await craftedSnapshot(entries);
      const t = await storeWith(4, 9);
      const before = plain(await all(t));
      await expectCode(() => t.load(dir), code as 'CORRUPT_INDEX');
      expect(plain(await all(t))).toEqual(before);
      expect(t.dim).toBe(3);
      expect(Array.from(await t.add(batch(randomVectors(1, 3, 3), 3)))).toEqual([4]);
    });
  }

  it('fails with CORRUPT_INDEX on LevelDB files that LevelDB cannot open, leaving the store unchanged', async () => {
    const dir = join(await freshDir(), 'garbage');
    await saveSnapshot(dir, async (location) => {
      await mkdir(location);
      await writeFile(join(location, 'CURRENT'), 'MANIFEST-000009\n');
      await writeFile(
        join(location, 'MANIFEST-000009'),
        Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff),
      );
    });
    const t = await storeWith(4, 9);
    const before = plain(await all(t));
    await expectCode(() => t.load(dir), 'CORRUPT_INDEX');
    expect(plain(await all(t))).toEqual(before);
  });

  it('loads a crafted snapshot that is consistent', async () => {
    const dir = await craftedSnapshot([
      [k1, r1],
      [META_KEY, meta({ dim: 2, nextId: 7, size: 1 })],
    ]);
    const t = await emptyStore();
    await t.load(dir);
    expect(plain(await all(t))).toEqual([{ id: 1, embedding: [3, 4], label: null, data: null }]);
    expect(Array.from(await t.add(batch(Float32Array.from([0, 0]), 2)))).toEqual([7]);
    // The crafted files really were read: not an empty snapshot.
    expect((await readFile(join(dir, SAVE_MANIFEST), 'utf8')).includes('db/CURRENT')).toBe(true);
  });
});

/** Options that start a child process as an unprivileged user when this one is root. */
function unprivileged(): { uid?: number; gid?: number } {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
}
