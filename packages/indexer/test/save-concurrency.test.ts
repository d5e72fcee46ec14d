// Concurrency of Indexer.save (issue 11, "How it must be shown"): saves race batchAdd,
// remove, reset, calibrate and other saves (to the same directory and to others) on one
// Indexer, all started without awaiting in between. The Indexer serialises them first come,
// first served, so the outcome must be exactly that of running the same calls one after the
// other: a reference Indexer replays them awaiting each, and every save must load as the
// reference's state at that point (records, calibration, lookups), every other call must
// end as it did in the replay (resolved, or rejected with the same code).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { SimkitError, seededRandom } from '@simkit/core';
import { HnswSearch } from '@simkit/search-hnsw';
import { UsearchSearch } from '@simkit/search-usearch';
import { describe, expect, it } from 'vitest';
import { Indexer } from '../src/index.js';
import {
  type Mix,
  type Snapshot,
  addRange,
  dataset,
  makeIndexer,
  registryFor,
  snapshot,
} from './fixtures/index-states.mjs';

const ROUNDS = 30;
const classes = { Indexer, HnswSearch, UsearchSearch };
const pool = dataset({ rows: 4000, queries: 30, probes: 6, dim: 8, seed: 21 });

type Op =
  | { kind: 'save'; dir: string }
  | { kind: 'add'; from: number; to: number }
  | { kind: 'remove'; ids: number[] }
  | { kind: 'reset' }
  | { kind: 'calibrate'; target: number };

/** How a call ended: `ok`, or the SimkitError code it was rejected with. */
type Ending = string;

function describeOp(op: Op): string {
  switch (op.kind) {
    case 'save':
      return `save(${op.dir.split('/').at(-1)})`;
    case 'add':
      return `batchAdd(${op.to - op.from} rows)`;
    case 'remove':
      return `remove([${op.ids.join(', ')}])`;
    case 'reset':
      return 'reset()';
    case 'calibrate':
      return `calibrate(precision ≥ ${op.target})`;
  }
}

/** Starts `op` on `index` synchronously (so calls reach the Indexer in list order). */
function start(index: Indexer, op: Op): Promise<unknown> {
  switch (op.kind) {
    case 'save':
      return index.save(op.dir);
    case 'add':
      return addRange(index, pool, op.from, op.to, 'c');
    case 'remove':
      return index.remove(op.ids);
    case 'reset':
      return index.reset();
    case 'calibrate':
      return index.calibrate(pool.queries.batch, pool.queries.labels, { thresholdsTargets: { precision: op.target } });
  }
}

function ending(result: PromiseSettledResult<unknown>): Ending {
  if (result.status === 'fulfilled') return 'ok';
  const e = result.reason;
  return SimkitError.isInstance(e) ? e.code : `raw ${String(e)}`;
}

/**
 * One round of calls: several saves (to this round's own directories and to one directory
 * shared by all rounds) mixed with the given kinds of change, in a seeded order.
 */
function roundOps(
  rand: () => number,
  round: number,
  root: string,
  cursor: { next: number },
  kinds: ReadonlyArray<Op['kind']>,
): Op[] {
  const ops: Op[] = [];
  const n = 8 + Math.floor(rand() * 6);
  let own = 0;
  for (let i = 0; i < n; i++) {
    const kind = i === 0 ? 'save' : (kinds[Math.floor(rand() * kinds.length)] as Op['kind']);
    if (kind === 'save') {
      ops.push({ kind, dir: rand() < 0.4 ? join(root, 'same') : join(root, `r${round}-s${own++}`) });
    } else if (kind === 'add') {
      const rows = 1 + Math.floor(rand() * 30);
      if (cursor.next + rows > pool.records.batch.rows) cursor.next = 0;
      ops.push({ kind, from: cursor.next, to: cursor.next + rows });
      cursor.next += rows;
    } else if (kind === 'remove') {
      // Ids near the end of what was added; some may be gone already, which must fail the same way.
      const ids = new Set<number>();
      const span = 60;
      for (let k = 1 + Math.floor(rand() * 4); k > 0; k--) ids.add(Math.floor(rand() * span));
      ops.push({ kind, ids: [...ids] });
    } else if (kind === 'reset') {
      ops.push({ kind });
    } else {
      ops.push({ kind, target: [0.5, 0.7, 0.9][Math.floor(rand() * 3)] as number });
    }
  }
  ops.push({ kind: 'save', dir: join(root, 'same') });
  return ops;
}

/** The gist of a snapshot, for a readable failure message: size, ids and calibration. */
function outline(s: Snapshot) {
  return {
    size: s.size,
    ids: (s.records as Array<[number]>).map((r) => r[0]).join(' '),
    isCalibrated: s.isCalibrated,
    cutpoints: Object.keys((s.cutpoints as object | null) ?? {}).join(' '),
  };
}

async function loadSnapshot(dir: string): Promise<Snapshot> {
  const index = await Indexer.load(dir, registryFor(classes));
  const snap = await snapshot(index, pool.probes.batch);
  // What load checks, asserted once more: store, search and metadata agree on the size.
  expect(snap.storeSize).toBe(snap.size);
  expect(snap.searchSize).toBe(snap.size);
  return snap;
}

/**
 * Runs ROUNDS rounds of `kinds` racing saves on one Indexer of `mix`, replaying each round
 * on a reference Indexer, and checks every save and every call against the replay.
 */
async function race(mix: Mix, kinds: ReadonlyArray<Op['kind']>, seed: number): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'simkit-race-'));
  const rand = seededRandom(seed);
  const live = await makeIndexer(mix, classes, pool.dim);
  const replay = await makeIndexer(mix, classes, pool.dim);
  try {
    for (const index of [live, replay]) {
      await addRange(index, pool, 0, 40, 'c');
      await index.calibrate(pool.queries.batch, pool.queries.labels);
    }
    const cursor = { next: 40 };
    let saves = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const ops = roundOps(rand, round, root, cursor, kinds);
      const trace = ops.map(describeOp).join(' → ');
      // All calls started before any is awaited.
      const settled = await Promise.allSettled(ops.map((op) => start(live, op)));
      // The same calls one after the other.
      const expected: Array<Snapshot | undefined> = [];
      const endings: Ending[] = [];
      for (const op of ops) {
        if (op.kind === 'save') {
          // The replay only notes what a save should hold; the saves on disk are the live index's.
          expected.push(await snapshot(replay, pool.probes.batch));
          endings.push('ok');
        } else {
          expected.push(undefined);
          endings.push(ending((await Promise.allSettled([start(replay, op)]))[0] as PromiseSettledResult<unknown>));
        }
      }
      expect(settled.map(ending), `round ${round}: how each call ended (${trace})`).toEqual(endings);
      // Each save into its own directory loads as the state at its place in the order.
      const lastSame = ops.map((op) => op.kind === 'save' && op.dir.endsWith('/same')).lastIndexOf(true);
      for (const [i, op] of ops.entries()) {
        if (op.kind !== 'save' || (op.dir.endsWith('/same') && i !== lastSame)) continue;
        saves++;
        const got = await loadSnapshot(op.dir);
        if (!isDeepStrictEqual(got, expected[i])) {
          const where = `round ${round}, call ${i} ${describeOp(op)} of: ${trace}`;
          expect(outline(got), where).toEqual(outline(expected[i] as Snapshot));
          expect(got, where).toEqual(expected[i]);
        }
        if (!op.dir.endsWith('/same')) await rm(op.dir, { recursive: true, force: true });
      }
      // The live index and the replay stay the same between rounds too.
      const [now, then] = [await snapshot(live, pool.probes.batch), await snapshot(replay, pool.probes.batch)];
      expect(outline(now), `round ${round}: the index after ${trace}`).toEqual(outline(then));
      expect(now, `round ${round}: the index after ${trace}`).toEqual(then);
    }
    expect(saves).toBeGreaterThanOrEqual(2 * ROUNDS);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

describe.each(['linear+memory', 'hnsw+memory'] as const)('save racing changes on one Indexer (%s)', (mix) => {
  it(`${ROUNDS} rounds of save racing batchAdd, remove, reset and other saves: each save holds the state at its place in the call order`, async () => {
    await race(mix, ['save', 'save', 'add', 'add', 'remove', 'reset'], 7);
  }, 120_000);

  it(`${ROUNDS} rounds of save racing calibrate and changes: each save holds the calibration at its place in the call order`, async () => {
    await race(mix, ['save', 'save', 'add', 'remove', 'reset', 'calibrate', 'calibrate'], 8);
  }, 120_000);

  it(`${ROUNDS} rounds of two Indexers saving into the same directory at once: both resolve, and it loads as one of them`, async () => {
    const root = await mkdtemp(join(tmpdir(), 'simkit-race-'));
    try {
      const dir = join(root, 'shared');
      const one = await makeIndexer(mix, classes, pool.dim);
      const two = await makeIndexer(mix, classes, pool.dim);
      await addRange(one, pool, 0, 30, 'one');
      await addRange(two, pool, 30, 75, 'two');
      await two.calibrate(pool.queries.batch, pool.queries.labels);
      const states = [await snapshot(one, pool.probes.batch), await snapshot(two, pool.probes.batch)];
      const seen = [0, 0];
      for (let round = 0; round < ROUNDS; round++) {
        const [a, b] = round % 2 === 0 ? [one, two] : [two, one];
        const results = await Promise.allSettled([a.save(dir), b.save(dir)]);
        expect(results.map(ending)).toEqual(['ok', 'ok']);
        const got = await loadSnapshot(dir);
        const which = states.findIndex((s) => isDeepStrictEqual(s, got));
        expect(which, `round ${round}: the directory holds neither index`).toBeGreaterThanOrEqual(0);
        seen[which] = (seen[which] as number) + 1;
      }
      expect((seen[0] as number) + (seen[1] as number)).toBe(ROUNDS);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 120_000);
});
