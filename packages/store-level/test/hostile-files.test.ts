import { execFile } from 'node:child_process';
import { readdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { batch, SimkitError } from '@simkit/core';
import { Level } from 'level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LevelStore } from '../src/index.js';
import { encodeKey, encodeRecords } from '../src/record-codec.js';
import { saveSnapshot } from '../src/saved-snapshot.js';
import { META_KEY } from '../src/store-meta.js';
import { freshDir } from './helpers.js';

const run = promisify(execFile);
/**
 * The bounds of issue 11: a typed error within 1 s and under 100 MB of extra memory. The 1 s is
 * CPU time, which other work on a busy machine does not inflate; a load that waits (on a FIFO,
 * say) spends none, so the wall clock has a bound of its own, far above a normal load and far
 * below a hang.
 */
const LIMIT_CPU_MS = 1000;
const LIMIT_WALL_MS = 10_000;
const LIMIT_BYTES = 100 * 2 ** 20;

/** A saved snapshot of two records of dim 2. */
async function snapshot(): Promise<string> {
  const s = await LevelStore.openTemporary();
  try {
    await s.add(batch(Float32Array.from([1, 2, 3, 4]), 2));
    const dir = join(await freshDir(), 'snap');
    await s.save(dir);
    return dir;
  } finally {
    await s.close();
  }
}

/** The path of a LevelDB file of the snapshot in `dir` whose name matches `pattern`. */
async function dbFile(dir: string, pattern: RegExp): Promise<string> {
  const gen = (await readdir(dir)).find((n) => n.startsWith('gen-')) as string;
  const name = (await readdir(join(dir, gen, 'db'))).find((n) => pattern.test(n)) as string;
  return join(dir, gen, 'db', name);
}

/** A snapshot with valid checksums whose meta record claims huge counts. */
async function hugeCounts(): Promise<string> {
  const dir = join(await freshDir(), 'huge');
  await saveSnapshot(dir, async (location) => {
    const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
    const [value] = encodeRecords(batch(Float32Array.from([1, 2]), 2), null, null).values;
    await db.put(encodeKey(0), value as Uint8Array);
    const meta = { format: 'simkit-level-store', version: 1, dim: 2147483647, nextId: 2147483647, size: 2147483647 };
    await db.put(META_KEY, new TextEncoder().encode(JSON.stringify(meta)));
    await db.close();
  });
  return dir;
}

describe('LevelStore.load on hostile snapshots', () => {
  let store: LevelStore;
  beforeAll(async () => {
    store = await LevelStore.openTemporary();
  });
  afterAll(async () => {
    await store.close();
  });

  /** Loads `dir` and expects CORRUPT_INDEX within the time and memory bounds. */
  async function expectBoundedRefusal(dir: string): Promise<void> {
    const memory = () => {
      const m = process.memoryUsage();
      return m.rss + m.arrayBuffers;
    };
    const before = memory();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, memory());
    }, 5);
    const started = performance.now();
    const cpu = process.cpuUsage();
    let timer: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([
        store.load(dir).then(
          () => 'loaded',
          (error: unknown) => error,
        ),
        new Promise((resolve) => {
          timer = setTimeout(() => resolve('timed out'), LIMIT_WALL_MS);
        }),
      ]);
      const elapsed = performance.now() - started;
      const { user, system } = process.cpuUsage(cpu);
      peak = Math.max(peak, memory());
      expect(SimkitError.isInstance(outcome), `got ${String(outcome)}`).toBe(true);
      expect((outcome as SimkitError).code).toBe('CORRUPT_INDEX');
      expect((user + system) / 1000, 'CPU time (ms)').toBeLessThan(LIMIT_CPU_MS);
      expect(elapsed, 'wall time (ms)').toBeLessThan(LIMIT_WALL_MS);
      expect(peak - before).toBeLessThan(LIMIT_BYTES);
    } finally {
      clearTimeout(timer);
      clearInterval(sampler);
    }
  }

  it('refuses a FIFO in place of a LevelDB file without blocking', async () => {
    const dir = await snapshot();
    const file = await dbFile(dir, /^CURRENT$/);
    await rm(file);
    await run('mkfifo', [file]);
    await expectBoundedRefusal(dir);
  });

  it('refuses a symbolic link to /dev/zero in place of the log without reading it', async () => {
    const dir = await snapshot();
    const file = await dbFile(dir, /\.log$/);
    await rm(file);
    await symlink('/dev/zero', file);
    await expectBoundedRefusal(dir);
  });

  it('refuses a meta record claiming 2^31 − 1 records of dimension 2^31 − 1 without allocating for them', async () => {
    await expectBoundedRefusal(await hugeCounts());
  });

  it('stays usable afterwards', async () => {
    expect(store.size()).toBe(0);
    expect(Array.from(await store.add(batch(Float32Array.from([1]), 1)))).toEqual([0]);
  });
});
