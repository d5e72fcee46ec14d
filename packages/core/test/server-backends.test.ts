import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimkitError } from '../src/errors.js';
import {
  checkTimeout,
  readReferenceSave,
  unavailable,
  withTimeout,
  withoutPassword,
  writeReferenceSave,
} from '../src/server-backends.js';
import { expectCode } from '../src/testing/search-suite.js';
import { withTempDir } from '../src/testing/temp-dir.js';

describe('withTimeout', () => {
  it('settles as the work does when it is in time', async () => {
    await expect(withTimeout(Promise.resolve(7), 1000, () => new Error('late'))).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('no')), 1000, () => new Error('late'))).rejects.toThrow('no');
  });

  it('rejects with the timeout error when the work never settles', async () => {
    const never = new Promise<number>(() => {});
    const error = await withTimeout(never, 20, () => unavailable('took too long')).catch((e: unknown) => e);
    expect(SimkitError.isInstance(error, 'UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toBe('took too long');
  });
});

describe('withoutPassword', () => {
  it('drops the password and keeps user, host, port, path and query', () => {
    expect(withoutPassword('postgres://app:s3cret@db.internal:5432/shop?sslmode=require')).toBe(
      'postgres://app@db.internal:5432/shop?sslmode=require',
    );
    expect(withoutPassword('redis://:s3cret@cache:6379/2')).toBe('redis://cache:6379/2');
  });

  it('leaves a URL without password as it is, and hides what it cannot parse if it may hold one', () => {
    expect(withoutPassword('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(withoutPassword('db.internal')).toBe('db.internal');
    expect(withoutPassword('user:pw@ not a url')).toBe('(hidden)');
  });
});

describe('checkTimeout', () => {
  it('gives the fallback for undefined and accepts whole milliseconds from 1 to 2^31 − 1', () => {
    expect(checkTimeout(undefined, 'timeoutMs', 30_000)).toBe(30_000);
    expect(checkTimeout(1, 'timeoutMs', 5)).toBe(1);
    expect(checkTimeout(0x7fffffff, 'timeoutMs', 5)).toBe(0x7fffffff);
  });

  it('refuses anything else with INVALID_ARGUMENT naming the option', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 31, '100', null]) {
      const error = (() => {
        try {
          checkTimeout(bad, 'open: timeoutMs', 5);
        } catch (e) {
          return e;
        }
      })();
      expect(SimkitError.isInstance(error, 'INVALID_ARGUMENT')).toBe(true);
      expect((error as Error).message).toMatch(/^open: timeoutMs/);
    }
  });
});

describe('reference saves', () => {
  it('round-trip a JSON object through an atomic save', async () => {
    await withTempDir(async (dir) => {
      const reference = { server: 'redis://cache:6379', prefix: 'products', size: 3 };
      await writeReferenceSave(dir, 'test-kind', 'ref.json', reference);
      expect(await readReferenceSave(dir, 'test-kind', 'ref.json')).toEqual(reference);
      await expectCode(() => readReferenceSave(dir, 'other-kind', 'ref.json'), 'CORRUPT_INDEX');
    });
  });

  it('a damaged reference is CORRUPT_INDEX, and a save that is not JSON object too', async () => {
    await withTempDir(async (dir) => {
      await writeReferenceSave(dir, 'test-kind', 'ref.json', { a: 1 });
      const { generation } = JSON.parse(await readFile(join(dir, 'simkit-save.json'), 'utf8')) as {
        generation: string;
      };
      await writeFile(join(dir, generation, 'ref.json'), '{"a":2}\n');
      await expectCode(() => readReferenceSave(dir, 'test-kind', 'ref.json'), 'CORRUPT_INDEX');
    });
    await withTempDir(async (dir) => {
      await writeReferenceSave(dir, 'test-kind', 'ref.json', [1, 2] as unknown as object);
      await expectCode(() => readReferenceSave(dir, 'test-kind', 'ref.json'), 'CORRUPT_INDEX');
    });
  });
});
