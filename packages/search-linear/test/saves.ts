import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generationDir, resaveFiles, withinBounds, withoutPrivileges } from '@simkit/core/testing';

/** The `kind` a LinearSearch save has in the core manifest. */
export const KIND = 'linear-search';

/** The core manifest `simkit-save.json` of the save in `dir`, parsed. */
export async function manifestOf(
  dir: string,
): Promise<{ kind: string; generation: string; files: Array<{ path: string; bytes: number }> }> {
  return JSON.parse(await readFile(join(dir, 'simkit-save.json'), 'utf8'));
}

/** Saves the files of the save in `dir` again with `edits` applied, consistently (see core's resaveFiles). */
export function resave(dir: string, edits: Record<string, Uint8Array | string | null>): Promise<void> {
  return resaveFiles(dir, KIND, edits);
}

/** Like `resave`, replacing `linear-search.json` by `edit` applied to it. */
export async function resaveManifest(dir: string, edit: (m: Record<string, unknown>) => void): Promise<void> {
  const m = JSON.parse(await readFile(join(await generationDir(dir), 'linear-search.json'), 'utf8'));
  edit(m);
  await resave(dir, { 'linear-search.json': JSON.stringify(m) });
}

export { generationDir, withinBounds, withoutPrivileges };
