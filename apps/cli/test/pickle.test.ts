import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimkitError } from '@simkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { NdArray, unpickle } from '../src/pickle.js';
import { runPython } from './python.js';

/** A comparable, JSON-safe form of an unpickled value. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof NdArray) {
    return {
      nd: v.dtype,
      shape: v.shape,
      data: Array.from(v.data as ArrayLike<unknown>, (x) => plain(x)),
    };
  }
  if (v instanceof Uint8Array) return { bytes: Array.from(v) };
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Set) return { set: [...v].map(plain) };
  if (v instanceof Map) return { map: [...v].map(([k, x]) => [plain(k), plain(x)]) };
  return v;
}

/** Python expressions (numpy as np) and the plain form of what unpickle must give for them. */
const CASES: Array<[string, unknown]> = [
  ['None', null],
  ['True', true],
  ['False', false],
  ['0', 0],
  ['255', 255],
  ['65535', 65535],
  ['-1', -1],
  ['2**31 - 1', 2147483647],
  ['-2**31', -2147483648],
  ['2**40', 2 ** 40],
  ['2**70', '1180591620717411303424n'],
  ['-2**70', '-1180591620717411303424n'],
  ['1.5', 1.5],
  ['-2.25e-300', -2.25e-300],
  ["'héllo ☃'", 'héllo ☃'],
  ["''", ''],
  ["b'\\x00\\x01\\xff'", { bytes: [0, 1, 255] }],
  ["bytearray(b'ab')", { bytes: [97, 98] }],
  ['[1, [2, 3]]', [1, [2, 3]]],
  ["(1, 'a')", [1, 'a']],
  [
    "{'a': 1, 'b': [None], 3: 'x'}",
    {
      map: [
        ['a', 1],
        ['b', [null]],
        [3, 'x'],
      ],
    },
  ],
  ['{1, 2}', { set: [1, 2] }],
  ['np.float32(0.5)', 0.5],
  ['np.float64(-3.25)', -3.25],
  ['np.int64(7)', 7],
  ['np.int64(2**60)', '1152921504606846976n'],
  ['np.int32(-5)', -5],
  ['np.uint8(200)', 200],
  ['np.bool_(True)', true],
  ['np.str_("ab")', 'ab'],
  ['np.array([[1, 2], [3, 4]], dtype=np.int32)', { nd: 'int32', shape: [2, 2], data: [1, 2, 3, 4] }],
  ["np.array([1.5, -2], dtype='>f8')", { nd: 'float64', shape: [2], data: [1.5, -2] }],
  ['np.array([0.25], dtype=np.float32)', { nd: 'float32', shape: [1], data: [0.25] }],
  ['np.array([True, False])', { nd: 'bool', shape: [2], data: [1, 0] }],
  ['np.array([2**62], dtype=np.int64)', { nd: 'int64', shape: [1], data: ['4611686018427387904n'] }],
  ["np.array(['ab', 'c☃'])", { nd: 'str', shape: [2], data: ['ab', 'c☃'] }],
  ["np.array([b'ab', b'c'])", { nd: 'bytes', shape: [2], data: [{ bytes: [97, 98] }, { bytes: [99] }] }],
  [
    "np.array([None, {'x': 1}, 'a'], dtype=object)",
    { nd: 'object', shape: [3], data: [null, { map: [['x', 1]] }, 'a'] },
  ],
  ['np.zeros((0, 3), dtype=np.float32)', { nd: 'float32', shape: [0, 3], data: [] }],
  ['(lambda x: [x, x])([1])', [[1], [1]]],
];

const pickles = runPython(
  `
import json, pickle, sys
import numpy as np
exprs = json.loads(sys.argv[1])
print(json.dumps({str(p): [pickle.dumps(eval(e), protocol=p).hex() for e in exprs] for p in (2, 3, 4, 5)}))
`,
  JSON.stringify(CASES.map(([e]) => e)),
) as Record<string, string[]>;

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

describe('unpickle round-trips what Python pickles', () => {
  for (const protocol of ['2', '3', '4', '5']) {
    it(`protocol ${protocol}`, () => {
      const list = pickles[protocol] as string[];
      expect(list).toHaveLength(CASES.length);
      CASES.forEach(([expr, expected], i) => {
        const got = plain(unpickle(hex(list[i] as string), { what: expr }));
        expect({ expr, got }).toEqual({ expr, got: expected });
      });
    });
  }

  it('keeps shared references shared (memo) and numeric arrays typed', () => {
    const [h] = runPython(`
import json, pickle
import numpy as np
x = np.arange(4, dtype=np.float32)
print(json.dumps([pickle.dumps([x, x], protocol=3).hex()]))
`) as string[];
    const v = unpickle(hex(h as string)) as NdArray[];
    expect(v[0]).toBe(v[1]);
    expect(v[0]?.data).toBeInstanceOf(Float32Array);
    expect(Array.from(v[0]?.data as Float32Array)).toEqual([0, 1, 2, 3]);
  });
});

describe('unpickle refuses what is not data, and executes nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simkit-pickle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const evil = (kind: string, marker: string, protocol: number) =>
    hex(
      (
        runPython(
          `
import json, os, pickle, subprocess, sys
kind, marker, protocol = sys.argv[1], sys.argv[2], int(sys.argv[3])
class Evil:
    def __reduce__(self):
        if kind == 'system':
            return (os.system, ('touch ' + marker,))
        if kind == 'eval':
            return (eval, ("__import__('os').system('touch " + marker + "')",))
        return (subprocess.Popen, (['touch', marker],))
print(json.dumps(pickle.dumps([1, Evil()], protocol=protocol).hex()))
`,
          kind,
          marker,
          String(protocol),
        ) as string
      ).trim(),
    );

  it('a real hostile pickle: Python itself runs it', () => {
    const marker = join(dir, 'python-ran-it');
    const bytes = evil('system', marker, 3);
    runPython(
      `
import json, pickle, sys
pickle.loads(bytes.fromhex(sys.argv[1]))
print(json.dumps(True))
`,
      Buffer.from(bytes).toString('hex'),
    );
    expect(existsSync(marker)).toBe(true);
  });

  for (const [kind, name] of [
    ['system', /'(posix|os)\.system'/],
    ['eval', /'(__builtin__|builtins)\.eval'/],
    // Protocol 2 writes Python 2 module names (commands for subprocess).
    ['popen', /'(subprocess|commands)\.Popen'/],
  ] as const) {
    for (const protocol of [2, 4, 5]) {
      it(`${kind} (protocol ${protocol}) → CORRUPT_INDEX, marker not created`, () => {
        const marker = join(dir, `${kind}-${protocol}`);
        let error: unknown;
        try {
          unpickle(evil(kind, marker, protocol), { what: 'data.npy' });
        } catch (e) {
          error = e;
        }
        expect(SimkitError.isInstance(error, 'CORRUPT_INDEX')).toBe(true);
        expect((error as Error).message).toMatch(/refused to load object/);
        expect((error as Error).message).toMatch(name);
        expect((error as Error).message).toMatch(/^data\.npy/);
        expect(existsSync(marker)).toBe(false);
      });
    }
  }

  it('truncated, cyclic and empty-stack pickles → CORRUPT_INDEX', () => {
    const [ok, cyclic] = runPython(`
import json, pickle
a = []
a.append(a)
print(json.dumps([pickle.dumps({'k': [1, 2, 3]}, protocol=4).hex(), pickle.dumps(a, protocol=2).hex()]))
`) as string[];
    const full = hex(ok as string);
    for (const bad of [full.subarray(0, full.length - 1), full.subarray(0, 10), hex(cyclic as string), hex('80022e')]) {
      expect(() => unpickle(bad)).toThrow(expect.objectContaining({ code: 'CORRUPT_INDEX' }));
    }
  });

  it('a deeply nested pickle → CORRUPT_INDEX, not a stack overflow', () => {
    const [deep] = runPython(`
import json, pickle
x = None
for _ in range(300):
    x = [x]
print(json.dumps([pickle.dumps(x, protocol=4).hex()]))
`) as string[];
    expect(() => unpickle(hex(deep as string))).toThrow(/nests containers more than 200 levels/);
  });
});
