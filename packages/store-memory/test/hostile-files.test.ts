import { execFileSync } from 'node:child_process';
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type SimkitError, batch } from '@simkit/core';
import { withTempDir } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { MemoryStore, encodeNpy, npyHeader } from '../src/index.js';
import { generationDir, resave, resaveMeta, withinBounds } from './saves.js';

// Issue 11, points 5 and 6: files that once crashed, hung or exhausted the process must each
// give a typed error (or, where the save is valid, load) within 1 s and 100 MB of extra memory.

/** Three records of dim 2 with ids 0, 2, 3 (1 and 4 deleted); next id 5. */
async function sample(compression: 'none' | 'gzip' = 'none'): Promise<MemoryStore> {
  const s = new MemoryStore({ compression });
  await s.add(
    batch(Float32Array.from([0.5, -1, 2, 3, 4.25, 5, -6, 7e-8, 8, 9]), 2),
    [10, 11, null, -13, 14],
    [{ name: 'a' }, null, ['b', 2], 'x', null],
  );
  await s.delete([1, 4]);
  return s;
}

/** Loads `dir` into a store that holds one record, within bounds; expects `code` and the record kept. */
async function expectRefused(dir: string, code: SimkitError['code'], pattern?: RegExp): Promise<void> {
  const t = new MemoryStore();
  await t.add(batch(Float32Array.from([7, 7]), 2));
  const error = (await withinBounds(() => t.load(dir))) as SimkitError | undefined;
  expect(error?.name, String(error)).toBe('SimkitError');
  expect(error?.code).toBe(code);
  if (pattern) expect(error?.message).toMatch(pattern);
  expect(t.size()).toBe(1);
}

const MB = 1 << 20;
/** One gzip member of 1 MB of zeros: about 1 KB. Concatenated members inflate one after the other. */
const zerosMember = gzipSync(Buffer.alloc(MB), { level: 9 });
/** A gzip file that starts with `prefix` and then inflates to about `megabytes` MB of zeros. */
function gzipBomb(prefix: Uint8Array, megabytes: number): Buffer {
  return Buffer.concat([gzipSync(prefix), ...Array.from({ length: megabytes }, () => zerosMember)]);
}

describe('hostile store.json counts', () => {
  it('next_id 2147483647 loads without allocating for it; the ids are then used up', () =>
    withTempDir(async (dir) => {
      await (await sample()).save(dir);
      await resaveMeta(dir, (m) => (m.next_id = 2147483647));
      const t = new MemoryStore();
      expect(await withinBounds(() => t.load(dir))).toBeUndefined();
      expect(t.size()).toBe(3);
      const e = await t.add(batch(Float32Array.from([1, 1]), 2)).catch((x: SimkitError) => x);
      expect((e as SimkitError).code).toBe('UNSUPPORTED');
    }));

  it('next_id 1e8 loads without allocating for it and keeps counting from it', () =>
    withTempDir(async (dir) => {
      await (await sample()).save(dir);
      await resaveMeta(dir, (m) => (m.next_id = 1e8));
      const t = new MemoryStore();
      expect(await withinBounds(() => t.load(dir))).toBeUndefined();
      expect(Array.from(await t.add(batch(Float32Array.from([1, 1]), 2)))).toEqual([1e8]);
      expect((await t.get([1e8, 3])).map((r) => r.id)).toEqual([1e8, 3]);
    }));

  for (const compression of ['none', 'gzip'] as const) {
    it(`a size or dim the files cannot hold is refused before anything is allocated (${compression})`, () =>
      withTempDir(async (dir) => {
        await (await sample(compression)).save(dir);
        const edits: Array<Record<string, number>> = [
          { size: 1e8, next_id: 1e8 },
          { size: 2147483647, next_id: 2147483647 },
          { dim: 1e9 },
          { dim: 2147483647, size: 2147483647, next_id: 2147483647 },
          { data_bytes: 2 ** 52 },
        ];
        for (const edit of edits) {
          await resaveMeta(dir, (m) => Object.assign(m, edit));
          await expectRefused(dir, 'CORRUPT_INDEX', /bytes/);
          await (await sample(compression)).save(dir);
        }
      }));
  }

  it('a huge dim with no records loads without allocating for it', () =>
    withTempDir(async (dir) => {
      await new MemoryStore().save(dir);
      await resave(dir, { 'embeddings.npy': encodeNpy({ data: new Float32Array(0), shape: [0, 2147483647] }) });
      await resaveMeta(dir, (m) => (m.dim = 2147483647));
      const t = new MemoryStore();
      expect(await withinBounds(() => t.load(dir))).toBeUndefined();
      expect(t.dim).toBe(2147483647);
      const e = await t.add(batch(Float32Array.from([1, 1]), 2)).catch((x: SimkitError) => x);
      expect((e as SimkitError).code).toBe('DIMENSION_MISMATCH');
    }));
});

describe('gzip bombs', () => {
  it('embeddings.npy.gz that inflates to 1 MB, where store.json says 3 × 2 floats', () =>
    withTempDir(async (dir) => {
      await (await sample('gzip')).save(dir);
      await resave(dir, { 'embeddings.npy.gz': gzipBomb(npyHeader('float32', [3, 2]), 1) });
      await expectRefused(dir, 'CORRUPT_INDEX', /embeddings\.npy\.gz: it inflates to more than the 152 bytes/);
    }));

  it('embeddings.npy.gz of 1 MB that inflates to 1 GB stops at the 2 MB store.json gives it', () =>
    withTempDir(async (dir) => {
      // A real store of 2^18 records of dim 2, so 2 MB of embeddings is what the other files back up.
      const n = 1 << 18;
      const s = new MemoryStore({ compression: 'gzip' });
      await s.add(batch(new Float32Array(n * 2), 2));
      await s.save(dir);
      const bomb = gzipBomb(npyHeader('float32', [n, 2]), 1000);
      expect(bomb.length).toBeLessThan(1.1 * MB);
      await resave(dir, { 'embeddings.npy.gz': bomb });
      await expectRefused(dir, 'CORRUPT_INDEX', /embeddings\.npy\.gz: it inflates to more than the 2097280 bytes/);
    }));

  it('ids.npy.gz that inflates to 400 MB of zeros, where store.json claims 1e8 records', () =>
    withTempDir(async (dir) => {
      await (await sample('gzip')).save(dir);
      // Every file is big enough to inflate to what store.json claims, so only the content can tell.
      const n = 1e8;
      await resave(dir, {
        'ids.npy.gz': gzipBomb(npyHeader('int32', [n]), 381),
        'labels.npy.gz': gzipBomb(npyHeader('int32', [n]), 381),
        'label_mask.npy.gz': gzipBomb(npyHeader('bool', [n]), 96),
        'embeddings.npy.gz': gzipBomb(npyHeader('float32', [n, 2]), 760),
        'data.jsonl.gz': gzipBomb(Buffer.from('1\n'), 200),
      });
      await resaveMeta(dir, (m) => Object.assign(m, { size: n, next_id: n, data_bytes: 2 * n }));
      await expectRefused(dir, 'CORRUPT_INDEX', /ids\.npy\.gz: ids must increase .* entry 1 is 0 after 0/);
    }));

  it('data.jsonl.gz of newlines: past the size store.json gives it, or 1 GB of them', () =>
    withTempDir(async (dir) => {
      await (await sample('gzip')).save(dir);
      const newlines = (bytes: number) => gzipSync(Buffer.alloc(bytes, 0x0a), { level: 9 });
      await resave(dir, { 'data.jsonl.gz': newlines(256 * 1024) });
      await expectRefused(dir, 'CORRUPT_INDEX', /data\.jsonl\.gz: it inflates to more than the 25 bytes/);
      const member = newlines(MB);
      await resave(dir, { 'data.jsonl.gz': Buffer.concat(Array.from({ length: 1000 }, () => member)) });
      await resaveMeta(dir, (m) => (m.data_bytes = 1000 * MB));
      await expectRefused(dir, 'CORRUPT_INDEX', /data\.jsonl\.gz: it has more than the 3 lines/);
    }));
});

describe('FIFOs, devices and links in place of saved files', () => {
  const files = ['store.json', 'embeddings.npy', 'ids.npy', 'data.jsonl'];

  for (const name of files) {
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

  it('a symlink to an identical copy outside the save is refused too', () =>
    withTempDir(async (dir) => {
      await (await sample()).save(join(dir, 'store'));
      const file = join(await generationDir(join(dir, 'store')), 'embeddings.npy');
      await writeFile(join(dir, 'copy.npy'), await readFile(file));
      await rm(file);
      await symlink(join(dir, 'copy.npy'), file);
      await expectRefused(join(dir, 'store'), 'CORRUPT_INDEX', /symbolic link/);
    }));

  it('a gzipped save with a FIFO in place of embeddings.npy.gz is refused without blocking', () =>
    withTempDir(async (dir) => {
      await (await sample('gzip')).save(dir);
      const file = join(await generationDir(dir), 'embeddings.npy.gz');
      await rm(file);
      execFileSync('mkfifo', [file]);
      await expectRefused(dir, 'CORRUPT_INDEX', /not a regular file/);
    }));
});
