import type { LogLevel, Logger } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PAD_DISTANCE, PAD_LABEL, checkLookupMatrix, toLookupMatrix } from '../src/index.js';

/** A logger that keeps every call. */
function recordingLogger(): Logger & { calls: Array<{ level: LogLevel; message: string; fields?: unknown }> } {
  const calls: Array<{ level: LogLevel; message: string; fields?: unknown }> = [];
  return { calls, log: (level, message, fields) => calls.push({ level, message, fields }) };
}

const entry = (label: number, distance: number) => ({ label, distance });

describe('toLookupMatrix', () => {
  it('packs rows row-major and pads short rows with 0x7FFFFFFF / +Infinity', () => {
    const m = toLookupMatrix([
      [
        { label: 1, distance: 0.1 },
        { label: 2, distance: 0.3 },
      ],
      [{ label: 4, distance: 0.2 }],
      [],
    ]);
    expect(m.n).toBe(3);
    expect(m.k).toBe(2);
    expect(Array.from(m.labels)).toEqual([1, 2, 4, PAD_LABEL, PAD_LABEL, PAD_LABEL]);
    expect(Array.from(m.distances)).toEqual([0.1, 0.3, 0.2, PAD_DISTANCE, PAD_DISTANCE, PAD_DISTANCE]);
    expect(PAD_LABEL).toBe(0x7fffffff);
  });

  it('keeps the first k lookups of longer rows when k is given', () => {
    const m = toLookupMatrix(
      [
        [
          { label: 1, distance: 0.1 },
          { label: 2, distance: 0.3 },
          { label: 3, distance: 0.4 },
        ],
      ],
      2,
    );
    expect(m.k).toBe(2);
    expect(Array.from(m.labels)).toEqual([1, 2]);
  });

  it('is never wider than the longest row, however large k is', () => {
    // Two rows of 2 lookups with k = 5 (an index of 2 records): width 2, no padding at all.
    const m = toLookupMatrix(
      [
        [entry(0, 1), entry(1, 9)],
        [entry(1, 1), entry(0, 9)],
      ],
      5,
    );
    expect(m.k).toBe(2);
    expect(Array.from(m.labels)).toEqual([0, 1, 1, 0]);
    expect(Array.from(m.distances)).toEqual([1, 9, 1, 9]);
    expect(Array.from(m.distances)).not.toContain(PAD_DISTANCE);
    expect(toLookupMatrix([[entry(1, 0)]], 3).k).toBe(1);
    // A huge k allocates nothing beyond the rows.
    expect(toLookupMatrix([[entry(1, 0.1)], [entry(2, 0.2)]], 2 ** 40).k).toBe(1);
  });

  it('gives no columns when every row is empty, whatever k is', () => {
    expect(toLookupMatrix([[], []], 5)).toEqual({
      n: 2,
      k: 0,
      labels: new Int32Array(0),
      distances: new Float64Array(0),
    });
  });

  it('gives an empty matrix for no rows', () => {
    expect(toLookupMatrix([])).toEqual({ n: 0, k: 0, labels: new Int32Array(0), distances: new Float64Array(0) });
  });

  it('says the index entries have no labels when a label is null', async () => {
    const e = await expectCode(() => toLookupMatrix([[{ label: null, distance: 0.1 }]]), 'INVALID_ARGUMENT');
    expect(e.message).toContain('the index entries have no labels');
  });

  it('rejects malformed rows', async () => {
    await expectCode(() => toLookupMatrix('x' as never), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([null] as never), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([[null]] as never), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([[{ label: 1.5, distance: 0 }]]), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([[{ label: '1' as never, distance: 0 }]]), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([[{ label: 1, distance: Number.NaN }]]), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([[{ label: 1, distance: Number.NEGATIVE_INFINITY }]]), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([[{ label: 1, distance: 0 }]], 0), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([[{ label: 1, distance: 0 }]], 1.5), 'INVALID_ARGUMENT');
  });
});

describe('toLookupMatrix — warning about padded rows', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('warns once, at level warn, with the number of rows shorter than the longest', () => {
    const logger = recordingLogger();
    // Row lengths 3, 1, 3, 0: the longest is 3, so rows 1 and 3 are short → 2.
    const m = toLookupMatrix(
      [
        [entry(1, 0.1), entry(2, 0.2), entry(3, 0.3)],
        [entry(4, 0.4)],
        [entry(5, 0.1), entry(6, 0.2), entry(7, 0.3)],
        [],
      ],
      undefined,
      { logger },
    );
    expect(m.k).toBe(3);
    expect(logger.calls).toHaveLength(1);
    const [call] = logger.calls;
    expect(call?.level).toBe('warn');
    expect(call?.message).toMatch(/^2 lookup sets are shorter than the max lookup set length/);
    expect(call?.message).toContain('0x7FFFFFFF');
    expect(call?.fields).toEqual({ shortLookupSets: 2, maxLookupSetLength: 3, k: 3 });
  });

  it('pads to the longest row, not to a larger k, and warns once', () => {
    const logger = recordingLogger();
    // Row lengths 2 and 1 with k = 5: the width is the longest row, 2; row 1 is short → 1.
    const m = toLookupMatrix([[entry(1, 0.1), entry(2, 0.2)], [entry(3, 0.3)]], 5, { logger });
    expect(m.k).toBe(2);
    expect(Array.from(m.labels)).toEqual([1, 2, 3, PAD_LABEL]);
    expect(Array.from(m.distances)).toEqual([0.1, 0.2, 0.3, PAD_DISTANCE]);
    expect(logger.calls).toHaveLength(1);
    expect(logger.calls[0]?.level).toBe('warn');
    expect(logger.calls[0]?.message).toMatch(/^1 lookup sets are shorter than the max lookup set length \(2\)\./);
    expect(logger.calls[0]?.fields).toEqual({ shortLookupSets: 1, maxLookupSetLength: 2, k: 2 });
  });

  it('counts against the longest row once rows are cut to k', () => {
    const logger = recordingLogger();
    // k = 2 cuts the 3-long row to 2; the 2-long row is then full and only the 1-long row is short.
    toLookupMatrix(
      [[entry(1, 0.1), entry(2, 0.2), entry(3, 0.3)], [entry(4, 0.1), entry(5, 0.2)], [entry(6, 0.1)]],
      2,
      {
        logger,
      },
    );
    expect(logger.calls).toHaveLength(1);
    expect(logger.calls[0]?.message).toMatch(/^1 lookup sets are shorter than the max lookup set length \(2\)/);
  });

  it('says nothing when every row has the same length', () => {
    const logger = recordingLogger();
    toLookupMatrix(
      [
        [entry(1, 0.1), entry(2, 0.2)],
        [entry(3, 0.3), entry(4, 0.4)],
      ],
      undefined,
      { logger },
    );
    toLookupMatrix(
      [
        [entry(1, 0.1), entry(2, 0.2), entry(9, 0.5)],
        [entry(3, 0.3), entry(4, 0.4)],
      ],
      2,
      { logger },
    );
    // Equal rows shorter than k: the width is theirs, so nothing is padded.
    toLookupMatrix(
      [
        [entry(1, 0.1), entry(2, 0.2)],
        [entry(3, 0.3), entry(4, 0.4)],
      ],
      5,
      { logger },
    );
    toLookupMatrix([], undefined, { logger });
    expect(logger.calls).toEqual([]);
  });

  it('pads without a logger and never writes to the console', () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation(() => {}),
    );
    const stdout = vi.spyOn(process.stdout, 'write');
    const stderr = vi.spyOn(process.stderr, 'write');
    const m = toLookupMatrix([[entry(1, 0.1), entry(2, 0.2)], [entry(3, 0.3)]]);
    expect(Array.from(m.labels)).toEqual([1, 2, 3, PAD_LABEL]);
    for (const spy of [...spies, stdout, stderr]) expect(spy).not.toHaveBeenCalled();
  });

  it('rejects a logger without a log method', async () => {
    await expectCode(() => toLookupMatrix([[entry(1, 0.1)]], undefined, { logger: {} as never }), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([[entry(1, 0.1)]], undefined, { logger: null as never }), 'INVALID_ARGUMENT');
    await expectCode(() => toLookupMatrix([[entry(1, 0.1)]], undefined, 'x' as never), 'INVALID_ARGUMENT');
  });
});

describe('checkLookupMatrix', () => {
  const ok = { n: 2, k: 1, labels: Int32Array.from([1, 2]), distances: Float64Array.from([0.1, 0.2]) };

  it('accepts a consistent matrix', () => {
    expect(() => checkLookupMatrix(ok)).not.toThrow();
  });

  it('rejects size mismatches, wrong array types and NaN', async () => {
    await expectCode(() => checkLookupMatrix({ ...ok, n: 3 }), 'INVALID_ARGUMENT');
    await expectCode(() => checkLookupMatrix({ ...ok, k: -1 }), 'INVALID_ARGUMENT');
    await expectCode(() => checkLookupMatrix({ ...ok, labels: [1, 2] as never }), 'INVALID_ARGUMENT');
    await expectCode(
      () => checkLookupMatrix({ ...ok, distances: Float32Array.from([0.1, 0.2]) as never }),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      () => checkLookupMatrix({ ...ok, distances: Float64Array.from([0.1, Number.NaN]) }),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => checkLookupMatrix(undefined as never), 'INVALID_ARGUMENT');
  });
});
