import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { batch, randomVectors } from '@simkit/core';
import { expectCode, withTempDir } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/crc32.js';
import { LinearSearch } from '../src/index.js';
import { plain } from './naive-scan.js';

const QUERIES = batch(randomVectors(4, 3, 8), 3);

/** An index of ids 0..9 over seeded random 3-d vectors, with ids 3 and 4 removed. */
async function sample(): Promise<LinearSearch> {
  const s = new LinearSearch({ distance: 'euclidean', dim: 3 });
  await s.add(
    Array.from({ length: 10 }, (_, i) => i),
    batch(randomVectors(10, 3, 7), 3),
  );
  await s.remove([3, 4]);
  return s;
}

async function editManifest(dir: string, edit: (m: Record<string, unknown>) => void): Promise<void> {
  const file = join(dir, 'linear-search.json');
  const m = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(m);
  await writeFile(file, JSON.stringify(m));
}

/** Replaces a binary file and updates its checksum, so only the content check can catch the change. */
async function replaceBinary(dir: string, name: 'vectors.f32' | 'ids.i32', bytes: Uint8Array): Promise<void> {
  await writeFile(join(dir, name), bytes);
  await editManifest(dir, (m) => {
    (m.crc32 as Record<string, number>)[name === 'vectors.f32' ? 'vectors' : 'ids'] = crc32(bytes);
  });
}

describe('LinearSearch save and load', () => {
  it('round-trips live vectors and ids in insertion order, as little-endian files', async () => {
    const s = await sample();
    const before = plain(await s.lookup(QUERIES, 5));
    await withTempDir(async (dir) => {
      await s.save(dir);
      const manifest = JSON.parse(await readFile(join(dir, 'linear-search.json'), 'utf8'));
      expect(manifest).toMatchObject({
        format: 'simkit-linear-search',
        version: 1,
        distance: 'euclidean',
        dim: 3,
        count: 8,
      });
      // 8 live vectors × 3 floats × 4 bytes = 96 bytes; 8 ids × 4 bytes = 32 bytes.
      const vectors = await readFile(join(dir, 'vectors.f32'));
      const ids = await readFile(join(dir, 'ids.i32'));
      expect(vectors.length).toBe(96);
      expect(ids.length).toBe(32);
      const idView = new DataView(ids.buffer, ids.byteOffset, ids.byteLength);
      expect(Array.from({ length: 8 }, (_, i) => idView.getInt32(i * 4, true))).toEqual([0, 1, 2, 5, 6, 7, 8, 9]);
      const vecView = new DataView(vectors.buffer, vectors.byteOffset, vectors.byteLength);
      const original = randomVectors(10, 3, 7);
      // Saved row 3 is id 5, i.e. original row 5.
      expect(vecView.getFloat32(3 * 12, true)).toBe(original[5 * 3]);

      const t = new LinearSearch({ distance: 'l2' });
      await t.load(dir);
      expect(t.size()).toBe(8);
      expect(t.dim).toBe(3);
      expect(plain(await t.lookup(QUERIES, 5))).toEqual(before);
    });
  });

  it('round-trips an empty index, with and without a dimension', async () => {
    await withTempDir(async (dir) => {
      await new LinearSearch({ distance: 'manhattan' }).save(dir);
      const t = new LinearSearch({ distance: 'manhattan', dim: 4 });
      await t.load(dir);
      expect(t.size()).toBe(0);
      expect(t.dim).toBe(4);
      await new LinearSearch({ distance: 'manhattan', dim: 6 }).save(dir);
      const u = new LinearSearch({ distance: 'manhattan' });
      await u.load(dir);
      expect(u.dim).toBe(6);
    });
  });

  it('overwrites an earlier save in the same directory', async () => {
    await withTempDir(async (dir) => {
      await (await sample()).save(dir);
      const small = new LinearSearch({ distance: 'euclidean', dim: 3 });
      await small.add([42], batch(Float32Array.from([1, 2, 3]), 3));
      await small.save(dir);
      const t = new LinearSearch({ distance: 'euclidean' });
      await t.load(dir);
      expect(t.size()).toBe(1);
      const [r] = await t.lookup(batch(Float32Array.from([1, 2, 3]), 3), 3);
      expect(Array.from(r!.ids)).toEqual([42]);
    });
  });

  const damages: Array<[string, (dir: string) => Promise<void>]> = [
    ['the manifest is missing', (dir) => rm(join(dir, 'linear-search.json'))],
    ['the manifest is not JSON', (dir) => writeFile(join(dir, 'linear-search.json'), '{ not json')],
    ['the manifest is foreign', (dir) => writeFile(join(dir, 'linear-search.json'), '{"format":"other"}')],
    ['the manifest lacks a count', (dir) => editManifest(dir, (m) => delete m.count)],
    ['the manifest has a fractional dim', (dir) => editManifest(dir, (m) => (m.dim = 2.5))],
    ['the vectors file is missing', (dir) => rm(join(dir, 'vectors.f32'))],
    ['the ids file is missing', (dir) => rm(join(dir, 'ids.i32'))],
    [
      'the vectors file is short',
      async (dir) => {
        const b = await readFile(join(dir, 'vectors.f32'));
        await writeFile(join(dir, 'vectors.f32'), b.subarray(0, b.length - 4));
      },
    ],
    [
      'the ids file is long',
      async (dir) => {
        const b = await readFile(join(dir, 'ids.i32'));
        await writeFile(join(dir, 'ids.i32'), Buffer.concat([b, Buffer.alloc(4)]));
      },
    ],
    [
      'a vector byte is flipped',
      async (dir) => {
        const b = await readFile(join(dir, 'vectors.f32'));
        b[5] = (b[5] as number) ^ 0x10;
        await writeFile(join(dir, 'vectors.f32'), b);
      },
    ],
    [
      'an id repeats',
      async (dir) => {
        // ids 0, 1, 2, 5, 6, 7, 8, 9 → 0, 0, 2, 5, 6, 7, 8, 9
        const ids = Int32Array.from([0, 0, 2, 5, 6, 7, 8, 9]);
        await replaceBinary(dir, 'ids.i32', new Uint8Array(ids.buffer));
      },
    ],
    [
      'an id is negative',
      async (dir) => {
        const ids = Int32Array.from([0, 1, 2, 5, 6, 7, 8, -9]);
        await replaceBinary(dir, 'ids.i32', new Uint8Array(ids.buffer));
      },
    ],
    [
      'a vector holds NaN',
      async (dir) => {
        const v = new Float32Array(24).fill(0.5);
        v[7] = Number.NaN;
        await replaceBinary(dir, 'vectors.f32', new Uint8Array(v.buffer));
      },
    ],
  ];

  for (const [what, damage] of damages) {
    it(`fails with CORRUPT_INDEX when ${what}, and keeps what the instance held`, async () => {
      await withTempDir(async (dir) => {
        await (await sample()).save(dir);
        await damage(dir);
        const t = new LinearSearch({ distance: 'euclidean' });
        await t.add([100, 101], batch(Float32Array.from([1, 1, 1, 2, 2, 2]), 3));
        await expectCode(() => t.load(dir), 'CORRUPT_INDEX');
        expect(t.size()).toBe(2);
        const [r] = await t.lookup(batch(Float32Array.from([1, 1, 1]), 3), 5);
        expect(Array.from(r!.ids)).toEqual([100, 101]);
      });
    });
  }

  it('fails with CORRUPT_INDEX for a directory that does not exist', async () => {
    await withTempDir(async (dir) => {
      await expectCode(() => new LinearSearch({ distance: 'euclidean' }).load(join(dir, 'nope')), 'CORRUPT_INDEX');
    });
  });

  it('fails with CORRUPT_INDEX when the saved distance differs', async () => {
    await withTempDir(async (dir) => {
      await (await sample()).save(dir);
      const e = await expectCode(() => new LinearSearch({ distance: 'cosine' }).load(dir), 'CORRUPT_INDEX');
      expect(e.message).toContain("'euclidean'");
      expect(e.message).toContain("'cosine'");
    });
  });

  it('accepts a manifest that names the distance by an alias', async () => {
    await withTempDir(async (dir) => {
      await (await sample()).save(dir);
      await editManifest(dir, (m) => (m.distance = 'L2'));
      const t = new LinearSearch({ distance: 'euclidean' });
      await t.load(dir);
      expect(t.size()).toBe(8);
    });
  });

  it('fails with CORRUPT_INDEX when the saved dimension differs from the configured one', async () => {
    await withTempDir(async (dir) => {
      await (await sample()).save(dir);
      const t = new LinearSearch({ distance: 'euclidean', dim: 4 });
      const e = await expectCode(() => t.load(dir), 'CORRUPT_INDEX');
      expect(e.message).toContain('dimension 3');
      expect(t.size()).toBe(0);
      expect(t.dim).toBe(4);
    });
  });

  it('fails with UNSUPPORTED for a newer format version', async () => {
    await withTempDir(async (dir) => {
      await (await sample()).save(dir);
      await editManifest(dir, (m) => (m.version = 2));
      await expectCode(() => new LinearSearch({ distance: 'euclidean' }).load(dir), 'UNSUPPORTED');
    });
  });

  it('rejects a path that is not a directory name, and a save path that is a file', async () => {
    const s = await sample();
    await expectCode(() => s.save(''), 'INVALID_ARGUMENT');
    await expectCode(() => s.load(42 as unknown as string), 'INVALID_ARGUMENT');
    await withTempDir(async (dir) => {
      const file = join(dir, 'a-file');
      await writeFile(file, 'x');
      await expectCode(() => s.save(file), 'INVALID_ARGUMENT');
    });
  });
});
