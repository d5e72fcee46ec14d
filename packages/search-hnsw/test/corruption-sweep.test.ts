import { type Neighbors, SimkitError, batch, clusteredVectors, randomVectors, seededRandom } from '@simkit/core';
import { savedFiles, withTempDir } from '@simkit/core/testing';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HnswSearch } from '../src/index.js';

const queries = batch(randomVectors(8, 4, 71), 4);
const plain = (n: Neighbors[]) => n.map((r) => ({ ids: Array.from(r.ids), distances: Array.from(r.distances) }));

/** 60 clustered 4-d vectors under ids offset, offset+1, …, with two of them removed. */
async function built(offset: number, seed: number): Promise<HnswSearch> {
  const s = new HnswSearch({ distance: 'cosine', dim: 4, M: 4, efConstruction: 20 });
  await s.add(
    Array.from({ length: 60 }, (_, i) => offset + i),
    batch(clusteredVectors(60, 4, 3, seed).data, 4),
  );
  await s.remove([offset + 1, offset + 7]);
  return s;
}

type State = { size: number; lookups: ReturnType<typeof plain> };
const state = async (s: HnswSearch): Promise<State> => ({ size: s.size(), lookups: plain(await s.lookup(queries, 5)) });

/** Loads `dir`; a hang counts as a failure of the test, not as a typed error. */
async function attempt(dir: string): Promise<{ state: State } | { error: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('load hung for 10 s')), 10_000);
  });
  try {
    const t = new HnswSearch({ distance: 'cosine' });
    const loaded = await Promise.race([t.load(dir).then(() => state(t)), hang]);
    await t.close();
    return { state: loaded };
  } catch (error) {
    if (error instanceof Error && error.message === 'load hung for 10 s') throw error;
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

describe('HnswSearch save: corruption sweep', () => {
  it('every bit flip, truncation, deletion and swap of a saved file gives a typed error or the same index', async () => {
    const a = await built(0, 5);
    const b = await built(1000, 6);
    const expected = await state(a);
    const tally = { tried: 0, typed: 0, identical: 0, silent: 0 };
    const silent: string[] = [];
    await withTempDir(async (root) => {
      const dir = join(root, 'a');
      const other = join(root, 'b');
      await a.save(dir);
      await b.save(other);
      const files = await savedFiles(dir);
      const otherFiles = await savedFiles(other);
      expect(files).toHaveLength(3);

      const check = async (what: string) => {
        tally.tried++;
        const outcome = await attempt(dir);
        if ('error' in outcome) {
          expect(SimkitError.isInstance(outcome.error), `${what}: ${String(outcome.error)}`).toBe(true);
          tally.typed++;
        } else if (JSON.stringify(outcome.state) === JSON.stringify(expected)) {
          tally.identical++;
        } else {
          tally.silent++;
          silent.push(what);
        }
      };

      const random = seededRandom(2024);
      for (const rel of files) {
        const file = join(dir, rel);
        const original = await readFile(file);
        // Bit flips: every byte of the small JSON files, 120 places (a third in the header) of the graph.
        const positions =
          original.length <= 2048
            ? Array.from({ length: original.length }, (_, i) => i)
            : Array.from({ length: 120 }, (_, i) =>
                i < 40 ? Math.floor(random() * 56) : Math.floor(random() * original.length),
              );
        for (const at of positions) {
          const damaged = Buffer.from(original);
          const bit = Math.floor(random() * 8);
          damaged[at] = (damaged[at] as number) ^ (1 << bit);
          await writeFile(file, damaged);
          await check(`bit ${bit} of byte ${at} of ${rel}`);
        }
        for (const length of [0, 1, original.length >> 1, original.length - 1]) {
          await writeFile(file, original.subarray(0, length));
          await check(`${rel} truncated to ${length} bytes`);
        }
        await rm(file);
        await check(`${rel} deleted`);
        await writeFile(file, original);
      }

      // Swaps with the files of another save of the same shape.
      const aGen = (files[0] as string).split('/')[0] as string;
      const bGen = (otherFiles[0] as string).split('/')[0] as string;
      for (const name of ['hnsw-graph.bin', 'hnsw-search.json']) {
        const mine = join(dir, aGen, name);
        const original = await readFile(mine);
        await writeFile(mine, await readFile(join(other, bGen, name)));
        await check(`${name} from another save`);
        await writeFile(mine, original);
      }
      const manifest = await readFile(join(dir, 'simkit-save.json'));
      await writeFile(join(dir, 'simkit-save.json'), await readFile(join(other, 'simkit-save.json')));
      await check('simkit-save.json from another save');
      await writeFile(join(dir, 'simkit-save.json'), manifest);
      // With the other save's generation as well, manifest and files agree: it loads as the other index.
      // (Done on a copy: opening a save removes the generations its manifest does not name.)
      const mixed = join(root, 'mixed');
      await cp(dir, mixed, { recursive: true });
      await writeFile(join(mixed, 'simkit-save.json'), await readFile(join(other, 'simkit-save.json')));
      await cp(join(other, bGen), join(mixed, bGen), { recursive: true });
      const t = new HnswSearch({ distance: 'cosine' });
      await t.load(mixed);
      expect(await state(t)).toEqual(await state(b));

      // Untouched again, it loads as saved.
      const restored = await attempt(dir);
      expect('state' in restored && restored.state).toEqual(expected);
    });
    expect(silent).toEqual([]);
    expect(tally.silent).toBe(0);
    expect(tally.tried).toBeGreaterThan(500);
    expect(tally.typed).toBeGreaterThan(tally.tried * 0.95);
  });
});
