import { mkdtemp, rm } from 'node:fs/promises';
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
