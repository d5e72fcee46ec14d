import { chmod, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { batch, randomVectors, writeSave } from '@simkit/core';
import { expectCode, withTempDir } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { LinearSearch } from '../src/index.js';
import { plain } from './naive-scan.js';
import { generationDir, manifestOf, resave, resaveManifest, withoutPrivileges } from './saves.js';

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

/** A file of the committed save in `dir`. */
const inGeneration = async (dir: string, name: string) => join(await generationDir(dir), name);

describe('LinearSearch save and load', () => {
  it('round-trips live vectors and ids in insertion order, as little-endian files in one generation', async () => {
    const s = await sample();
    const before = plain(await s.lookup(QUERIES, 5));
    await withTempDir(async (dir) => {
      await s.save(dir);
      const saved = await manifestOf(dir);
      expect(saved.kind).toBe('linear-search');
      expect((await readdir(dir)).sort()).toEqual([saved.generation, 'simkit-save.json'].sort());
      const gen = await generationDir(dir);
      expect((await readdir(gen)).sort()).toEqual(['ids.i32', 'linear-search.json', 'vectors.f32']);
      expect(saved.files.map((f) => [f.path, f.bytes]).filter(([p]) => p !== 'linear-search.json')).toEqual([
        ['ids.i32', 32],
        ['vectors.f32', 96],
      ]);
      const manifest = JSON.parse(await readFile(join(gen, 'linear-search.json'), 'utf8'));
      expect(manifest).toEqual({
        format: 'simkit-linear-search',
        version: 1,
        distance: 'euclidean',
        dim: 3,
        count: 8,
        byteOrder: 'little-endian',
      });
      // 8 live vectors × 3 floats × 4 bytes = 96 bytes; 8 ids × 4 bytes = 32 bytes.
      const vectors = await readFile(join(gen, 'vectors.f32'));
      const ids = await readFile(join(gen, 'ids.i32'));
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

  /** Rewrites a binary file through a consistent save, so only the content checks can catch the change. */
  const replaceBinary = (dir: string, name: 'vectors.f32' | 'ids.i32', values: Int32Array | Float32Array) =>
    resave(dir, { [name]: new Uint8Array(values.buffer) });
  const flipByte = (name: string, at: number) => async (dir: string) => {
    const file = await inGeneration(dir, name);
    const b = await readFile(file);
    b[at] = (b[at] as number) ^ 0x10;
    await writeFile(file, b);
  };

  const damages: Array<[string, (dir: string) => Promise<void>, RegExp]> = [
    ['the core manifest is missing', (dir) => rm(join(dir, 'simkit-save.json')), /no simkit-save\.json/],
    [
      'the generation directory is missing',
      async (dir) => rm(await generationDir(dir), { recursive: true }),
      /files directory gen-.* is missing/,
    ],
    [
      'the index manifest is missing',
      async (dir) => rm(await inGeneration(dir, 'linear-search.json')),
      /linear-search\.json is missing/,
    ],
    [
      'the index manifest is left out of the save',
      (dir) => resave(dir, { 'linear-search.json': null }),
      /linear-search\.json is not part of the save/,
    ],
    ['the index manifest is not JSON', (dir) => resave(dir, { 'linear-search.json': '{ not json' }), /not valid JSON/],
    [
      'the index manifest is huge',
      (dir) => resave(dir, { 'linear-search.json': ' '.repeat(70_000) }),
      /more than the 65536/,
    ],
    [
      'the index manifest is foreign',
      (dir) => resave(dir, { 'linear-search.json': '{"format":"other"}' }),
      /not a simkit linear search manifest/,
    ],
    [
      'the index manifest lacks a count',
      (dir) => resaveManifest(dir, (m) => delete m.count),
      /missing or invalid fields/,
    ],
    [
      'the index manifest has a fractional dim',
      (dir) => resaveManifest(dir, (m) => (m.dim = 2.5)),
      /missing or invalid fields/,
    ],
    [
      'the index manifest has a count the files cannot hold',
      (dir) => resaveManifest(dir, (m) => (m.count = 9)),
      /vectors\.f32 has 96 bytes, expected 108/,
    ],
    [
      'the index manifest has another byte order',
      (dir) => resaveManifest(dir, (m) => (m.byteOrder = 'big-endian')),
      /missing or invalid fields/,
    ],
    ['the index manifest has a flipped byte', flipByte('linear-search.json', 20), /linear-search\.json .*checksum/],
    [
      'the vectors file is missing',
      async (dir) => rm(await inGeneration(dir, 'vectors.f32')),
      /vectors\.f32 is missing/,
    ],
    ['the ids file is missing', async (dir) => rm(await inGeneration(dir, 'ids.i32')), /ids\.i32 is missing/],
    [
      'the vectors file is left out of the save',
      (dir) => resave(dir, { 'vectors.f32': null }),
      /vectors\.f32 is missing from the save/,
    ],
    [
      'the vectors file is short',
      async (dir) => {
        const file = await inGeneration(dir, 'vectors.f32');
        const b = await readFile(file);
        await writeFile(file, b.subarray(0, b.length - 4));
      },
      /vectors\.f32 has 92 bytes but 96 were saved/,
    ],
    [
      'the ids file is long',
      async (dir) => {
        const file = await inGeneration(dir, 'ids.i32');
        const b = await readFile(file);
        await writeFile(file, Buffer.concat([b, Buffer.alloc(4)]));
      },
      /ids\.i32 has 36 bytes but 32 were saved/,
    ],
    [
      'the ids file is long in a consistent save',
      (dir) => replaceBinary(dir, 'ids.i32', new Int32Array(9)),
      /ids\.i32 has 36 bytes, expected 32/,
    ],
    ['a vector byte is flipped', flipByte('vectors.f32', 5), /vectors\.f32 .*checksum/],
    ['an id byte is flipped', flipByte('ids.i32', 4), /ids\.i32 .*checksum/],
    [
      'an id repeats',
      (dir) => replaceBinary(dir, 'ids.i32', Int32Array.from([0, 0, 2, 5, 6, 7, 8, 9])),
      /id 0 appears twice/,
    ],
    [
      'an id is negative',
      (dir) => replaceBinary(dir, 'ids.i32', Int32Array.from([0, 1, 2, 5, 6, 7, 8, -9])),
      /invalid id -9/,
    ],
    [
      'a vector holds NaN',
      (dir) => {
        const v = new Float32Array(24).fill(0.5);
        v[7] = Number.NaN;
        return replaceBinary(dir, 'vectors.f32', v);
      },
      /non-finite value at row 2/,
    ],
    [
      'the ids file comes from another save of the same size',
      (dir) =>
        withTempDir(async (other) => {
          const s = await sample();
          await s.remove([9]);
          await s.add([10], batch(Float32Array.from([1, 2, 3]), 3));
          await s.save(other);
          await writeFile(await inGeneration(dir, 'ids.i32'), await readFile(await inGeneration(other, 'ids.i32')));
        }),
      /ids\.i32 .*checksum/,
    ],
  ];

  for (const [what, damage, pattern] of damages) {
    it(`fails with CORRUPT_INDEX when ${what}, and keeps what the instance held`, async () => {
      await withTempDir(async (dir) => {
        await (await sample()).save(dir);
        await damage(dir);
        const t = new LinearSearch({ distance: 'euclidean' });
        await t.add([100, 101], batch(Float32Array.from([1, 1, 1, 2, 2, 2]), 3));
        const e = await expectCode(() => t.load(dir), 'CORRUPT_INDEX');
        expect(e.message).toMatch(pattern);
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
      await resaveManifest(dir, (m) => (m.distance = 'L2'));
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
      await resaveManifest(dir, (m) => (m.version = 2));
      await expectCode(() => new LinearSearch({ distance: 'euclidean' }).load(dir), 'UNSUPPORTED');
    });
  });

  it('rejects a path that is not a directory name, a file, or a directory of other files, touching nothing', async () => {
    const s = await sample();
    await expectCode(() => s.save(''), 'INVALID_ARGUMENT');
    await expectCode(() => s.load(42 as unknown as string), 'INVALID_ARGUMENT');
    await withTempDir(async (dir) => {
      const file = join(dir, 'a-file');
      await writeFile(file, 'x');
      await expectCode(() => s.save(file), 'INVALID_ARGUMENT');
      await expectCode(() => s.save(dir), 'INVALID_ARGUMENT');
      expect(await readdir(dir)).toEqual(['a-file']);
    });
  });

  it('fails with CORRUPT_INDEX for a save of another kind', async () => {
    await withTempDir(async (dir) => {
      // The same files, committed as another kind of save.
      await writeSave(dir, 'memory-store', async (gen) => {
        await withTempDir(async (other) => {
          await (await sample()).save(other);
          const from = await generationDir(other);
          for (const name of await readdir(from)) await writeFile(join(gen, name), await readFile(join(from, name)));
        });
      });
      const e = await expectCode(() => new LinearSearch({ distance: 'euclidean' }).load(dir), 'CORRUPT_INDEX');
      expect(e.message).toContain("'memory-store'");
    });
  });

  it('fails with IO_ERROR when the OS refuses to create the directory (sysfs)', async () => {
    const e = await expectCode(async () => (await sample()).save('/sys/simkit-search-linear-test/index'), 'IO_ERROR');
    expect(['EPERM', 'EACCES', 'EROFS']).toContain((e.details as { errno?: string }).errno);
  });

  it('fails with IO_ERROR in a directory it may not write, and the previous save still loads', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'index');
      const s = await sample();
      await s.save(dir);
      await s.add([42], batch(Float32Array.from([1, 2, 3]), 3));
      await chmod(root, 0o755);
      await chmod(dir, 0o555);
      try {
        const e = await withoutPrivileges(() => expectCode(() => s.save(dir), 'IO_ERROR'));
        expect((e.details as { errno?: string }).errno).toBe('EACCES');
      } finally {
        await chmod(dir, 0o755);
      }
      const t = new LinearSearch({ distance: 'euclidean' });
      await t.load(dir);
      expect(t.size()).toBe(8);
    });
  });

  it('fails with IO_ERROR, not CORRUPT_INDEX, when a saved file may not be read', async () => {
    await withTempDir(async (dir) => {
      await (await sample()).save(dir);
      await chmod(dir, 0o755);
      for (const name of ['linear-search.json', 'vectors.f32', 'ids.i32']) {
        const file = await inGeneration(dir, name);
        await chmod(file, 0o000);
        try {
          const t = new LinearSearch({ distance: 'euclidean' });
          const e = await withoutPrivileges(() => expectCode(() => t.load(dir), 'IO_ERROR'));
          expect((e.details as { errno?: string }).errno).toBe('EACCES');
          expect(t.size()).toBe(0);
        } finally {
          await chmod(file, 0o644);
        }
      }
    });
  });

  it('runs overlapping saves of one directory one after the other, each complete', async () => {
    await withTempDir(async (dir) => {
      const s = await sample();
      const first = s.save(dir);
      await s.add([42], batch(Float32Array.from([1, 2, 3]), 3));
      const second = s.save(dir);
      await Promise.all([first, second]);
      const t = new LinearSearch({ distance: 'euclidean' });
      await t.load(dir);
      expect(t.size()).toBe(9);
      expect(await readdir(dir)).toHaveLength(2);
    });
  });
});
