import { copyFile, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { batch, randomVectors, SimkitError, seededRandom } from '@simkit/core';
import { savedFiles } from '@simkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LevelStore } from '../src/index.js';
import { all, freshDir, plain } from './helpers.js';

const ROWS = 50;
const DIM = 8;
/** Each load must settle within this; a hang fails the sweep. */
const LOAD_TIMEOUT_MS = 10_000;

interface Outcome {
  readonly state: unknown;
}

/** What a load must reproduce exactly: records, size, dimension and next id. */
async function stateOf(s: LevelStore): Promise<unknown> {
  const nextId = (s as unknown as { meta: { nextId: number } }).meta.nextId;
  return { size: s.size(), dim: s.dim, nextId, records: plain(await all(s)) };
}

/**
 * 50 records whose data is large enough (about 200 kB each) that LevelDB flushes part of the
 * snapshot into a table file (.ldb) and keeps the rest in its log: both kinds get damaged.
 */
async function savedStore(dir: string, seed: number): Promise<unknown> {
  const s = await LevelStore.openTemporary();
  try {
    const rand = seededRandom(seed);
    const ids = Array.from({ length: ROWS }, (_, i) => i);
    await s.add(
      batch(randomVectors(ROWS, DIM, seed), DIM),
      ids.map((i) => (i % 5 === 0 ? null : i * 3 - 40)),
      ids.map((i) => (i % 4 === 0 ? null : { i, text: 'x'.repeat(180_000 + Math.floor(rand() * 40_000)) })),
    );
    await s.delete([7, 21]);
    await s.save(dir);
    return await stateOf(s);
  } finally {
    await s.close();
  }
}

describe('LevelStore.load on damaged snapshots', () => {
  let dir: string;
  let other: string;
  let expected: unknown;
  let target: LevelStore;
  let silent: string[];
  const tally = { tried: 0, typed: 0, identical: 0 };

  beforeAll(async () => {
    const root = await freshDir();
    dir = join(root, 'snap');
    other = join(root, 'other');
    expected = await savedStore(dir, 1);
    await savedStore(other, 2);
    target = await LevelStore.openTemporary();
    silent = [];
  });

  afterAll(async () => {
    await target.close();
  });

  /** Loads `dir` after `damage`, then repairs; records a typed error, an identical load, or a silent difference. */
  async function attempt(what: string, damage: () => Promise<void>, repair: () => Promise<void>): Promise<void> {
    await damage();
    tally.tried++;
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what}: load did not settle in ${LOAD_TIMEOUT_MS} ms`)),
          LOAD_TIMEOUT_MS,
        );
      });
      let outcome: Outcome | undefined;
      try {
        await Promise.race([target.load(dir), timeout]);
        outcome = { state: await stateOf(target) };
      } catch (error) {
        if (!SimkitError.isInstance(error)) throw new Error(`${what}: untyped error ${String(error)}`);
        expect(['CORRUPT_INDEX', 'UNSUPPORTED'], `${what}: ${error.code} ${error.message}`).toContain(error.code);
        tally.typed++;
      } finally {
        clearTimeout(timer);
      }
      if (outcome !== undefined) {
        try {
          expect(outcome.state).toEqual(expected);
          tally.identical++;
        } catch {
          silent.push(what);
        }
      }
    } finally {
      await repair();
    }
  }

  it('gives a typed error or the identical store for every bit flip, truncation, deletion and swap', async () => {
    const files = await savedFiles(dir);
    // The manifest, CURRENT, the LevelDB MANIFEST, a log and at least one table.
    expect(files.some((f) => f.endsWith('.ldb'))).toBe(true);
    expect(files.some((f) => f.endsWith('.log'))).toBe(true);
    const rand = seededRandom(3);

    // About 100 single-bit flips, spread over every file.
    const flipsPerFile = Math.ceil(100 / files.length);
    for (const rel of files) {
      const file = join(dir, rel);
      const original = await readFile(file);
      for (let k = 0; k < flipsPerFile; k++) {
        const at = Math.floor(rand() * original.length);
        const bit = Math.floor(rand() * 8);
        await attempt(
          `bit ${bit} of byte ${at} in ${rel}`,
          async () => {
            const damaged = Buffer.from(original);
            damaged[at] = (damaged[at] as number) ^ (1 << bit);
            await writeFile(file, damaged);
          },
          () => writeFile(file, original),
        );
      }
      // Truncations, to nothing, to half, and by one byte.
      for (const length of [0, original.length >> 1, original.length - 1]) {
        await attempt(
          `${rel} cut to ${length} bytes`,
          () => truncate(file, length),
          () => writeFile(file, original),
        );
      }
      await attempt(
        `${rel} deleted`,
        () => rm(file),
        () => writeFile(file, original),
      );
    }

    // Swaps: each LevelDB file replaced by the file of the same name from another snapshot.
    const otherFiles = await savedFiles(other);
    for (const rel of files) {
      const name = rel.replace(/^gen-[^/]+\//, '');
      const match = otherFiles.find((f) => f.replace(/^gen-[^/]+\//, '') === name);
      if (match === undefined) continue;
      const file = join(dir, rel);
      const original = await readFile(file);
      await attempt(
        `${rel} swapped with the other snapshot's`,
        () => copyFile(join(other, match), file),
        () => writeFile(file, original),
      );
    }

    // The undamaged snapshot still loads identically (the repairs were exact).
    await attempt(
      'no damage',
      async () => {},
      async () => {},
    );
    expect(silent).toEqual([]);
    expect(tally.identical).toBeGreaterThanOrEqual(1);
    expect(tally.tried).toBeGreaterThanOrEqual(100);
    expect(tally.typed + tally.identical).toBe(tally.tried);
  }, 300_000);
});
