import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { SimkitError } from '../errors.js';
import { SAVE_MANIFEST } from '../save-manifest.js';

/** Every regular file under `dir`, as paths relative to it, sorted. */
export async function savedFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (at: string, prefix: string): Promise<void> => {
    for (const e of await readdir(at, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(at, e.name), `${prefix}${e.name}/`);
      else if (e.isFile()) out.push(`${prefix}${e.name}`);
    }
  };
  await walk(dir, '');
  return out.sort();
}

/** Asserts that `dir` holds one committed save and nothing left over: its manifest and one generation. */
export async function expectOneGeneration(dir: string): Promise<void> {
  const names = (await readdir(dir)).sort();
  expect(names).toHaveLength(2);
  expect(names[0]).toMatch(/^gen-\d+-[0-9a-f]{16}$/);
  expect(names[1]).toBe(SAVE_MANIFEST);
}

/**
 * Flips one bit at a few places in every file of the save in `dir`, runs `load` on each
 * damaged copy and restores the file. Each load must fail with a SimkitError or give
 * exactly `expected` (compared by `snapshot`). Returns how many loads failed typed.
 */
export async function expectDamageDetected<T>(
  dir: string,
  load: () => Promise<T>,
  expected: T,
): Promise<{ tried: number; typed: number }> {
  let tried = 0;
  let typed = 0;
  for (const rel of await savedFiles(dir)) {
    const file = join(dir, rel);
    const original = await readFile(file);
    if (original.length === 0) continue;
    const positions = [...new Set([0, original.length >> 1, original.length - 1])];
    for (const at of positions) {
      const damaged = Buffer.from(original);
      damaged[at] = (damaged[at] as number) ^ 0x10;
      await writeFile(file, damaged);
      tried++;
      try {
        const got = await load();
        expect(got, `a flipped bit at byte ${at} of ${rel} loaded silently with different content`).toEqual(expected);
      } catch (error) {
        expect(
          SimkitError.isInstance(error),
          `byte ${at} of ${rel}: expected a SimkitError, got ${String(error)}`,
        ).toBe(true);
        typed++;
      } finally {
        await writeFile(file, original);
      }
    }
  }
  return { tried, typed };
}
