import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generationDir, resaveFiles, withinBounds, withoutPrivileges } from '@simkit/core/testing';

/** The `kind` a MemoryStore save has in the core manifest. */
export const KIND = 'memory-store';

/** The manifest `simkit-save.json` of the save in `dir`, parsed. */
export async function manifestOf(
  dir: string,
): Promise<{ kind: string; generation: string; files: Array<{ path: string }> }> {
  return JSON.parse(await readFile(join(dir, 'simkit-save.json'), 'utf8'));
}

/** Reads a JSON file of the committed save in `dir`. */
export async function readSavedJson(dir: string, name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(await generationDir(dir), name), 'utf8'));
}

/** Saves the files of the save in `dir` again with `edits` applied, consistently (see core's resaveFiles). */
export function resave(dir: string, edits: Record<string, Uint8Array | string | null>): Promise<void> {
  return resaveFiles(dir, KIND, edits);
}

/** Like `resave`, replacing `store.json` by `edit` applied to it. */
export async function resaveMeta(dir: string, edit: (meta: Record<string, unknown>) => void): Promise<void> {
  const meta = await readSavedJson(dir, 'store.json');
  edit(meta);
  await resave(dir, { 'store.json': JSON.stringify(meta) });
}

export { generationDir, withinBounds, withoutPrivileges };
