import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { batch, SimkitError } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { Level } from 'level';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LevelStore } from '../src/index.js';
import { levelOsFailure, openError, operationError } from '../src/level-errors.js';
import { all, freshDir, plain } from './helpers.js';

const run = promisify(execFile);
const asUser = new URL('./fixtures/as-user.mjs', import.meta.url).pathname;

/**
 * Runs one operation of fixtures/as-user.mjs in another process. When the tests run as root,
 * whom file permissions do not stop, that process runs as the unprivileged user 65534.
 */
async function unprivileged(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ ok: boolean; code?: string; message?: string; cause?: string; size?: number }> {
  const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const { stdout } = await run(process.execPath, [asUser, ...args], { ...user, env: { ...process.env, ...env } });
  return JSON.parse(stdout);
}

/** A fresh directory that other users may enter. */
async function sharedDir(): Promise<string> {
  const dir = await freshDir();
  await chmod(dir, 0o755);
  return dir;
}

/** An error shaped like classic-level's for a failed LevelDB write. */
function levelIoError(text: string): Error {
  return Object.assign(new Error(`IO error: ${text}`), { code: 'LEVEL_IO_ERROR' });
}

/** An error shaped like abstract-level's for a failed open, with the LevelDB error as its cause. */
function openFailure(cause: Error): Error {
  return Object.assign(new Error('Database failed to open', { cause }), { code: 'LEVEL_DATABASE_NOT_OPEN' });
}

describe('LevelStore when the OS refuses (real permissions)', () => {
  it('fails with IO_ERROR to open a store on a read-only location', async () => {
    const root = await sharedDir();
    const location = join(root, 'store');
    const s = await LevelStore.open(location);
    await s.add(batch(Float32Array.from([1, 2]), 2));
    await s.close();
    await run('chmod', ['-R', 'a-w', location]);
    try {
      const result = await unprivileged(['open', location]);
      expect(result).toMatchObject({ ok: false, code: 'IO_ERROR', cause: 'EACCES' });
    } finally {
      await run('chmod', ['-R', 'u+w', location]);
    }
  });

  it('fails with IO_ERROR to create a store, a snapshot or a temporary location where it may not write', async () => {
    const root = await sharedDir();
    const readOnly = join(root, 'read-only');
    await mkdir(readOnly, { mode: 0o555 });
    await chmod(readOnly, 0o555);
    expect(await unprivileged(['open', join(readOnly, 'a', 'store')])).toMatchObject({
      ok: false,
      code: 'IO_ERROR',
      cause: 'EACCES',
    });
    expect(await unprivileged(['save', join(readOnly, 'snap')])).toMatchObject({ ok: false, code: 'IO_ERROR' });
    expect(await unprivileged(['temporary'], { TMPDIR: readOnly })).toMatchObject({
      ok: false,
      code: 'IO_ERROR',
      cause: 'EACCES',
    });
    expect(await readdir(readOnly)).toEqual([]);
  });
});

describe('LevelDB failures as simkit error codes', () => {
  it('maps failures of the OS to IO_ERROR, with the cause attached', () => {
    const full = levelIoError('/data/000005.log: No space left on device');
    const e = operationError(full, 'Adding records', '/data');
    expect(e.code).toBe('IO_ERROR');
    expect(e.message).toContain('disk is full');
    expect((e.cause as Error).cause).toBe(full);
    expect(openError(openFailure(levelIoError('/data/LOCK: Permission denied')), '/data', 'level store').code).toBe(
      'IO_ERROR',
    );
    expect(openError(openFailure(levelIoError('/ro/LOCK: Read-only file system')), '/ro', 'level store').code).toBe(
      'IO_ERROR',
    );
    expect(levelOsFailure(levelIoError('/data/000007.ldb: Input/output error'))).toBe('EIO');
    expect(levelOsFailure(levelIoError('x: Too many open files in system'))).toBe('ENFILE');
    expect(levelOsFailure(levelIoError('x: Too many open files'))).toBe('EMFILE');
    expect(levelOsFailure(levelIoError('x: Disk quota exceeded'))).toBe('EDQUOT');
    // classic-level creates the directory with Node's fs before LevelDB opens it.
    const mkdirFailure = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    expect(openError(openFailure(mkdirFailure), '/x', 'level store').code).toBe('IO_ERROR');
  });

  it('keeps CORRUPT_INDEX for files that are wrong, and LOCKED for a held lock', () => {
    const missingTable = levelIoError('/data/000005.ldb: No such file or directory');
    expect(levelOsFailure(missingTable)).toBeUndefined();
    expect(operationError(missingTable, 'Reading records', '/data').code).toBe('CORRUPT_INDEX');
    const corruption = Object.assign(new Error('Corruption: bad block'), { code: 'LEVEL_CORRUPTION' });
    expect(openError(openFailure(corruption), '/data', 'level store').code).toBe('CORRUPT_INDEX');
    const locked = Object.assign(new Error('IO error: lock /data/LOCK: Resource temporarily unavailable'), {
      code: 'LEVEL_LOCKED',
    });
    expect(openError(openFailure(locked), '/data', 'level store').code).toBe('LOCKED');
  });
});

describe('LevelStore on a full disk (injected)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Makes every chained-batch write of classic-level fail as LevelDB does on a full disk. */
  async function failBatchWrites(): Promise<void> {
    const probe = new Level(await freshDir());
    await probe.open();
    const chained = Object.getPrototypeOf(probe.batch()) as { write: () => Promise<void> };
    await probe.close();
    vi.spyOn(chained, 'write').mockRejectedValue(levelIoError('000009.log: No space left on device'));
  }

  it('add fails with IO_ERROR and stores nothing', async () => {
    const s = await LevelStore.open(await freshDir());
    try {
      await s.add(batch(Float32Array.from([1, 2]), 2));
      await failBatchWrites();
      const e = await expectCode(() => s.add(batch(Float32Array.from([3, 4]), 2)), 'IO_ERROR');
      expect(e.message).toContain('disk is full');
      vi.restoreAllMocks();
      expect(s.size()).toBe(1);
      expect(plain(await all(s))).toEqual([{ id: 0, embedding: [1, 2], label: null, data: null }]);
    } finally {
      await s.close();
    }
  });

  it('save fails with IO_ERROR and leaves the previous snapshot loadable', async () => {
    const s = await LevelStore.open(await freshDir());
    try {
      await s.add(batch(Float32Array.from([1, 2]), 2));
      const snap = join(await freshDir(), 'snap');
      await s.save(snap);
      await s.add(batch(Float32Array.from([3, 4]), 2));
      await failBatchWrites();
      const e = await expectCode(() => s.save(snap), 'IO_ERROR');
      expect(SimkitError.isInstance(e)).toBe(true);
      vi.restoreAllMocks();
      // Nothing of the failed save is left: the manifest and the one previous generation.
      expect((await readdir(snap)).length).toBe(2);
      const t = await LevelStore.openTemporary();
      try {
        await t.load(snap);
        expect(t.size()).toBe(1);
      } finally {
        await t.close();
      }
      expect(existsSync(snap)).toBe(true);
    } finally {
      await s.close();
    }
  });
});
