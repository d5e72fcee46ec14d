import { SimkitError, writeSave } from '@simkit/core';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { generationDir } from '@simkit/core/testing';

export { generationDir };

/** Helpers that read and rewrite HNSW saves the way an attacker or a damaged disk would. */

export const KIND = 'hnsw-search';
export const JSON_FILE = 'hnsw-search.json';
export const GRAPH_FILE = 'hnsw-graph.bin';

/** The parsed `hnsw-search.json` and the graph bytes (null when the save has none) of the save in `dir`. */
export async function readSaved(dir: string): Promise<{ json: Record<string, unknown>; graph: Uint8Array | null }> {
  const gen = await generationDir(dir);
  const json = JSON.parse(await readFile(join(gen, JSON_FILE), 'utf8')) as Record<string, unknown>;
  let graph: Uint8Array | null = null;
  try {
    graph = new Uint8Array(await readFile(join(gen, GRAPH_FILE)));
  } catch {
    graph = null;
  }
  return { json, graph };
}

/**
 * Commits a new save in `dir` with the given files, through core's writeSave: the save's own
 * manifest (sizes, SHA-256) is consistent, so only the HNSW checks stand guard.
 */
export async function writeCrafted(dir: string, json: unknown, graph: Uint8Array | null): Promise<void> {
  await writeSave(
    dir,
    KIND,
    async (gen) => {
      if (graph !== null) await writeFile(join(gen, GRAPH_FILE), graph);
      await writeFile(join(gen, JSON_FILE), typeof json === 'string' ? json : JSON.stringify(json));
    },
    { durable: false },
  );
}

/** Re-saves the save in `dir` with its json edited and/or its graph replaced, consistently. */
export async function rewriteSaved(
  dir: string,
  edit: { json?: (m: Record<string, unknown>) => void; graph?: Uint8Array | null; fixGraphSize?: boolean },
): Promise<void> {
  const { json, graph } = await readSaved(dir);
  const nextGraph = edit.graph === undefined ? graph : edit.graph;
  if (edit.fixGraphSize !== false && nextGraph !== null && json.graph !== null) {
    (json.graph as Record<string, unknown>).bytes = nextGraph.length;
  }
  edit.json?.(json);
  await writeCrafted(dir, json, nextGraph);
}

const MiB = 2 ** 20;

/**
 * Runs a load that must be refused: it has to fail with `code` within `ms` milliseconds, and the
 * process's memory (resident set and array buffers, sampled while it runs and after) must not grow
 * by `maxExtraBytes` or more.
 */
export async function expectRefusedQuickly(
  load: () => Promise<unknown>,
  code: string,
  { ms = 1000, maxExtraBytes = 100 * MiB } = {},
): Promise<SimkitError> {
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakBuffers = before.arrayBuffers;
  const sample = () => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakBuffers = Math.max(peakBuffers, now.arrayBuffers);
  };
  const sampler = setInterval(sample, 5);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), ms);
  });
  const outcome = await Promise.race([
    load().then(
      () => 'loaded' as const,
      (error: unknown) => ({ error }),
    ),
    timedOut,
  ]);
  clearTimeout(timer);
  clearInterval(sampler);
  sample();
  expect(outcome, `the load must end within ${ms} ms`).not.toBe('timed out');
  expect(outcome, 'the load must be refused').not.toBe('loaded');
  const error = (outcome as { error: unknown }).error;
  expect(SimkitError.isInstance(error), `expected a SimkitError, got ${String(error)}`).toBe(true);
  expect((error as SimkitError).code).toBe(code);
  expect(peakRss - before.rss, 'extra resident memory').toBeLessThan(maxExtraBytes);
  expect(peakBuffers - before.arrayBuffers, 'extra array-buffer memory').toBeLessThan(maxExtraBytes);
  return error as SimkitError;
}
