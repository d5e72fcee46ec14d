import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { writeSave } from '../atomic-save.js';
import { openSave } from '../open-save.js';
import { SAVE_MANIFEST } from '../save-manifest.js';

/** The generation directory that holds the committed files of the save in `dir`. */
export async function generationDir(dir: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(dir, SAVE_MANIFEST), 'utf8')) as { generation: string };
  return join(dir, manifest.generation);
}

/**
 * Saves the files of the save in `dir` again through `writeSave`, with `edits` applied
 * (a string or bytes replaces or adds a file, null leaves it out). The new manifest matches
 * the edited files, so only the backend's own checks can object to them: this is how a
 * test builds a crafted save that the checksums do not catch.
 */
export async function resaveFiles(
  dir: string,
  kind: string,
  edits: Record<string, Uint8Array | string | null>,
): Promise<void> {
  const opened = await openSave(dir, kind);
  const files = new Map<string, Uint8Array | string>();
  for (const name of opened.files.keys()) files.set(name, await opened.read(name));
  for (const [name, content] of Object.entries(edits)) {
    if (content === null) files.delete(name);
    else files.set(name, content);
  }
  await writeSave(dir, kind, async (gen) => {
    for (const [name, content] of files) await writeFile(join(gen, name), content);
  });
}

const MB = 1024 * 1024;

/**
 * Runs `fn` and checks that it settles within 1 s and with less than 100 MB of extra
 * memory: the process's peak resident size afterwards minus its resident size before, so
 * any allocation `fn` touched counts even if it was freed again. Returns what `fn` threw.
 */
export async function withinBounds(fn: () => Promise<unknown>): Promise<unknown> {
  const rssBefore = process.memoryUsage().rss;
  const buffersBefore = process.memoryUsage().arrayBuffers;
  const started = performance.now();
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - started;
  const peak = process.resourceUsage().maxRSS * 1024 - rssBefore;
  const buffers = process.memoryUsage().arrayBuffers - buffersBefore;
  expect(ms, 'milliseconds taken').toBeLessThan(1000);
  expect(peak, 'peak extra resident memory (bytes)').toBeLessThan(100 * MB);
  expect(buffers, 'extra ArrayBuffer memory still held (bytes)').toBeLessThan(100 * MB);
  return error;
}

/**
 * Runs `fn` as an unprivileged user when the tests run as root (for whom permission bits
 * do not apply), so that chmod-ed files and directories really refuse access.
 */
export async function withoutPrivileges<T>(fn: () => Promise<T>): Promise<T> {
  const root = process.getuid?.() === 0 && typeof process.seteuid === 'function';
  if (!root) return fn();
  process.seteuid?.(65534);
  try {
    return await fn();
  } finally {
    process.seteuid?.(0);
  }
}

/**
 * Mounts a tmpfs of `kb` kilobytes at `dir` for `fn`, to test a full disk (needs root, as CI
 * runs the tests), and unmounts it afterwards.
 */
export async function withTinyDisk<T>(dir: string, kb: number, fn: () => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir]);
  try {
    return await fn();
  } finally {
    execFileSync('umount', ['-l', dir]);
  }
}
