// Kill -9 harness for Indexer.save (issue 11, "How it must be shown"): a child process saves
// index states A and B into one directory, alternately, and is killed with SIGKILL at random
// moments and at chosen ones (as soon as a new generation directory appears, before the
// commit; and as soon as the manifest is renamed in, right after it). After every kill the
// directory must load as exactly A or B, and the next completed save must leave nothing
// behind: no other generation, no temp file, no level-store working copy of a dead process.
// SIMKIT_CRASH_KILLS sets the kills per backend mix (default 10).
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { type FSWatcher, watch } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { seededRandom } from '@simkit/core';
import { HnswSearch } from '@simkit/search-hnsw';
import { UsearchSearch } from '@simkit/search-usearch';
import { LevelStore } from '@simkit/store-level';
import { afterAll, describe, expect, it } from 'vitest';
import { Indexer } from '../src/index.js';
import {
  CRASH_ROWS,
  CRASH_SET,
  MIXES,
  type Mix,
  type Snapshot,
  buildCrashState,
  dataset,
  makeIndexer,
  registryFor,
  snapshot,
} from './fixtures/index-states.mjs';

const KILLS = Math.max(1, Number(process.env.SIMKIT_CRASH_KILLS ?? 10));
const SEED = Number(process.env.SIMKIT_CRASH_SEED ?? 20261202);
const CHILD = join(import.meta.dirname, 'fixtures', 'crash-child.mjs');
const MANIFEST = 'simkit-save.json';
/** A save directory holds its manifest and generations/temp files named with the writer's pid. */
const OWNED = /^(?:gen|\.tmp)-([0-9]+)-[0-9a-f]{16}(?:\.json)?$/;
const LEVEL_TEMP = /^simkit-level-store-/;
/** Longest wait for one child step; a step that takes longer is a hang and fails the test. */
const STEP_MS = 30_000;

type State = 'A' | 'B';
type KillMode = 'random' | 'before-commit' | 'after-commit';
const other = (s: State): State => (s === 'A' ? 'B' : 'A');
const classes = { Indexer, HnswSearch, UsearchSearch, LevelStore };
const set = dataset(CRASH_SET);

/** A crash child: its stdout lines as they arrive, its exit, and a way to talk to it. */
class Child {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly lines: string[] = [];
  stderr = '';
  private pending = '';
  private wake: (() => void) | undefined;

  constructor(mix: Mix, dir: string, first: State, tmp: string) {
    this.proc = spawn(process.execPath, [CHILD, mix, dir, first], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (chunk: string) => {
      this.pending += chunk;
      const parts = this.pending.split('\n');
      this.pending = parts.pop() ?? '';
      this.lines.push(...parts);
      this.wake?.();
    });
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.wake?.();
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  /** The first stdout line, waiting for it (fails on exit or after STEP_MS). */
  async firstLine(): Promise<string> {
    const deadline = Date.now() + STEP_MS;
    while (this.lines.length === 0) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`crash child exited (${this.proc.exitCode ?? this.proc.signalCode}) early:\n${this.stderr}`);
      }
      if (Date.now() > deadline) throw new Error(`crash child printed nothing in ${STEP_MS} ms:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 200);
      });
    }
    return this.lines[0] as string;
  }

  send(line: string): void {
    this.proc.stdin.write(`${line}\n`);
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}

/**
 * What a save directory holds besides one committed save: generations other than the one
 * its manifest names, temp files, and anything else starting with '.', at every level (a
 * nested store/ or search/ save is checked the same way). Paths relative to `dir`.
 */
async function leftovers(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const names = await readdir(dir);
  let generation: string | undefined;
  if (names.includes(MANIFEST)) {
    generation = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')).generation as string;
  }
  for (const name of names) {
    if (name === MANIFEST) continue;
    if (name === generation) out.push(...(await insideGeneration(join(dir, name), `${prefix}${name}/`)));
    else out.push(`${prefix}${name}`);
  }
  return out;
}

async function insideGeneration(dir: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.name.startsWith('.') || OWNED.test(e.name)) out.push(`${prefix}${e.name}`);
    else if (e.isDirectory()) {
      const nested = (await readdir(full)).includes(MANIFEST);
      out.push(
        ...(nested
          ? await leftovers(full, `${prefix}${e.name}/`)
          : await insideGeneration(full, `${prefix}${e.name}/`)),
      );
    }
  }
  return out;
}

/** Level-store temp locations in `tmp` that belong to no running child (`alive` is the one running). */
async function deadLevelTemps(tmp: string, alive: number | undefined): Promise<string[]> {
  return (await readdir(tmp)).filter((name) => {
    if (!LEVEL_TEMP.test(name)) return false;
    const pid = /^simkit-level-store-([0-9]+)-/.exec(name)?.[1];
    return pid === undefined || Number(pid) !== alive;
  });
}

async function expectNoLeftovers(dir: string, tmp: string, alive: number | undefined, after: string): Promise<void> {
  expect(await leftovers(dir), `leftovers in the save directory after ${after}`).toEqual([]);
  expect(await deadLevelTemps(tmp, alive), `level-store temp locations of dead processes after ${after}`).toEqual([]);
}

/** Loads a copy of `dir` (so the crash leftovers stay for the next save to clean) and snapshots it. */
async function loadCopy(dir: string, copy: string): Promise<Snapshot> {
  await cp(dir, copy, { recursive: true });
  try {
    const index = await Indexer.load(copy, registryFor(classes));
    try {
      return await snapshot(index, set.probes.batch);
    } finally {
      await index.close();
    }
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

async function expectedStates(mix: Mix): Promise<Record<State, Snapshot>> {
  const out = {} as Record<State, Snapshot>;
  for (const state of ['A', 'B'] as const) {
    const index = await buildCrashState(await makeIndexer(mix, classes, set.dim), state, set);
    out[state] = await snapshot(index, set.probes.batch);
    await index.close();
  }
  return out;
}

/** Arms the kill of `child` for `mode`; returns what to undo afterwards. */
function armKill(child: Child, dir: string, mode: KillMode, delayMs: number, known: Set<string>): () => void {
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (mode === 'random') {
    timer = setTimeout(() => child.kill(), delayMs);
  } else {
    watcher = watch(dir, (_event, name) => {
      if (name === null) return;
      const hit = mode === 'before-commit' ? /^gen-/.test(name) && !known.has(name) : name === MANIFEST;
      if (hit) child.kill();
    });
    // A watcher that never fires must not hang the test: kill anyway after a while.
    timer = setTimeout(() => child.kill(), STEP_MS);
  }
  return () => {
    watcher?.close();
    if (timer !== undefined) clearTimeout(timer);
  };
}

const summaries: string[] = [];
afterAll(() => {
  // biome-ignore lint/suspicious/noConsole: the one-line summaries the closing note of issue 11 quotes
  for (const line of summaries) console.log(line);
});

describe.each(MIXES)('Indexer.save killed with SIGKILL (%s)', (mix) => {
  it(
    `after each of ${KILLS} kills the directory loads as exactly the old or the new state, and the next save leaves nothing behind`,
    async () => {
      const root = await mkdtemp(join(tmpdir(), 'simkit-crash-'));
      const dir = join(root, 'index');
      const tmp = join(root, 'tmp');
      await mkdir(tmp);
      const rand = seededRandom(SEED + MIXES.indexOf(mix));
      const stats = {
        old: 0,
        new: 0,
        preCommit: 0,
        messy: 0,
        levelDebris: 0,
        saves: 0,
        modes: { random: 0, 'before-commit': 0, 'after-commit': 0 },
      };
      try {
        const expected = await expectedStates(mix);
        expect(expected.A.size).toBe(CRASH_ROWS.A);
        expect(expected.B.size).toBe(CRASH_ROWS.B);
        expect(isDeepStrictEqual(expected.A, expected.B)).toBe(false);
        let first: State = 'A';
        let saveMs = 50;
        const modes: KillMode[] = ['random', 'before-commit', 'random', 'after-commit'];
        for (let kill = 0; kill < KILLS; kill++) {
          const mode = modes[kill % modes.length] as KillMode;
          stats.modes[mode]++;
          const child = new Child(mix, dir, first, tmp);
          try {
            const line = await child.firstLine();
            expect(line, child.stderr).toMatch(new RegExp(`^first ${first} `));
            saveMs = Math.max(1, Number(line.split(' ')[2]));
            // The child's completed save cleaned what the previous kill left.
            await expectNoLeftovers(dir, tmp, child.pid, `a save that followed kill ${kill}`);
            const known = new Set(await readdir(dir));
            const disarm = armKill(child, dir, mode, rand() * 2 * saveMs, known);
            child.send('go');
            const exit = await child.exited;
            disarm();
            expect(exit.signal, `the child ended by itself (${exit.code}):\n${child.stderr}`).toBe('SIGKILL');
          } finally {
            child.kill();
            await child.exited;
          }
          // The library prints nothing: the child's output is its own protocol, and stderr is empty.
          expect(child.lines.filter((l) => !/^(?:first|saved) [AB] [0-9.]+$/.test(l))).toEqual([]);
          expect(child.stderr).toBe('');
          const saved = child.lines.filter((l) => l.startsWith('saved '));
          stats.saves += saved.length;
          // The last completed save wrote `old`; the one cut short was writing the other state.
          const old: State = saved.length > 0 ? ((saved.at(-1) as string).split(' ')[1] as State) : first;
          if ((await leftovers(dir)).length > 0) stats.messy++;
          if ((await deadLevelTemps(tmp, undefined)).length > 0) stats.levelDebris++;
          const got = await loadCopy(dir, join(root, 'copy'));
          const state = isDeepStrictEqual(got, expected.A) ? 'A' : isDeepStrictEqual(got, expected.B) ? 'B' : undefined;
          if (state === undefined) {
            // Show the difference against the state of the same size (or the old one).
            expect(got, `kill ${kill}: the directory holds neither state A nor B`).toEqual(
              got.size === CRASH_ROWS.B ? expected.B : got.size === CRASH_ROWS.A ? expected.A : expected[old],
            );
          }
          if (state === old) stats.old++;
          else stats.new++;
          if (mode === 'after-commit') {
            // Killed once the first save after `go` had committed: that save's state is there.
            expect(state, `kill ${kill} right after a commit`).toBe(other(first));
          }
          if (mode === 'before-commit' && state === first) stats.preCommit++;
          first = other(state as State);
        }
        // One more save that completes, then a clean exit: nothing of anyone is left.
        const child = new Child(mix, dir, first, tmp);
        try {
          expect(await child.firstLine(), child.stderr).toMatch(new RegExp(`^first ${first} `));
          await expectNoLeftovers(dir, tmp, child.pid, `the save that followed kill ${KILLS}`);
          child.send('stop');
          expect((await child.exited).code, child.stderr).toBe(0);
        } finally {
          child.kill();
          await child.exited;
        }
        await expectNoLeftovers(dir, tmp, undefined, 'the last child exited');
        expect(await readdir(tmp)).toEqual([]);
        expect(await loadCopy(dir, join(root, 'copy'))).toEqual(expected[first]);
        summaries.push(
          `crash harness ${mix}: ${KILLS} kills (${stats.modes.random} random, ${stats.modes['before-commit']} before commit, ${stats.modes['after-commit']} after commit), ${KILLS} survived: ${stats.old} loaded the old state, ${stats.new} the new (${stats.preCommit} of the kills at a new generation landed before the commit); ${stats.messy} left debris in the save directory and ${stats.levelDebris} level-store temp copies, which the next save removed; ${stats.saves} saves completed between kills`,
        );
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
    120_000 + KILLS * 10_000,
  );
});
