import { execFileSync } from 'node:child_process';
import { rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type SimkitError, batch, randomVectors } from '@simkit/core';
import { withTempDir } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { LinearSearch } from '../src/index.js';
import { generationDir, resaveManifest, withinBounds } from './saves.js';

// Issue 11, points 5 and 6: files that once crashed, hung or exhausted the process must each
// give a typed error (or, where the save is valid, load) within 1 s and 100 MB of extra memory.

/** An index of ids 0..7 over seeded random 3-d vectors. */
async function sample(): Promise<LinearSearch> {
  const s = new LinearSearch({ distance: 'euclidean', dim: 3 });
  await s.add(
    Array.from({ length: 8 }, (_, i) => i),
    batch(randomVectors(8, 3, 5), 3),
  );
  return s;
}

/** Loads `dir` into an index that holds one vector, within bounds; expects `code` and the vector kept. */
async function expectRefused(dir: string, code: SimkitError['code'], pattern?: RegExp): Promise<void> {
  const t = new LinearSearch({ distance: 'euclidean' });
  await t.add([99], batch(Float32Array.from([1, 2, 3]), 3));
  const error = (await withinBounds(() => t.load(dir))) as SimkitError | undefined;
  expect(error?.name, String(error)).toBe('SimkitError');
  expect(error?.code).toBe(code);
  if (pattern) expect(error?.message).toMatch(pattern);
  expect(t.size()).toBe(1);
}

describe('hostile linear-search.json counts', () => {
  const edits: Array<Record<string, number>> = [
    { count: 1e8 },
    { count: 2147483647 },
    { dim: 1e9 },
    { dim: 2147483647, count: 2147483647 },
    { dim: 2 ** 53 - 1 },
  ];
  for (const edit of edits) {
    it(`${JSON.stringify(edit)} is refused before anything is allocated`, () =>
      withTempDir(async (dir) => {
        await (await sample()).save(dir);
        await resaveManifest(dir, (m) => Object.assign(m, edit));
        await expectRefused(dir, 'CORRUPT_INDEX', /vectors\.f32 has 96 bytes, expected/);
      }));
  }

  it('a count beyond int32 or a dim beyond safe integers is not a valid manifest', () =>
    withTempDir(async (dir) => {
      for (const edit of [{ count: 2 ** 31 }, { dim: 2 ** 53 }, { count: 1e300 }]) {
        await (await sample()).save(dir);
        await resaveManifest(dir, (m) => Object.assign(m, edit));
        await expectRefused(dir, 'CORRUPT_INDEX', /missing or invalid fields/);
      }
    }));

  it('a huge dim with no vectors loads without allocating for it', () =>
    withTempDir(async (dir) => {
      await new LinearSearch({ distance: 'euclidean' }).save(dir);
      await resaveManifest(dir, (m) => (m.dim = 2147483647));
      const t = new LinearSearch({ distance: 'euclidean' });
      expect(await withinBounds(() => t.load(dir))).toBeUndefined();
      expect(t.dim).toBe(2147483647);
      const e = await t.add([1], batch(Float32Array.from([1, 2, 3]), 3)).catch((x: SimkitError) => x);
      expect((e as SimkitError).code).toBe('DIMENSION_MISMATCH');
    }));
});

describe('FIFOs, devices and links in place of saved files', () => {
  for (const name of ['linear-search.json', 'vectors.f32', 'ids.i32']) {
    it(`a FIFO in place of ${name} is refused without blocking`, () =>
      withTempDir(async (dir) => {
        await (await sample()).save(dir);
        const file = join(await generationDir(dir), name);
        await rm(file);
        execFileSync('mkfifo', [file]);
        await expectRefused(dir, 'CORRUPT_INDEX', /not a regular file/);
      }));

    it(`a symlink to /dev/zero in place of ${name} is refused without reading it`, () =>
      withTempDir(async (dir) => {
        await (await sample()).save(dir);
        const file = join(await generationDir(dir), name);
        await rm(file);
        await symlink('/dev/zero', file);
        await expectRefused(dir, 'CORRUPT_INDEX', /symbolic link/);
      }));
  }

  it('a symlinked generation directory is refused', () =>
    withTempDir(async (root) => {
      const dir = join(root, 'index');
      await (await sample()).save(dir);
      await (await sample()).save(join(root, 'elsewhere'));
      const gen = await generationDir(dir);
      await rm(gen, { recursive: true });
      await symlink(await generationDir(join(root, 'elsewhere')), gen);
      await expectRefused(dir, 'CORRUPT_INDEX', /not a plain directory/);
    }));
});
