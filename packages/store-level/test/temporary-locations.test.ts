import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batch } from '@simkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LevelStore } from '../src/index.js';
import { freshDir } from './helpers.js';

/** Starts a child process that stays alive until killed. */
function sleeper() {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
}

/** The pid of a process that has exited (and so is no longer running). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  const pid = child.pid;
  if (pid === undefined) throw new Error('the child process has no pid');
  return pid;
}

/** A directory in the OS temp directory named like a working copy of process `pid`, with a file in it. */
async function fakeLeftover(pid: number, suffix: string): Promise<string> {
  const dir = join(tmpdir(), `simkit-level-store-${pid}-${suffix}`);
  await mkdir(dir);
  await writeFile(join(dir, '000003.log'), 'left behind by a killed process');
  return dir;
}

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('LevelStore temporary locations', () => {
  it('are named after the process that owns them', async () => {
    const s = await LevelStore.openTemporary();
    try {
      expect(s.location.startsWith(join(tmpdir(), `simkit-level-store-${process.pid}-`))).toBe(true);
      expect(s.location).toMatch(/simkit-level-store-\d+-[0-9a-f]{16}$/);
    } finally {
      await s.close();
    }
  });

  it('removes those left by dead processes on the next openTemporary, and keeps those of live ones', async () => {
    const dead = await fakeLeftover(await deadPid(), '0123456789abcdef');
    const child = sleeper();
    try {
      const live = await fakeLeftover(child.pid as number, 'fedcba9876543210');
      // Not our naming: never touched.
      const unrelated = join(tmpdir(), `simkit-level-store-${await deadPid()}-not-hex`);
      await mkdir(unrelated);
      made.push(dead, live, unrelated);
      const s = await LevelStore.openTemporary();
      await s.close();
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(live)).toBe(true);
      expect(existsSync(unrelated)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('removes leftovers of dead processes when load makes its private copy', async () => {
    const s = await LevelStore.open(await freshDir());
    try {
      await s.add(batch(Float32Array.from([1, 2]), 2));
      const snap = join(await freshDir(), 'snap');
      await s.save(snap);
      const dead = await fakeLeftover(await deadPid(), 'aaaaaaaaaaaaaaaa');
      made.push(dead);
      await s.load(snap);
      expect(existsSync(dead)).toBe(false);
    } finally {
      await s.close();
    }
  });

  it('leaves no working copy of its own behind after load or close', async () => {
    const own = async () =>
      (await readdir(tmpdir())).filter((n) => n.startsWith(`simkit-level-store-${process.pid}-`)).sort();
    const before = await own();
    const s = await LevelStore.openTemporary();
    await s.add(batch(Float32Array.from([1, 2]), 2));
    const snap = join(await freshDir(), 'snap');
    await s.save(snap);
    await s.load(snap);
    await expect(s.load(join(snap, 'missing'))).rejects.toMatchObject({ code: 'CORRUPT_INDEX' });
    await s.close();
    expect(await own()).toEqual(before);
  });
});
