import { chmod, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type StoreRecord, batch, writeSave } from '@simkit/core';
import { expectCode, withTempDir } from '@simkit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore, decodeNpy, encodeNpy } from '../src/index.js';
import { runPython } from './python.js';
import { generationDir, manifestOf, readSavedJson, resave, resaveMeta, withoutPrivileges } from './saves.js';

async function all(store: MemoryStore): Promise<StoreRecord[]> {
  const out: StoreRecord[] = [];
  for await (const r of store.entries()) out.push(r);
  return out;
}

function plain(records: StoreRecord[]) {
  return records.map((r) => ({ id: r.id, embedding: Array.from(r.embedding), label: r.label, data: r.data }));
}

/** Five records of dim 2 with ids 1 and 4 deleted: live ids 0, 2, 3; next id 5. */
async function sample(compression: 'none' | 'gzip' = 'none'): Promise<MemoryStore> {
  const s = new MemoryStore({ compression });
  await s.add(
    batch(Float32Array.from([0.5, -1, 2, 3, 4.25, 5, -6, 7e-8, 8, 9]), 2),
    [10, 11, null, -13, 14],
    [{ name: 'a' }, null, ['b', 2], 'é\nline', null],
  );
  await s.delete([1, 4]);
  return s;
}

describe('MemoryStore save/load', () => {
  it('writes the documented files into one generation named by simkit-save.json', () =>
    withTempDir(async (dir) => {
      await (await sample()).save(dir);
      const manifest = await manifestOf(dir);
      expect(manifest.kind).toBe('memory-store');
      expect((await readdir(dir)).sort()).toEqual([manifest.generation, 'simkit-save.json'].sort());
      const gen = await generationDir(dir);
      const names = ['data.jsonl', 'embeddings.npy', 'ids.npy', 'label_mask.npy', 'labels.npy', 'store.json'];
      expect((await readdir(gen)).sort()).toEqual(names);
      expect(manifest.files.map((f) => f.path).sort()).toEqual(names);
      const meta = await readSavedJson(dir, 'store.json');
      expect(meta).toEqual({
        format: 'simkit-memory-store',
        format_version: 1,
        dim: 2,
        size: 3,
        next_id: 5,
        compression: 'none',
        data_bytes: 32,
      });
      // Live ids 0, 2, 3 in id order; record 2 has no label (stored as 0, mask false).
      const ids = decodeNpy(await readFile(join(gen, 'ids.npy')));
      expect(ids).toEqual({ dtype: 'int32', shape: [3], data: Int32Array.from([0, 2, 3]) });
      expect(decodeNpy(await readFile(join(gen, 'labels.npy'))).data).toEqual(Int32Array.from([10, 0, -13]));
      expect(decodeNpy(await readFile(join(gen, 'label_mask.npy')))).toEqual({
        dtype: 'bool',
        shape: [3],
        data: Uint8Array.from([1, 0, 1]),
      });
      const emb = decodeNpy(await readFile(join(gen, 'embeddings.npy')));
      expect(emb.shape).toEqual([3, 2]);
      expect(emb.data).toEqual(Float32Array.from([0.5, -1, 4.25, 5, -6, 7e-8]));
      // The newline inside the string is escaped, so each record stays on one line.
      expect(await readFile(join(gen, 'data.jsonl'), 'utf8')).toBe('{"name":"a"}\n["b",2]\n"é\\nline"\n');
    }));

  it('gzips every data file with compression gzip, and a later save leaves only its own files', () =>
    withTempDir(async (dir) => {
      await (await sample('none')).save(dir);
      const zipped = await sample('gzip');
      await zipped.save(dir);
      const gen = await generationDir(dir);
      expect((await readdir(dir)).sort()).toEqual([basename(gen), 'simkit-save.json'].sort());
      expect((await readdir(gen)).sort()).toEqual([
        'data.jsonl.gz',
        'embeddings.npy.gz',
        'ids.npy.gz',
        'label_mask.npy.gz',
        'labels.npy.gz',
        'store.json',
      ]);
      expect((await readSavedJson(dir, 'store.json')).compression).toBe('gzip');
      const ids = decodeNpy(gunzipSync(await readFile(join(gen, 'ids.npy.gz'))));
      expect(Array.from(ids.data as Int32Array)).toEqual([0, 2, 3]);
      // A store configured without compression still loads a gzipped save.
      const t = new MemoryStore();
      await t.load(dir);
      expect(plain(await all(t))).toEqual(plain(await all(zipped)));
      await t.save(dir);
      expect((await readdir(await generationDir(dir))).filter((f) => f.endsWith('.gz'))).toEqual([]);
      expect(await readdir(dir)).toHaveLength(2);
    }));

  it('restores records, dimension and the next id even when the last ids were deleted', () =>
    withTempDir(async (dir) => {
      const s = await sample();
      await s.save(dir);
      const t = new MemoryStore({ initialCapacity: 1 });
      await t.load(dir);
      expect(t.size()).toBe(3);
      expect(t.dim).toBe(2);
      expect(plain(await all(t))).toEqual(plain(await all(s)));
      await expectCode(() => t.get([4]), 'NOT_FOUND');
      await expectCode(() => t.get([1]), 'NOT_FOUND');
      // Ids 0..4 were used, so the next one is 5 although 4 was deleted.
      expect(Array.from(await t.add(batch(Float32Array.from([1, 1]), 2)))).toEqual([5]);
      expect((await t.get([3, 5, 0])).map((r) => r.id)).toEqual([3, 5, 0]);
      await t.delete([2]);
      expect((await all(t)).map((r) => r.id)).toEqual([0, 3, 5]);
    }));

  it('saves and loads an empty store', () =>
    withTempDir(async (dir) => {
      await new MemoryStore().save(dir);
      expect(await readSavedJson(dir, 'store.json')).toMatchObject({ dim: null, size: 0, next_id: 0, data_bytes: 0 });
      const t = new MemoryStore();
      await t.add(batch(Float32Array.from([1, 2, 3]), 3));
      await t.load(dir);
      expect(t.size()).toBe(0);
      expect(t.dim).toBeUndefined();
      expect(Array.from(await t.add(batch(Float32Array.from([1, 2]), 2)))).toEqual([0]);
    }));

  it('accepts new records after loading a save whose records were all deleted', () =>
    withTempDir(async (dir) => {
      const s = new MemoryStore();
      await s.add(batch(Float32Array.from([1, 2, 3, 4]), 2));
      await s.delete([0, 1]);
      await s.save(dir);
      expect(await readSavedJson(dir, 'store.json')).toMatchObject({ dim: 2, size: 0, next_id: 2 });
      // The same without a dimension, as another writer might leave it: ids 0..4 used, none live.
      await resaveMeta(dir, (m) => {
        m.dim = null;
        m.next_id = 5;
      });
      await resave(dir, { 'embeddings.npy': encodeNpy({ data: new Float32Array(0), shape: [0, 0] }) });
      const t = new MemoryStore({ initialCapacity: 64 });
      await t.load(dir);
      expect(t.dim).toBeUndefined();
      expect(Array.from(await t.add(batch(Float32Array.from([1, 2, 3]), 3)))).toEqual([5]);
      expect(plain(await all(t))).toEqual([{ id: 5, embedding: [1, 2, 3], label: null, data: null }]);
    }));

  it('keeps memory by the records held, not by the next id, and keeps counting from it', () =>
    withTempDir(async (dir) => {
      await (await sample()).save(dir);
      await resaveMeta(dir, (m) => (m.next_id = 100_000_000));
      const t = new MemoryStore();
      await t.load(dir);
      expect(t.size()).toBe(3);
      expect(Array.from(await t.add(batch(Float32Array.from([1, 1, 2, 2]), 2), [1, 2]))).toEqual([
        100_000_000, 100_000_001,
      ]);
      await t.delete([100_000_000, 2]);
      expect((await all(t)).map((r) => r.id)).toEqual([0, 3, 100_000_001]);
      await expectCode(() => t.get([100_000_000]), 'NOT_FOUND');
      await expectCode(() => t.get([99_999_999]), 'NOT_FOUND');
      await t.save(dir);
      const u = new MemoryStore();
      await u.load(dir);
      expect(plain(await all(u))).toEqual(plain(await all(t)));
      expect(Array.from(await u.add(batch(Float32Array.from([0, 0]), 2)))).toEqual([100_000_002]);
    }));

  it('saves what the store held when save() was called', () =>
    withTempDir(async (dir) => {
      const s = await sample();
      const saving = s.save(dir);
      await s.add(batch(Float32Array.from([1, 1]), 2));
      await saving;
      const t = new MemoryStore();
      await t.load(dir);
      expect(t.size()).toBe(3);
    }));

  it('runs overlapping saves of one directory one after the other, each complete', () =>
    withTempDir(async (dir) => {
      const s = await sample();
      const first = s.save(dir);
      await s.add(batch(Float32Array.from([1, 1]), 2));
      const second = s.save(dir);
      await Promise.all([first, second]);
      const t = new MemoryStore();
      await t.load(dir);
      expect(t.size()).toBe(4);
      expect(await readdir(dir)).toHaveLength(2);
    }));

  it('fails with INVALID_ARGUMENT when the path is a file or a directory of other files, touching nothing', () =>
    withTempDir(async (dir) => {
      await writeFile(join(dir, 'file'), 'x');
      await expectCode(async () => (await sample()).save(join(dir, 'file')), 'INVALID_ARGUMENT');
      await expectCode(async () => (await sample()).save(dir), 'INVALID_ARGUMENT');
      expect(await readdir(dir)).toEqual(['file']);
      expect(await readFile(join(dir, 'file'), 'utf8')).toBe('x');
    }));

  it('fails with IO_ERROR when the OS refuses to create the directory (sysfs)', async () => {
    const e = await expectCode(async () => (await sample()).save('/sys/simkit-store-memory-test/store'), 'IO_ERROR');
    expect(['EPERM', 'EACCES', 'EROFS']).toContain((e.details as { errno?: string }).errno);
  });

  it('fails with IO_ERROR in a directory it may not write, and the previous save still loads', () =>
    withTempDir(async (root) => {
      const dir = join(root, 'store');
      const s = await sample();
      await s.save(dir);
      await s.add(batch(Float32Array.from([1, 1]), 2));
      await chmod(root, 0o755);
      await chmod(dir, 0o555);
      try {
        const e = await withoutPrivileges(() => expectCode(() => s.save(dir), 'IO_ERROR'));
        expect((e.details as { errno?: string }).errno).toBe('EACCES');
        expect(e.message).toMatch(/permission denied/);
      } finally {
        await chmod(dir, 0o755);
      }
      const t = new MemoryStore();
      await t.load(dir);
      expect(t.size()).toBe(3);
    }));

  it('fails with IO_ERROR, not CORRUPT_INDEX, when a saved file may not be read', () =>
    withTempDir(async (dir) => {
      await (await sample()).save(dir);
      await chmod(dir, 0o755);
      for (const name of ['store.json', 'embeddings.npy']) {
        const file = join(await generationDir(dir), name);
        await chmod(file, 0o000);
        try {
          const t = new MemoryStore();
          const e = await withoutPrivileges(() => expectCode(() => t.load(dir), 'IO_ERROR'));
          expect((e.details as { errno?: string }).errno).toBe('EACCES');
          expect(t.size()).toBe(0);
        } finally {
          await chmod(file, 0o644);
        }
      }
    }));

  describe('damaged saves fail with CORRUPT_INDEX and leave the store as it was', () => {
    /** Saves the sample, applies `damage`, and checks that loading fails without touching a loaded store. */
    const damaged = (damage: (dir: string) => Promise<void>, compression: 'none' | 'gzip' = 'none', pattern?: RegExp) =>
      withTempDir(async (dir) => {
        await (await sample(compression)).save(dir);
        await damage(dir);
        const t = new MemoryStore();
        await t.add(batch(Float32Array.from([7, 7, 7]), 3), [1], ['kept']);
        const e = await expectCode(() => t.load(dir), 'CORRUPT_INDEX');
        if (pattern) expect(e.message).toMatch(pattern);
        expect(plain(await all(t))).toEqual([{ id: 0, embedding: [7, 7, 7], label: 1, data: 'kept' }]);
        expect(t.dim).toBe(3);
        expect(Array.from(await t.add(batch(Float32Array.from([1, 2, 3]), 3)))).toEqual([1]);
      });
    const inGeneration = async (dir: string, name: string) => join(await generationDir(dir), name);

    for (const file of ['store.json', 'embeddings.npy', 'ids.npy', 'labels.npy', 'label_mask.npy', 'data.jsonl']) {
      it(`when ${file} is missing`, () =>
        damaged(async (dir) => rm(await inGeneration(dir, file)), 'none', new RegExp(file.replace('.', '\\.'))));
      it(`when ${file} is left out of the manifest`, () =>
        damaged((dir) => resave(dir, { [file]: null }), 'none', new RegExp(file.replace('.', '\\.'))));
    }

    it('when simkit-save.json or the generation directory is missing', async () => {
      await damaged((dir) => rm(join(dir, 'simkit-save.json')), 'none', /simkit-save\.json/);
      await damaged(async (dir) => rm(await generationDir(dir), { recursive: true }), 'none', /missing/);
    });

    it('when the directory does not exist', async () => {
      await expectCode(() => new MemoryStore().load('/nonexistent/simkit-store'), 'CORRUPT_INDEX');
    });

    it('when the save is of another kind', () =>
      damaged(
        async (dir) => {
          const files = new Map<string, Buffer>();
          const gen = await generationDir(dir);
          for (const name of await readdir(gen)) files.set(name, await readFile(join(gen, name)));
          // writeSave refuses to replace a save of another kind, so the other kind is written afresh.
          await rm(dir, { recursive: true, force: true });
          await writeSave(dir, 'linear-search', async (g) => {
            for (const [name, bytes] of files) await writeFile(join(g, name), bytes);
          });
        },
        'none',
        /linear-search/,
      ));

    it('when a file is truncated (caught by the manifest size)', () =>
      damaged(
        async (dir) => {
          const file = await inGeneration(dir, 'embeddings.npy');
          const bytes = await readFile(file);
          await writeFile(file, bytes.subarray(0, bytes.length - 4));
        },
        'none',
        /embeddings\.npy has 148 bytes but 152 were saved/,
      ));
    // 128-byte header + 3 rows × 2 floats × 4 bytes = 152 bytes; 4 cut off leaves 148.

    it('when a byte of a file or of store.json is flipped (caught by the manifest checksum)', async () => {
      for (const name of ['labels.npy', 'store.json', 'data.jsonl']) {
        await damaged(
          async (dir) => {
            const file = await inGeneration(dir, name);
            const bytes = await readFile(file);
            bytes.writeUInt8(bytes.readUInt8(bytes.length - 2) ^ 1, bytes.length - 2);
            await writeFile(file, bytes);
          },
          'none',
          /checksum/,
        );
      }
    });

    it('when a file comes from another save of the same size', () =>
      withTempDir(async (other) => {
        const s = await sample();
        await s.delete([0]);
        await s.add(batch(Float32Array.from([1, 1]), 2));
        await s.save(other);
        const otherIds = await readFile(join(await generationDir(other), 'ids.npy'));
        await damaged(
          async (dir) => writeFile(await inGeneration(dir, 'ids.npy'), otherIds),
          'none',
          /checksum|another save/,
        );
      }));

    it('when a .npy has a bad magic string', () =>
      damaged(
        async (dir) => {
          const bytes = await readFile(await inGeneration(dir, 'ids.npy'));
          bytes[0] = 0x7f;
          await resave(dir, { 'ids.npy': bytes });
        },
        'none',
        /magic/,
      ));

    it('when an array has the wrong length', () =>
      damaged(
        (dir) => resave(dir, { 'ids.npy': encodeNpy({ data: Int32Array.from([0, 2]) }) }),
        'none',
        /ids\.npy has 136 bytes but store\.json \(size 3, dim 2\) says it should have 140/,
      ));

    it('when an array has the wrong dtype or shape for its size', async () => {
      await damaged(
        (dir) => resave(dir, { 'labels.npy': encodeNpy({ data: Uint32Array.from([10, 0, 3]) }) }),
        'none',
        /labels\.npy holds uint32 of shape \(3\) but store\.json needs int32 of shape \(3\)/,
      );
      await damaged(
        (dir) => resave(dir, { 'embeddings.npy': encodeNpy({ data: new Float32Array(6), shape: [2, 3] }) }),
        'none',
        /shape \(2, 3\).*shape \(3, 2\)/,
      );
      await damaged(
        (dir) => resave(dir, { 'labels.npy': encodeNpy({ data: BigInt64Array.from([10n, 0n, -13n]) }) }),
        'none',
        /labels\.npy has 152 bytes/,
      );
    });

    it('when embeddings hold NaN', () =>
      damaged(
        (dir) =>
          resave(dir, {
            'embeddings.npy': encodeNpy({ data: Float32Array.from([1, 2, Number.NaN, 4, 5, 6]), shape: [3, 2] }),
          }),
        'none',
        /NaN at row 1/,
      ));

    it('when ids are not increasing or reach next_id', async () => {
      for (const compression of ['none', 'gzip'] as const) {
        for (const ids of [
          [0, 3, 2],
          [0, 2, 2],
          [0, 2, 5],
          [-1, 2, 3],
        ]) {
          const bytes = encodeNpy({ data: Int32Array.from(ids) });
          await damaged(
            (dir) => resave(dir, compression === 'gzip' ? { 'ids.npy.gz': gzipSync(bytes) } : { 'ids.npy': bytes }),
            compression,
            /ids must increase and stay below next_id=5/,
          );
        }
      }
    });

    it('when the label mask is not boolean', () =>
      damaged(
        async (dir) => {
          const bytes = await readFile(await inGeneration(dir, 'label_mask.npy'));
          // The 3 mask bytes follow the 128-byte header; the second becomes 2.
          bytes[129] = 2;
          await resave(dir, { 'label_mask.npy': bytes });
        },
        'none',
        /label_mask\.npy entry 1 is not a bool/,
      ));

    it('when data.jsonl has too few or too many lines, or a line is not JSON', async () => {
      for (const text of ['{"name":"a"}\n["b",2]\n', '1\n2\n3\n4\n', '1\n{oops\n3\n', '1\n2\n3\n\n']) {
        await damaged(
          async (dir) => {
            await resave(dir, { 'data.jsonl': text });
            await resaveMeta(dir, (m) => (m.data_bytes = Buffer.byteLength(text)));
          },
          'none',
          /data\.jsonl/,
        );
      }
      // A data_bytes that does not match the file is caught before the file is read.
      await damaged(
        (dir) => resaveMeta(dir, (m) => (m.data_bytes = 33)),
        'none',
        /data\.jsonl has 32 bytes but store\.json .* says it should have 33/,
      );
    });

    it('when store.json is damaged or inconsistent', async () => {
      await damaged((dir) => resave(dir, { 'store.json': '{"format": "simkit-memory-st' }), 'none', /not valid JSON/);
      await damaged((dir) => resave(dir, { 'store.json': 'x'.repeat(70_000) }), 'none', /store\.json/);
      const edits: Array<(m: Record<string, unknown>) => void> = [
        (m) => (m.format = 'something-else'),
        (m) => (m.size = 4),
        (m) => (m.size = -1),
        (m) => (m.size = 2.5),
        (m) => (m.dim = 3),
        (m) => (m.dim = null),
        (m) => (m.dim = 0),
        (m) => (m.next_id = 2),
        (m) => (m.next_id = 3),
        (m) => (m.next_id = 2 ** 31),
        (m) => (m.compression = 'gzip'),
        (m) => (m.compression = 'lz4'),
        (m) => delete m.data_bytes,
        (m) => (m.data_bytes = -1),
        (m) => (m.data_bytes = 2),
        (m) => delete m.format_version,
        (m) => (m.format_version = 0),
      ];
      for (const edit of edits) await damaged((dir) => resaveMeta(dir, edit));
    });

    it('when a gzipped file is truncated, not gzipped, or inflates to the wrong size', async () => {
      await damaged(
        async (dir) => {
          const bytes = await readFile(await inGeneration(dir, 'ids.npy.gz'));
          await resave(dir, { 'ids.npy.gz': bytes.subarray(0, bytes.length - 6) });
        },
        'gzip',
        /ids\.npy\.gz: it (does not decompress|inflates to)/,
      );
      await damaged(
        (dir) => resave(dir, { 'ids.npy.gz': encodeNpy({ data: Int32Array.from([0, 2, 3]) }) }),
        'gzip',
        /ids\.npy\.gz: it does not decompress/,
      );
      await damaged(
        (dir) => resave(dir, { 'labels.npy.gz': gzipSync(encodeNpy({ data: Int32Array.from([1, 2, 3, 4]) })) }),
        'gzip',
        /labels\.npy\.gz: it inflates to more than the 140 bytes/,
      );
      await damaged(
        (dir) => resave(dir, { 'labels.npy.gz': gzipSync(encodeNpy({ data: Int32Array.from([1, 2]) })) }),
        'gzip',
        /labels\.npy\.gz: it inflates to 136 bytes but should hold 140/,
      );
    });

    it('but a consistent rewrite whose contents are sound loads as written', () =>
      withTempDir(async (dir) => {
        await (await sample('gzip')).save(dir);
        await resave(dir, { 'labels.npy.gz': gzipSync(encodeNpy({ data: Int32Array.from([1, 2, 3]) })) });
        const t = new MemoryStore();
        await t.load(dir);
        // Live ids 0, 2, 3 get labels 1, 2, 3; the mask still says record 2 has none.
        expect((await all(t)).map((r) => r.label)).toEqual([1, null, 3]);
      }));
  });

  it('fails with UNSUPPORTED for a save from a newer format version', () =>
    withTempDir(async (dir) => {
      await (await sample()).save(dir);
      await resaveMeta(dir, (m) => (m.format_version = 2));
      await expectCode(() => new MemoryStore().load(dir), 'UNSUPPORTED');
    }));

  it('round-trips random batches of records identically (property)', () =>
    withTempDir(async (dir) =>
      fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 4 }).chain((dim) =>
            fc.record({
              dim: fc.constant(dim),
              compression: fc.constantFrom('none' as const, 'gzip' as const),
              batches: fc.array(
                fc.integer({ min: 0, max: 6 }).chain((rows) =>
                  fc.record({
                    values: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), {
                      minLength: rows * dim,
                      maxLength: rows * dim,
                    }),
                    labels: fc.option(
                      fc.array(fc.option(fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 })), {
                        minLength: rows,
                        maxLength: rows,
                      }),
                    ),
                    data: fc.option(fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: rows, maxLength: rows })),
                  }),
                ),
                { maxLength: 5 },
              ),
              deletions: fc.array(fc.nat(), { maxLength: 6 }),
            }),
          ),
          async ({ dim, compression, batches, deletions }) => {
            const s = new MemoryStore({ compression, initialCapacity: 1 });
            for (const b of batches) await s.add(batch(Float32Array.from(b.values), dim), b.labels, b.data);
            const used = batches.reduce((n, b) => n + b.values.length / dim, 0);
            if (used > 0) await s.delete([...new Set(deletions.map((d) => d % used))]);
            await s.save(dir);
            const t = new MemoryStore();
            await t.load(dir);
            expect(t.size()).toBe(s.size());
            expect(t.dim).toBe(s.dim);
            expect(plain(await all(t))).toEqual(plain(await all(s)));
            if (used > 0) {
              const row = batch(new Float32Array(dim), dim);
              expect(Array.from(await t.add(row))).toEqual(Array.from(await s.add(row)));
            }
          },
        ),
        { numRuns: 40 },
      ),
    ));

  it(
    'writes what NumPy reads: shapes, dtypes and values',
    () =>
      withTempDir(async (root) => {
        for (const compression of ['none', 'gzip'] as const) {
          const dir = join(root, compression);
          await (await sample(compression)).save(dir);
          const gen = await generationDir(dir);
          const seen = runPython(
            `
import sys, json, gzip, numpy as np
d, gz = sys.argv[1], sys.argv[2] == 'gzip'
opener = (lambda p: gzip.open(p + '.gz')) if gz else (lambda p: open(p, 'rb'))
def arr(name):
    a = np.load(opener(d + '/' + name))
    return [str(a.dtype), list(a.shape), bool(a.flags.c_contiguous), a.ravel().tolist()]
with opener(d + '/data.jsonl') as f:
    data = [json.loads(line) for line in f.read().decode('utf-8').splitlines()]
with open(d + '/store.json') as f:
    meta = json.load(f)
print(json.dumps({
  'embeddings': arr('embeddings.npy'), 'ids': arr('ids.npy'), 'labels': arr('labels.npy'),
  'label_mask': arr('label_mask.npy'), 'data': data,
  'meta': [meta['format_version'], meta['dim'], meta['size'], meta['next_id'], meta['compression']],
}))
`,
            gen,
            compression,
          );
          expect(seen).toEqual({
            // Live records 0, 2, 3 of the sample; 7e-8 is compared as the float32 it was stored as.
            embeddings: ['float32', [3, 2], true, [0.5, -1, 4.25, 5, -6, Math.fround(7e-8)]],
            ids: ['int32', [3], true, [0, 2, 3]],
            labels: ['int32', [3], true, [10, 0, -13]],
            label_mask: ['bool', [3], true, [true, false, true]],
            data: [{ name: 'a' }, ['b', 2], 'é\nline'],
            meta: [1, 2, 3, 5, compression],
          });
        }
      }),
  );
});
