import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store, StoreRecord } from '@simkit/core';
import { afterAll } from 'vitest';

const created: string[] = [];

/** A fresh, empty directory, removed after the test file finishes. */
export async function freshDir(prefix = 'simkit-level-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Every record of a store, in iteration order. */
export async function all(store: Store): Promise<StoreRecord[]> {
  const out: StoreRecord[] = [];
  for await (const r of store.entries()) out.push(r);
  return out;
}

/** Records as plain values, comparable with toEqual. */
export function plain(records: StoreRecord[]): unknown[] {
  return records.map((r) => ({ id: r.id, embedding: Array.from(r.embedding), label: r.label, data: r.data }));
}

/**
 * Everything observable about the files under `dir`: each entry's path, type, mode, size,
 * modification time, and for files the SHA-256 of the content. Equal listings mean nothing was written.
 */
export async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (at: string, prefix: string): Promise<void> => {
    const names = (await readdir(at)).sort();
    for (const name of names) {
      const full = join(at, name);
      const info = await lstat(full);
      const kind = info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other';
      const hash = info.isFile()
        ? createHash('sha256')
            .update(await readFile(full))
            .digest('hex')
        : '';
      out.push(`${prefix}${name} ${kind} ${info.mode.toString(8)} ${info.size} ${info.mtimeMs} ${hash}`);
      if (info.isDirectory()) await walk(full, `${prefix}${name}/`);
    }
  };
  const root = await lstat(dir);
  out.push(`. dir ${root.mode.toString(8)} ${root.mtimeMs}`);
  await walk(dir, '');
  return out;
}
