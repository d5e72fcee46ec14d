import { spawnSync } from 'node:child_process';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { expectCode, withTempDir } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { encodeNpy, readNpy, writeNpy } from '../src/index.js';
import { runPython } from './python.js';

describe('readNpy on hostile files', () => {
  it('refuses a FIFO and a link to a device at once, and follows a link to a real file', () =>
    withTempDir(async (dir) => {
      const fifo = join(dir, 'fifo.npy');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      await expectCode(() => readNpy(fifo), 'CORRUPT_INDEX');
      await symlink('/dev/zero', join(dir, 'zero.npy'));
      await expectCode(() => readNpy(join(dir, 'zero.npy')), 'CORRUPT_INDEX');
      const array = { shape: [2], data: Int32Array.from([4, 5]) };
      await writeNpy(join(dir, 'real.npy'), array);
      await symlink(join(dir, 'real.npy'), join(dir, 'link.npy'));
      expect((await readNpy(join(dir, 'link.npy'))).data).toEqual(array.data);
    }));

  it('stops a gzip bomb at maxBytes', () =>
    withTempDir(async (dir) => {
      // 64 MB of zeros compress to about 64 KB.
      await writeFile(join(dir, 'bomb.npy.gz'), gzipSync(Buffer.alloc(64 << 20)));
      const e = await expectCode(() => readNpy(join(dir, 'bomb.npy.gz'), { maxBytes: 1 << 20 }), 'CORRUPT_INDEX');
      expect(e.message).toContain('maxBytes');
      await expectCode(() => readNpy(join(dir, 'bomb.npy.gz'), { maxBytes: 0 }), 'INVALID_ARGUMENT');
    }));
});

describe('writeNpy / readNpy', () => {
  it('write the bytes of encodeNpy and read them back', () =>
    withTempDir(async (dir) => {
      const array = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [3, 2] };
      await writeNpy(join(dir, 'a.npy'), array);
      expect(new Uint8Array(await readFile(join(dir, 'a.npy')))).toEqual(encodeNpy(array));
      expect(await readNpy(join(dir, 'a.npy'))).toEqual({ dtype: 'float32', ...array });
    }));

  it('gzip a .gz path (or when asked) and detect gzip when reading', () =>
    withTempDir(async (dir) => {
      const array = { data: Int32Array.from([7, -8]) };
      await writeNpy(join(dir, 'a.npy.gz'), array);
      await writeNpy(join(dir, 'b.npy'), array, { gzip: true });
      await writeNpy(join(dir, 'c.npy.gz'), array, { gzip: false });
      for (const [name, zipped] of [
        ['a.npy.gz', true],
        ['b.npy', true],
        ['c.npy.gz', false],
      ] as const) {
        const bytes = await readFile(join(dir, name));
        // gzip streams start with 1f 8b; .npy files with 93 'N'.
        expect(bytes[0]).toBe(zipped ? 0x1f : 0x93);
        expect(await readNpy(join(dir, name))).toEqual({ dtype: 'int32', shape: [2], data: array.data });
      }
    }));

  it('fail with NOT_FOUND for a missing file and CORRUPT_INDEX for damaged gzip', () =>
    withTempDir(async (dir) => {
      await expectCode(() => readNpy(join(dir, 'none.npy')), 'NOT_FOUND');
      await writeNpy(join(dir, 'a.npy.gz'), { data: new Float32Array(100) });
      const bytes = await readFile(join(dir, 'a.npy.gz'));
      await writeFile(join(dir, 'cut.npy.gz'), bytes.subarray(0, bytes.length - 10));
      await expectCode(() => readNpy(join(dir, 'cut.npy.gz')), 'CORRUPT_INDEX');
      await expectCode(() => readNpy(''), 'INVALID_ARGUMENT');
      await expectCode(
        () => writeNpy(join(dir, 'x.npy'), { data: new Float32Array(3), shape: [2] }),
        'INVALID_ARGUMENT',
      );
      await expectCode(
        () => writeNpy(join(dir, 'x.npy'), { data: new Float32Array(3) }, { gzip: 'yes' as never }),
        'INVALID_ARGUMENT',
      );
    }));

  it('match NumPy both ways', () =>
    withTempDir(async (dir) => {
      await writeNpy(join(dir, 'f.npy'), { data: Float32Array.from([0.1, -2, 3e-7, 4, 5, 6]), shape: [2, 3] });
      await writeNpy(join(dir, 'b.npy.gz'), { data: Uint8Array.from([1, 0, 1]), dtype: 'bool' });
      const seen = runPython(
        `
import sys, json, gzip, numpy as np
d = sys.argv[1]
f = np.load(d + '/f.npy')
b = np.load(gzip.open(d + '/b.npy.gz'))
np.save(d + '/py_i8.npy', np.array([[1, -2], [3, 2**40]], dtype='<i8'))
np.save(d + '/py_be.npy', np.array([1.5, -0.25], dtype='>f4'))
np.save(d + '/py_f8.npy', np.arange(3, dtype=np.float64) / 4)
np.save(d + '/py_empty.npy', np.zeros((0, 5), dtype=np.float32))
print(json.dumps({
  'f': [str(f.dtype), list(f.shape), bool(f.flags.c_contiguous), f.ravel().tolist()],
  'b': [str(b.dtype), list(b.shape), b.tolist()],
}))
`,
        dir,
      );
      expect(seen).toEqual({
        f: ['float32', [2, 3], true, Array.from(Float32Array.from([0.1, -2, 3e-7, 4, 5, 6]))],
        b: ['bool', [3], [true, false, true]],
      });
      // np.save pads headers with spare room for growing the array; the reader must not care.
      expect(await readNpy(join(dir, 'py_i8.npy'))).toEqual({
        dtype: 'int64',
        shape: [2, 2],
        data: BigInt64Array.from([1n, -2n, 3n, 2n ** 40n]),
      });
      expect(await readNpy(join(dir, 'py_be.npy'))).toEqual({
        dtype: 'float32',
        shape: [2],
        data: Float32Array.from([1.5, -0.25]),
      });
      // arange(3) / 4 = [0, 0.25, 0.5].
      expect(await readNpy(join(dir, 'py_f8.npy'))).toEqual({
        dtype: 'float64',
        shape: [3],
        data: Float64Array.from([0, 0.25, 0.5]),
      });
      expect(await readNpy(join(dir, 'py_empty.npy'))).toEqual({
        dtype: 'float32',
        shape: [0, 5],
        data: new Float32Array(0),
      });
    }),
  );
});
