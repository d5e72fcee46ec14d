import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type StoreRecord, batch } from '@simkit/core';
import { expectCode, withTempDir } from '@simkit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore, decodeNpy, encodeNpy } from '../src/index.js';
import { hasNumpy, runPython } from './python.js';

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

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8'));

describe('MemoryStore save/load', () => {
  it('writes the documented files and nothing else', () =>
    withTempDir(async (dir) => {
      await (await sample()).save(dir);
      expect((await readdir(dir)).sort()).toEqual([
        'data.jsonl',
        'embeddings.npy',
        'ids.npy',
        'label_mask.npy',
        'labels.npy',
        'store.json',
      ]);
      const meta = await readJson(join(dir, 'store.json'));
      expect(meta).toMatchObject({ format_version: 1, dim: 2, size: 3, next_id: 5, compression: 'none' });
      // Live ids 0, 2, 3 in id order; record 2 has no label (stored as 0, mask false).
      const ids = decodeNpy(await readFile(join(dir, 'ids.npy')));
      expect(ids).toEqual({ dtype: 'int32', shape: [3], data: Int32Array.from([0, 2, 3]) });
      expect(decodeNpy(await readFile(join(dir, 'labels.npy'))).data).toEqual(Int32Array.from([10, 0, -13]));
      expect(decodeNpy(await readFile(join(dir, 'label_mask.npy')))).toEqual({
        dtype: 'bool',
        shape: [3],
        data: Uint8Array.from([1, 0, 1]),
      });
      const emb = decodeNpy(await readFile(join(dir, 'embeddings.npy')));
      expect(emb.shape).toEqual([3, 2]);
      expect(emb.data).toEqual(Float32Array.from([0.5, -1, 4.25, 5, -6, 7e-8]));
      // The newline inside the string is escaped, so each record stays on one line.
      expect(await readFile(join(dir, 'data.jsonl'), 'utf8')).toBe('{"name":"a"}\n["b",2]\n"é\\nline"\n');
    }));

  it('gzips every data file with compression gzip, and removes stale files of the other kind', () =>
    withTempDir(async (dir) => {
      await (await sample('none')).save(dir);
      const zipped = await sample('gzip');
      await zipped.save(dir);
      expect((await readdir(dir)).sort()).toEqual([
        'data.jsonl.gz',
        'embeddings.npy.gz',
        'ids.npy.gz',
        'label_mask.npy.gz',
        'labels.npy.gz',
        'store.json',
      ]);
      expect((await readJson(join(dir, 'store.json'))).compression).toBe('gzip');
      const ids = decodeNpy(gunzipSync(await readFile(join(dir, 'ids.npy.gz'))));
      expect(Array.from(ids.data as Int32Array)).toEqual([0, 2, 3]);
      // A store configured without compression still loads a gzipped save.
      const t = new MemoryStore();
      await t.load(dir);
      expect(plain(await all(t))).toEqual(plain(await all(zipped)));
      await t.save(dir);
      expect((await readdir(dir)).filter((f) => f.endsWith('.gz'))).toEqual([]);
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
      // Ids 0..4 were used, so the next one is 5 although 4 was deleted.
      expect(Array.from(await t.add(batch(Float32Array.from([1, 1]), 2)))).toEqual([5]);
    }));

  it('saves and loads an empty store', () =>
    withTempDir(async (dir) => {
      await new MemoryStore().save(dir);
      expect(await readJson(join(dir, 'store.json'))).toMatchObject({ dim: null, size: 0, next_id: 0 });
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
      expect(await readJson(join(dir, 'store.json'))).toMatchObject({ dim: 2, size: 0, next_id: 2 });
      // The same without a dimension, as another writer might leave it: ids 0..4 used, none live.
      const meta = await readJson(join(dir, 'store.json'));
      await writeFile(join(dir, 'store.json'), JSON.stringify({ ...meta, dim: null, next_id: 5, files: undefined }));
      await writeFile(join(dir, 'embeddings.npy'), encodeNpy({ data: new Float32Array(0), shape: [0, 0] }));
      const t = new MemoryStore({ initialCapacity: 64 });
      await t.load(dir);
      expect(t.dim).toBeUndefined();
      expect(Array.from(await t.add(batch(Float32Array.from([1, 2, 3]), 3)))).toEqual([5]);
      expect(plain(await all(t))).toEqual([{ id: 5, embedding: [1, 2, 3], label: null, data: null }]);
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

  it('fails with INVALID_ARGUMENT when the directory cannot be written', () =>
    withTempDir(async (dir) => {
      await writeFile(join(dir, 'file'), 'x');
      await expectCode(async () => (await sample()).save(join(dir, 'file')), 'INVALID_ARGUMENT');
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
    /** Rewrites store.json; without `files` the loader cannot compare checksums and must check contents. */
    const editMeta = (dir: string, edit: (meta: Record<string, unknown>) => void) =>
      readJson(join(dir, 'store.json')).then((meta) => {
        edit(meta);
        return writeFile(join(dir, 'store.json'), JSON.stringify(meta));
      });
    const withoutChecksums = (dir: string, write: () => Promise<void>) =>
      editMeta(dir, (m) => delete m.files).then(write);

    for (const file of ['store.json', 'embeddings.npy', 'ids.npy', 'labels.npy', 'label_mask.npy', 'data.jsonl']) {
      it(`when ${file} is missing`, () =>
        damaged((dir) => rm(join(dir, file)), 'none', new RegExp(file.replace('.', '\\.'))));
    }

    it('when the directory does not exist', async () => {
      await expectCode(() => new MemoryStore().load('/nonexistent/simkit-store'), 'CORRUPT_INDEX');
    });

    it('when a file is truncated (caught by its recorded size)', () =>
      damaged(
        async (dir) => {
          const bytes = await readFile(join(dir, 'embeddings.npy'));
          await writeFile(join(dir, 'embeddings.npy'), bytes.subarray(0, bytes.length - 4));
        },
        'none',
        /embeddings\.npy has 148 bytes but 152 were saved/,
      ));
    // 128-byte header + 3 rows × 2 floats × 4 bytes = 152 bytes; 4 cut off leaves 148.

    it('when a file of the same size comes from another save (caught by its checksum)', () =>
      damaged(
        async (dir) => {
          const bytes = await readFile(join(dir, 'labels.npy'));
          bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
          await writeFile(join(dir, 'labels.npy'), bytes);
        },
        'none',
        /checksum/,
      ));

    it('when a truncated .npy is not caught by a checksum', () =>
      damaged(
        (dir) =>
          withoutChecksums(dir, async () => {
            const bytes = await readFile(join(dir, 'embeddings.npy'));
            await writeFile(join(dir, 'embeddings.npy'), bytes.subarray(0, bytes.length - 4));
          }),
        'none',
        /truncated/,
      ));

    it('when a .npy has a bad magic string', () =>
      damaged(
        (dir) =>
          withoutChecksums(dir, async () => {
            const bytes = await readFile(join(dir, 'ids.npy'));
            bytes[0] = 0x7f;
            await writeFile(join(dir, 'ids.npy'), bytes);
          }),
        'none',
        /magic/,
      ));

    it('when an array has the wrong length', () =>
      damaged(
        (dir) =>
          withoutChecksums(dir, () => writeFile(join(dir, 'ids.npy'), encodeNpy({ data: Int32Array.from([0, 2]) }))),
        'none',
        /ids\.npy holds int32 of shape \(2\) but store\.json needs int32 of shape \(3\)/,
      ));

    it('when an array has the wrong dtype', () =>
      damaged(
        (dir) =>
          withoutChecksums(dir, () =>
            writeFile(join(dir, 'labels.npy'), encodeNpy({ data: BigInt64Array.from([10n, 0n, -13n]) })),
          ),
        'none',
        /int64/,
      ));

    it('when embeddings have the wrong dimension', () =>
      damaged(
        (dir) =>
          withoutChecksums(dir, () =>
            writeFile(join(dir, 'embeddings.npy'), encodeNpy({ data: new Float32Array(9), shape: [3, 3] })),
          ),
        'none',
        /shape \(3, 3\).*shape \(3, 2\)/,
      ));

    it('when embeddings hold NaN', () =>
      damaged(
        (dir) =>
          withoutChecksums(dir, () =>
            writeFile(
              join(dir, 'embeddings.npy'),
              encodeNpy({ data: Float32Array.from([1, 2, Number.NaN, 4, 5, 6]), shape: [3, 2] }),
            ),
          ),
        'none',
        /NaN at row 1/,
      ));

    it('when ids are not increasing or reach next_id', async () => {
      for (const ids of [
        [0, 3, 2],
        [0, 2, 2],
        [0, 2, 5],
        [-1, 2, 3],
      ]) {
        await damaged((dir) =>
          withoutChecksums(dir, () => writeFile(join(dir, 'ids.npy'), encodeNpy({ data: Int32Array.from(ids) }))),
        );
      }
    });

    it('when the label mask is not boolean', () =>
      damaged(
        (dir) =>
          withoutChecksums(dir, async () => {
            const bytes = await readFile(join(dir, 'label_mask.npy'));
            // The 3 mask bytes follow the 128-byte header; the second becomes 2.
            bytes[129] = 2;
            await writeFile(join(dir, 'label_mask.npy'), bytes);
          }),
        'none',
        /label_mask\.npy entry 1 is not a bool/,
      ));

    it('when data.jsonl has too few or too many lines, or a line is not JSON', async () => {
      for (const text of ['{"name":"a"}\n["b",2]\n', '1\n2\n3\n4\n', '1\n{oops\n3\n', '1\n2\n3\n\n']) {
        await damaged(
          (dir) => withoutChecksums(dir, () => writeFile(join(dir, 'data.jsonl'), text)),
          'none',
          /data\.jsonl/,
        );
      }
    });

    it('when store.json is damaged or inconsistent', async () => {
      await damaged((dir) => writeFile(join(dir, 'store.json'), '{"format": "simkit-memory-st'));
      const edits: Array<(m: Record<string, unknown>) => void> = [
        (m) => (m.format = 'something-else'),
        (m) => (m.size = 4),
        (m) => (m.size = -1),
        (m) => (m.dim = 3),
        (m) => (m.dim = null),
        (m) => (m.next_id = 2),
        (m) => (m.next_id = 3),
        (m) => (m.compression = 'gzip'),
        (m) => (m.compression = 'lz4'),
        (m) => (m.files = 'none'),
        (m) => (m.files = { 'ids.npy': { bytes: 'many' } }),
        (m) => delete m.format_version,
      ];
      for (const edit of edits) await damaged((dir) => editMeta(dir, edit));
    });

    it('when a gzipped file is truncated or not gzipped', async () => {
      await damaged(
        (dir) =>
          withoutChecksums(dir, async () => {
            const bytes = await readFile(join(dir, 'ids.npy.gz'));
            await writeFile(join(dir, 'ids.npy.gz'), bytes.subarray(0, bytes.length - 6));
          }),
        'gzip',
        /decompress/,
      );
      await damaged(
        (dir) =>
          withoutChecksums(dir, () =>
            writeFile(join(dir, 'ids.npy.gz'), encodeNpy({ data: Int32Array.from([0, 2, 3]) })),
          ),
        'gzip',
        /not gzipped/,
      );
    });

    it('but a save without checksums whose contents are sound still loads', () =>
      withTempDir(async (dir) => {
        await (await sample('gzip')).save(dir);
        await withoutChecksums(dir, () =>
          writeFile(join(dir, 'labels.npy.gz'), gzipSync(encodeNpy({ data: Int32Array.from([1, 2, 3]) }))),
        );
        const t = new MemoryStore();
        await t.load(dir);
        // Live ids 0, 2, 3 get labels 1, 2, 3; the mask still says record 2 has none.
        expect((await all(t)).map((r) => r.label)).toEqual([1, null, 3]);
      }));
  });

  it('fails with UNSUPPORTED for a save from a newer format version', () =>
    withTempDir(async (dir) => {
      await (await sample()).save(dir);
      const meta = await readJson(join(dir, 'store.json'));
      await writeFile(join(dir, 'store.json'), JSON.stringify({ ...meta, format_version: 2 }));
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

  it.runIf(hasNumpy)(
    'writes what NumPy reads: shapes, dtypes and values (runs only where python3 can import numpy)',
    () =>
      withTempDir(async (root) => {
        for (const compression of ['none', 'gzip'] as const) {
          const dir = join(root, compression);
          await (await sample(compression)).save(dir);
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
            dir,
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
