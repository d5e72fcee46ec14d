import { type SimkitError, batch, randomVectors } from '@simkit/core';
import { expectCode, expectOneGeneration, withTempDir } from '@simkit/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HnswSearch } from '../src/index.js';

/** Simulated OS failures: `op` on a path ending with `suffix` fails with errno `code`. */
const failures = vi.hoisted(() => [] as Array<{ op: string; suffix: string; code: string }>);

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const failing =
    <A extends unknown[], R>(op: string, fn: (file: unknown, ...rest: A) => Promise<R>) =>
    (file: unknown, ...rest: A): Promise<R> => {
      const hit = failures.find((f) => f.op === op && String(file).endsWith(f.suffix));
      if (hit !== undefined) {
        const error = Object.assign(new Error(`${hit.code}: simulated failure, ${op} '${String(file)}'`), {
          code: hit.code,
          syscall: op,
          path: String(file),
        });
        return Promise.reject(error);
      }
      return fn(file, ...rest);
    };
  const patched = {
    writeFile: failing('writeFile', real.writeFile as never),
    open: failing('open', real.open as never),
    mkdir: failing('mkdir', real.mkdir as never),
  };
  return { ...real, ...patched, default: { ...real, ...patched } };
});

afterEach(() => {
  failures.length = 0;
});

async function smallIndex(): Promise<HnswSearch> {
  const s = new HnswSearch({ distance: 'euclidean', dim: 4 });
  await s.add([0, 1, 2, 3, 4], batch(randomVectors(5, 4, 17), 4));
  return s;
}

function expectCause(error: SimkitError, code: string): void {
  expect((error.cause as { code?: string } | undefined)?.code).toBe(code);
  expect(error.message).toContain(code);
}

describe('HnswSearch save and load when the OS fails', () => {
  for (const [op, suffix, code] of [
    ['writeFile', 'hnsw-graph.bin', 'ENOSPC'],
    ['writeFile', 'hnsw-search.json', 'EACCES'],
    ['mkdir', '', 'EROFS'],
  ] as const) {
    it(`save: ${code} from ${op} is IO_ERROR and keeps the previous save`, async () => {
      const s = await smallIndex();
      await withTempDir(async (dir) => {
        await s.save(dir);
        await s.add([5], batch(randomVectors(1, 4, 18), 4));
        failures.push({ op, suffix, code });
        const e = await expectCode(() => s.save(dir), 'IO_ERROR');
        expectCause(e, code);
        failures.length = 0;
        // The previous save is intact, and what the failed save began is gone.
        await expectOneGeneration(dir);
        const t = new HnswSearch({ distance: 'euclidean' });
        await t.load(dir);
        expect(t.size()).toBe(5);
        // The instance still saves once the disk is fine.
        await s.save(dir);
        await t.load(dir);
        expect(t.size()).toBe(6);
      });
    });
  }

  for (const [suffix, code] of [
    ['hnsw-graph.bin', 'EIO'],
    ['hnsw-search.json', 'EACCES'],
    ['simkit-save.json', 'EMFILE'],
  ] as const) {
    it(`load: ${code} opening ${suffix} is IO_ERROR, not CORRUPT_INDEX, and changes nothing`, async () => {
      const s = await smallIndex();
      await withTempDir(async (dir) => {
        await s.save(dir);
        const t = new HnswSearch({ distance: 'euclidean', dim: 4 });
        await t.add([9], batch(Float32Array.from([1, 2, 3, 4]), 4));
        failures.push({ op: 'open', suffix, code });
        const e = await expectCode(() => t.load(dir), 'IO_ERROR');
        expectCause(e, code);
        expect(t.size()).toBe(1);
        failures.length = 0;
        await t.load(dir);
        expect(t.size()).toBe(5);
      });
    });
  }
});
