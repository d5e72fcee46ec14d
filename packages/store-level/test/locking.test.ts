import { execFile } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { batch } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { LevelStore } from '../src/index.js';
import { freshDir } from './helpers.js';

const run = promisify(execFile);
const openInChild = fileURLToPath(new URL('./fixtures/open-store.mjs', import.meta.url));

async function openFromOtherProcess(
  location: string,
): Promise<{ ok: boolean; code?: string; size?: number; message?: string }> {
  const { stdout } = await run(process.execPath, [openInChild, location]);
  return JSON.parse(stdout);
}

describe('LevelStore locking', () => {
  it('fails with LOCKED on a second open in the same process', async () => {
    const dir = await freshDir();
    const first = await LevelStore.open(dir);
    try {
      const e = await expectCode(() => LevelStore.open(dir), 'LOCKED');
      expect(e.message).toContain('already open');
    } finally {
      await first.close();
    }
    const again = await LevelStore.open(dir);
    await again.close();
  });

  it('fails with LOCKED in another process while this one has the store open', async () => {
    const dir = await freshDir();
    const s = await LevelStore.open(dir);
    await s.add(batch(Float32Array.from([1, 2, 3]), 3));
    try {
      const result = await openFromOtherProcess(dir);
      expect(result.ok).toBe(false);
      expect(result.code).toBe('LOCKED');
    } finally {
      await s.close();
    }
    // Released: the other process now opens it and sees the record.
    expect(await openFromOtherProcess(dir)).toEqual({ ok: true, size: 1 });
  });

  it('keeps the OS lock after a rejected second open in this process', async () => {
    const dir = await freshDir();
    const s = await LevelStore.open(dir);
    try {
      await s.add(batch(Float32Array.from([1, 2, 3]), 3));
      await expectCode(() => LevelStore.open(dir), 'LOCKED');
      await expectCode(() => LevelStore.open(`${dir}/.`), 'LOCKED');
      // Had the rejected open closed a second LevelDB handle, the OS lock would be gone and this would succeed.
      const result = await openFromOtherProcess(dir);
      expect(result.ok).toBe(false);
      expect(result.code).toBe('LOCKED');
      // The first store still works.
      expect(Array.from(await s.add(batch(Float32Array.from([4, 5, 6]), 3)))).toEqual([1]);
    } finally {
      await s.close();
    }
    expect(await openFromOtherProcess(dir)).toEqual({ ok: true, size: 2 });
  });

  it('knows a location reached through a symbolic link', async () => {
    const dir = await freshDir();
    const link = join(await freshDir(), 'link');
    await symlink(dir, link);
    const s = await LevelStore.open(dir);
    try {
      await expectCode(() => LevelStore.open(link), 'LOCKED');
      expect((await openFromOtherProcess(link)).code).toBe('LOCKED');
    } finally {
      await s.close();
    }
    const t = await LevelStore.open(link);
    expect(t.size()).toBe(0);
    await t.close();
  });

  it('lets exactly one of two simultaneous opens win', async () => {
    const dir = await freshDir();
    const results = await Promise.allSettled([LevelStore.open(dir), LevelStore.open(dir)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason.code).toBe('LOCKED');
    await (won[0] as PromiseFulfilledResult<LevelStore>).value.close();
  });

  it('releases the claim when opening fails, and on close', async () => {
    const dir = await freshDir();
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    await expectCode(() => LevelStore.open(file), 'CORRUPT_INDEX');
    await expectCode(() => LevelStore.open(file), 'CORRUPT_INDEX');
    const s = await LevelStore.open(join(dir, 'store'));
    await s.close();
    const t = await LevelStore.open(join(dir, 'store'));
    await t.close();
  });
});
