import { execFile } from 'node:child_process';
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
});
