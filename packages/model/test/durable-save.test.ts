import { execFileSync } from 'node:child_process';
import { cp, readFile, rm, symlink, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Registry, writeSave } from '@simkit/core';
import { FakeStore, expectCode, expectDamageDetected, savedFiles, withTempDir } from '@simkit/core/testing';
import { memory, tensor1d, tensor2d } from '@tensorflow/tfjs-core';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimilarityModel } from '../src/index.js';
import { calibrationSet, projectionModel, useCpu } from './fixtures.js';
import { injectFault } from './fixtures/fs-faults.js';
import { type StateSnapshot, buildState, snapshot } from './fixtures/model-states.mjs';
import { saveLeftovers } from './fixtures/save-leftovers.js';

beforeAll(useCpu);

const api = { SimilarityModel, sequential, layers, tensor1d, tensor2d };

/** Every file under `dir` with its bytes, to show that a failed save changed nothing. */
async function contents(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rel of await savedFiles(dir)) out[rel] = (await readFile(join(dir, rel))).toString('base64');
  return out;
}

async function generation(dir: string): Promise<string> {
  return join(
    dir,
    (JSON.parse(await readFile(join(dir, 'simkit-save.json'), 'utf8')) as { generation: string }).generation,
  );
}

async function loadState(dir: string, registry?: Registry): Promise<StateSnapshot> {
  const sim = await SimilarityModel.load(dir, registry);
  try {
    return await snapshot(sim);
  } finally {
    sim.model.dispose();
  }
}

/** A record store whose save can be made to fail halfway, after it has written part of its files. */
class FailingStore extends FakeStore {
  failure: unknown;
  override async save(dir: string): Promise<void> {
    const failure = this.failure;
    if (failure === undefined) return super.save(dir);
    await writeSave(dir, 'fake-store', async (gen) => {
      await writeFile(join(gen, 'fake-store.json'), '{"dim":3,"nextId":');
      throw failure;
    });
  }
}

describe('a save that fails midway', () => {
  const cases: Array<[string, () => unknown, 'IO_ERROR' | 'INVALID_ARGUMENT']> = [
    ['a full disk (ENOSPC)', () => Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }), 'IO_ERROR'],
    ['a store that throws', () => new Error('the store broke'), 'INVALID_ARGUMENT'],
  ];
  it.each(cases)(
    'in the index store (%s) leaves the previous save loadable, identical, with no leftovers',
    async (_name, failure, code) => {
      await withTempDir(async (dir) => {
        const registry = { 'fake-store': FakeStore };
        const store = new FailingStore();
        const sim = await buildState(api, 'A', store);
        await sim.save(dir);
        const before = await contents(dir);
        const state = await loadState(dir, registry);

        await sim.index([[9, 9, 9, 9]], [1], ['one more']);
        store.failure = failure();
        await expectCode(() => sim.save(dir), code);
        await expectCode(() => sim.saveIndex(dir), code);
        expect(await contents(dir)).toEqual(before);
        expect(await saveLeftovers(dir)).toEqual([]);
        expect(await loadState(dir, registry)).toEqual(state);

        // Once the store works again, the next save holds the new record.
        store.failure = undefined;
        await sim.save(dir);
        expect((await loadState(dir, registry)).size).toBe(state.size + 1);
        expect(await saveLeftovers(dir)).toEqual([]);
      });
    },
  );

  it('while writing the weights (ENOSPC from the OS) is IO_ERROR and leaves the previous save', async () => {
    await withTempDir(async (dir) => {
      const a = await buildState(api, 'A');
      const b = await buildState(api, 'B');
      await a.save(dir);
      const before = await contents(dir);
      const restore = injectFault('writeFile', /weights\.bin$/, 'ENOSPC');
      try {
        const err = await expectCode(() => b.save(dir), 'IO_ERROR');
        expect(err.message).toContain('disk is full');
        expect((err.cause as { code?: string }).code).toBe('ENOSPC');
      } finally {
        restore();
      }
      expect(await contents(dir)).toEqual(before);
      expect(await saveLeftovers(dir)).toEqual([]);
      expect(await loadState(dir)).toEqual(await snapshot(a));
    });
  });
});

describe('loading', () => {
  it('an OS failure while reading is IO_ERROR, not CORRUPT_INDEX', async () => {
    await withTempDir(async (dir) => {
      const sim = await buildState(api, 'A');
      await sim.save(dir);
      for (const file of [/weights\.bin$/, /model\.json$/, /index\/simkit-save\.json$/]) {
        const restore = injectFault('open', file, 'EACCES');
        try {
          const err = await expectCode(() => SimilarityModel.load(dir), 'IO_ERROR');
          expect(err.message).toContain('permission denied');
        } finally {
          restore();
        }
      }
      expect(await loadState(dir)).toEqual(await snapshot(sim));
    });
  });

  it('a layer class that is not registered is MISSING_COMPONENT, naming it and how to register it', async () => {
    await withTempDir(async (root) => {
      const good = join(root, 'good');
      await (await buildState(api, 'A')).save(good);
      const gen = await generation(good);
      const modelJson = (await readFile(join(gen, 'model.json'), 'utf8')).replaceAll('"Dense"', '"UnregisteredDense"');
      const weights = await readFile(join(gen, 'weights.bin'));
      const crafted = join(root, 'crafted');
      await writeSave(crafted, 'similarity-model', async (dir) => {
        await writeFile(join(dir, 'model.json'), modelJson);
        await writeFile(join(dir, 'weights.bin'), weights);
      });
      const err = await expectCode(() => SimilarityModel.load(crafted), 'MISSING_COMPONENT');
      expect(err.message).toContain("'UnregisteredDense'");
      expect(err.message).toContain('tf.serialization.registerClass(UnregisteredDense)');
    });
  });

  it('refuses parts of two saves mixed together: CORRUPT_INDEX', async () => {
    await withTempDir(async (root) => {
      const [a, b] = [join(root, 'a'), join(root, 'b')];
      await (await buildState(api, 'A')).save(a);
      await (await buildState(api, 'B')).save(b);
      const [genA, genB] = [await generation(a), await generation(b)];
      const state = await loadState(a);
      const swaps: Array<[string, string]> = [['index'], ['weights.bin'], ['model.json']].map(([part]) => [
        join(genA, part as string),
        join(genB, part as string),
      ]);
      for (const [mine, theirs] of swaps) {
        const saved = join(root, 'kept');
        await cp(mine, saved, { recursive: true });
        await rm(mine, { recursive: true });
        await cp(theirs, mine, { recursive: true });
        await expectCode(() => SimilarityModel.load(a), 'CORRUPT_INDEX');
        await rm(mine, { recursive: true });
        await cp(saved, mine, { recursive: true });
        await rm(saved, { recursive: true });
      }
      expect(await loadState(a)).toEqual(state);
    });
  });

  it('every flipped bit, truncation or deletion of any file gives a typed error, never a different model', async () => {
    await withTempDir(async (dir) => {
      const sim = await buildState(api, 'A');
      await sim.save(dir);
      const expected = await snapshot(sim);
      const flips = await expectDamageDetected(dir, () => loadState(dir), expected);
      expect(flips.tried).toBeGreaterThan(20);
      // Every flip here is caught by a checksum, not merely harmless.
      expect(flips.typed).toBe(flips.tried);

      let cut = 0;
      for (const rel of await savedFiles(dir)) {
        const file = join(dir, rel);
        const original = await readFile(file);
        if (original.length > 0) {
          await truncate(file, original.length >> 1);
          await expectCode(() => loadState(dir), 'CORRUPT_INDEX');
          cut++;
        }
        await unlink(file);
        await expectCode(() => loadState(dir), 'CORRUPT_INDEX');
        await writeFile(file, original);
      }
      expect(cut).toBeGreaterThan(5);
      expect(await loadState(dir)).toEqual(expected);
    });
  });

  it('a FIFO or a link to /dev/zero in place of a model file is CORRUPT_INDEX at once, without reading it', async () => {
    await withTempDir(async (dir) => {
      const sim = await buildState(api, 'A');
      await sim.save(dir);
      const gen = await generation(dir);
      for (const name of ['weights.bin', 'model.json']) {
        const file = join(gen, name);
        const original = await readFile(file);
        for (const make of [() => execFileSync('mkfifo', [file]), () => symlink('/dev/zero', file)]) {
          await unlink(file);
          await make();
          const before = process.memoryUsage();
          await expectCode(() => SimilarityModel.load(dir), 'CORRUPT_INDEX');
          const after = process.memoryUsage();
          expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(100 * 1024 * 1024);
          await unlink(file);
          await writeFile(file, original);
        }
      }
    });
  }, 5_000);
});

describe('loading, bounded and clean', () => {
  it('refuses a model.json over 64 MB before reading it', async () => {
    await withTempDir(async (dir) => {
      const big = Buffer.alloc(64 * 1024 * 1024 + 1, 0x20);
      await writeSave(dir, 'similarity-model', async (gen) => {
        await writeFile(join(gen, 'model.json'), big);
        await writeFile(join(gen, 'weights.bin'), '');
      });
      const before = process.memoryUsage().arrayBuffers;
      const err = await expectCode(() => SimilarityModel.load(dir), 'CORRUPT_INDEX');
      expect(err.message).toContain('model.json');
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
    });
  });

  it('a load that fails after the model is rebuilt releases the model tensors', async () => {
    await withTempDir(async (dir) => {
      await new SimilarityModel(projectionModel()).save(dir);
      // An index of 5-value embeddings next to the saved 2-output model.
      const wide = new SimilarityModel(sequential({ layers: [layers.dense({ units: 5, inputShape: [3] })] }));
      wide.createIndex();
      await wide.index([[1, 2, 3]]);
      await wide.saveIndex(dir);
      const tensors = memory().numTensors;
      await expectCode(() => SimilarityModel.load(dir), 'DIMENSION_MISMATCH');
      expect(memory().numTensors).toBe(tensors);
      const modelOnly = await SimilarityModel.load(dir, undefined, { loadIndex: false });
      expect(memory().numTensors).toBeGreaterThan(tensors);
      modelOnly.model.dispose();
      expect(memory().numTensors).toBe(tensors);
    });
  });
});

describe('saves that overlap', () => {
  it('saves racing index() and each other all resolve, and the directory always loads', async () => {
    await withTempDir(async (dir) => {
      const sim = new SimilarityModel(projectionModel());
      sim.createIndex({ distance: 'euclidean' });
      await sim.index(calibrationSet.indexX, calibrationSet.indexY);
      const other = await buildState(api, 'B');
      await sim.save(dir);
      for (let round = 0; round < 5; round++) {
        const sizeBefore = sim.indexSize();
        const settled = await Promise.allSettled([
          sim.save(dir),
          sim.index([[round, 1, 2]], [round]),
          other.save(dir),
          sim.save(dir),
        ]);
        expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
        // Saves of one directory run in call order: the last one is what the directory holds.
        const loaded = await SimilarityModel.load(dir);
        expect([sizeBefore, sizeBefore + 1]).toContain(loaded.indexSize());
        expect(await saveLeftovers(dir)).toEqual([]);
      }
    });
  });
});
