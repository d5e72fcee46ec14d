import { execFileSync } from 'node:child_process';
import { batch } from '@simkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KERNEL_BUILDS } from '../src/generated/kernels.js';
import { LinearSearch } from '../src/index.js';
import { KernelScanner } from '../src/kernel-scan.js';
import { VectorSlots } from '../src/vector-slots.js';
import { KernelMemory, KernelStorage, PAGE_BYTES } from '../src/wasm-kernel.js';
import { kernelCaseData, kernelCaseFields, uniformNumbers } from './naive-scan.js';

function decode(base64: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

interface ScanCase {
  dim: number;
  count: number;
  rows: number;
  m: number;
  expansion: boolean;
  mask: number[] | null;
  keys: number[];
  queries: number[];
}

/**
 * Lays a case out in a memory as LinearSearch does, runs `scanRows` and returns each query's
 * candidates as [slot, score] pairs. The same text runs in a child process with other V8 flags.
 */
const RUN_CASE = `
function runCase(bytes, c) {
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536 });
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
  const f32 = new Float32Array(memory.buffer);
  const i32 = new Int32Array(memory.buffer);
  const keysAt = 65536;
  f32.set(c.keys, keysAt / 4);
  const normsAt = keysAt + (c.count + 4) * c.dim * 4;
  for (let s = 0; s < c.count; s++) {
    let n = 0;
    for (let i = 0; i < c.dim; i++) n += c.keys[s * c.dim + i] ** 2;
    f32[normsAt / 4 + s] = n;
  }
  const maskAt = normsAt + (c.count + 4) * 4;
  if (c.mask) new Uint8Array(memory.buffer).set(c.mask, maskAt);
  const queriesAt = maskAt + c.count + 16 - ((maskAt + c.count) % 16);
  f32.set(c.queries, queriesAt / 4);
  const heapsAt = queriesAt + c.rows * c.dim * 4;
  exports.scanRows(queriesAt, c.rows, c.dim, keysAt, c.count, c.expansion ? normsAt : 0, c.mask ? maskAt : 0,
    heapsAt, c.m, 8, 3);
  const out = [];
  const stride = 2 + 2 * c.m;
  for (let r = 0; r < c.rows; r++) {
    const base = heapsAt / 4 + r * stride;
    const pairs = [];
    for (let e = 0; e < i32[base]; e++) pairs.push([i32[base + 3 + 2 * e], f32[base + 2 + 2 * e]]);
    out.push(pairs);
  }
  return out;
}`;
const runCase = new Function(`${RUN_CASE}; return runCase;`)() as (
  bytes: Uint8Array,
  c: ScanCase,
) => Array<Array<[number, number]>>;

/** The build's bytes for an unshared memory. */
function unsharedBytes(build: (typeof KERNEL_BUILDS)[number]): Uint8Array<ArrayBuffer> {
  const bytes = decode(build.wasm);
  bytes[build.sharedFlagOffset] = 0x01;
  return bytes;
}

function randomCase(seed: number, dim: number, count: number, rows: number, m: number, expansion: boolean): ScanCase {
  const keys = Array.from(uniformNumbers(count * dim, seed));
  // Every fifth key repeats an earlier one, so equal scores are common.
  for (let s = 5; s < count; s += 5)
    for (let i = 0; i < dim; i++) keys[s * dim + i] = keys[(s - 5) * dim + i] as number;
  const mask = seed % 2 === 0 ? null : Array.from({ length: count }, (_, s) => (s % 3 === 1 ? 0 : 1));
  return { dim, count, rows, m, expansion, mask, keys, queries: Array.from(uniformNumbers(rows * dim, seed + 1)) };
}

/**
 * Checks one query's candidates against float64 scores: every candidate is eligible and listed
 * once, its float32 score is within the kernel's error bound of the float64 one, and no key
 * left out scores clearly better than a kept one.
 */
function checkCandidates(c: ScanCase, r: number, got: Array<[number, number]>): void {
  const eligible: number[] = [];
  for (let s = 0; s < c.count; s++) if (c.mask === null || c.mask[s] !== 0) eligible.push(s);
  const exact = new Map<number, number>();
  for (const s of eligible) {
    let dot = 0;
    let norm = 0;
    for (let i = 0; i < c.dim; i++) {
      const k = Math.fround(c.keys[s * c.dim + i] as number);
      dot += Math.fround(c.queries[r * c.dim + i] as number) * k;
      norm += k * k;
    }
    exact.set(s, c.expansion ? Math.fround(norm) - 2 * dot : -dot);
  }
  expect(got.length).toBe(Math.min(c.m, eligible.length));
  expect(new Set(got.map(([s]) => s)).size).toBe(got.length);
  // |q|,|k| ≤ 0.5·√dim here; the bound of score-bounds.ts, doubled, with room for the norm's own rounding.
  const tolerance = 4 * (c.dim + 8) * 2 ** -24 * (c.dim / 4 + 1);
  let worstKept = Number.NEGATIVE_INFINITY;
  for (const [slot, score] of got) {
    expect(exact.has(slot)).toBe(true);
    expect(Math.abs(score - (exact.get(slot) as number))).toBeLessThanOrEqual(tolerance);
    worstKept = Math.max(worstKept, exact.get(slot) as number);
  }
  const kept = new Set(got.map(([s]) => s));
  for (const s of eligible) {
    if (!kept.has(s)) expect(exact.get(s) as number).toBeGreaterThanOrEqual(worstKept - 2 * tolerance);
  }
}

describe('the WebAssembly kernel builds', () => {
  it('this runtime validates the plain-SIMD and the scalar build (every maintained Node and browser does)', () => {
    const valid = KERNEL_BUILDS.filter((b) => WebAssembly.validate(unsharedBytes(b))).map((b) => b.flavour);
    expect(valid).toContain('simd');
    expect(valid).toContain('scalar');
  });

  for (const build of KERNEL_BUILDS) {
    it(`${build.flavour}: keeps each query's m best keys by score, with masks, odd dimensions and ties`, () => {
      if (!WebAssembly.validate(unsharedBytes(build))) {
        // Node 20 needs a flag for relaxed SIMD: run the same check in a child process that has it.
        const c = randomCase(11, 7, 53, 5, 6, true);
        const script = `${RUN_CASE}\nconst input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));\nprocess.stdout.write(JSON.stringify(runCase(Buffer.from(input.wasm, 'base64'), input.c)));`;
        const output = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', script], {
          input: JSON.stringify({ wasm: Buffer.from(unsharedBytes(build)).toString('base64'), c }),
        });
        const rows = JSON.parse(output.toString()) as Array<Array<[number, number]>>;
        for (const [r, got] of rows.entries()) checkCandidates(c, r, got);
        return;
      }
      const bytes = unsharedBytes(build);
      for (const [seed, dim, count, rows, m, expansion] of [
        [1, 1, 9, 3, 4, false],
        [2, 3, 40, 7, 5, true],
        [3, 4, 64, 4, 64, false],
        [4, 5, 33, 6, 40, true],
        [5, 16, 100, 9, 10, false],
        [6, 33, 71, 5, 12, true],
        [7, 128, 257, 8, 18, false],
      ] as const) {
        const c = randomCase(seed, dim, count, rows, m, expansion);
        for (const [r, got] of runCase(bytes, c).entries()) checkCandidates(c, r, got);
      }
    });
  }
});

/** A search over `data` with the WebAssembly kernel and one with the JavaScript scan, same content. */
async function pair(distance: string, data: Float32Array, dim: number, threads = 1) {
  const ids = Int32Array.from({ length: data.length / dim }, (_, i) => 3 * i + 1);
  const wasm = new LinearSearch({ distance, threads });
  const js = new LinearSearch({ distance, kernel: 'js' });
  await wasm.add(ids, batch(data, dim));
  await js.add(ids, batch(data, dim));
  return { wasm, js };
}

describe('LinearSearch on the WebAssembly kernel', () => {
  it('reports the kernel it runs: a SIMD build here, the JavaScript scan when asked or for other distances', async () => {
    const dim = 8;
    const { wasm, js } = await pair('cosine', uniformNumbers(40 * dim, 3), dim);
    expect(wasm.stats().kernel).toBeNull(); // chosen by the first lookup
    await wasm.lookup(batch(uniformNumbers(2 * dim, 4), dim), 3);
    expect(['relaxed-simd', 'simd']).toContain(wasm.stats().kernel);
    expect(wasm.stats()).toMatchObject({ size: 40, threads: 1, sharedMemory: true, kernelQueries: 2 });
    await js.lookup(batch(uniformNumbers(dim, 5), dim), 3);
    expect(js.stats().kernel).toBe('js');
    const manhattan = new LinearSearch({ distance: 'manhattan' });
    await manhattan.add([1], batch(uniformNumbers(dim, 6), dim));
    expect(manhattan.stats().kernel).toBe('js');
  });

  it('rejects a kernel or threads option it does not know', () => {
    expect(() => new LinearSearch({ distance: 'cosine', kernel: 'gpu' as 'js' })).toThrow(
      /kernel must be 'auto' or 'js'/,
    );
    expect(() => new LinearSearch({ distance: 'cosine', threads: 0 })).toThrow(/threads/);
    expect(() => new LinearSearch({ distance: 'cosine', threads: 1.5 })).toThrow(/threads/);
  });

  for (const distance of ['cosine', 'inner_product', 'euclidean', 'squared_euclidean']) {
    it(`${distance}: the same ids and distances as the JavaScript scan, bit for bit (random data, property)`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.record(kernelCaseFields([1e-3, 1, 1e3])), async (p) => {
          const data = kernelCaseData(p);
          const { wasm, js } = await pair(distance, data, p.dim);
          if (p.remove) {
            const gone = Array.from({ length: Math.floor(p.n / 4) }, (_, i) => 3 * (i * 4) + 1);
            await wasm.remove(gone);
            await js.remove(gone);
          }
          const queries = uniformNumbers(p.rows * p.dim, p.seed + 7).map((x) => x * p.scale);
          queries.set(data.subarray(0, Math.min(p.dim, data.length)), 0); // a query equal to a key
          const filter = p.filterModulo < 2 ? undefined : (id: number) => id % p.filterModulo !== 0;
          const a = await wasm.lookup(batch(queries, p.dim), p.k, filter ? { filter } : {});
          const b = await js.lookup(batch(queries, p.dim), p.k, filter ? { filter } : {});
          expect(a).toEqual(b);
        }),
        { numRuns: 60, seed: 20261203 },
      );
    });
  }

  it('answers a query by the exact scan when ties at the k-th place cannot be settled from float32 scores', async () => {
    const dim = 6;
    const base = uniformNumbers(dim, 9);
    const data = new Float32Array(50 * dim);
    for (let s = 0; s < 50; s++) data.set(base, s * dim); // 50 identical vectors: every distance ties
    const { wasm, js } = await pair('euclidean', data, dim);
    const queries = uniformNumbers(2 * dim, 10);
    const a = await wasm.lookup(batch(queries, dim), 5);
    expect(a).toEqual(await js.lookup(batch(queries, dim), 5));
    expect(Array.from(a[0]?.ids ?? [])).toEqual([1, 4, 7, 10, 13]); // insertion order
    expect(wasm.stats().fallbackQueries).toBe(2);
  });

  it('splits big lookups across worker threads over shared memory, with the same answers, and close() stops them', async () => {
    const dim = 64;
    const { wasm, js } = await pair('cosine', uniformNumbers(6000 * dim, 12), dim, 2);
    const queries = batch(uniformNumbers(300 * dim, 13), dim);
    const threaded = await wasm.lookup(queries, 7);
    expect(wasm.stats().threads).toBe(2);
    expect(threaded).toEqual(await js.lookup(queries, 7));
    await wasm.close();
    expect(wasm.stats().threads).toBe(1);
    // Still usable after close: the next big lookup starts the workers again.
    expect(await wasm.lookup(queries, 7)).toEqual(threaded);
    expect(wasm.stats().threads).toBe(2);
    await wasm.close();
  });

  it('keeps operations in call order while a threaded lookup is in flight', async () => {
    const dim = 32;
    const { wasm } = await pair('euclidean', uniformNumbers(8000 * dim, 14), dim, 2);
    const query = uniformNumbers(200 * dim, 15);
    const before = wasm.lookup(batch(query, dim), 1);
    const added = wasm.add([999_999], batch(query.slice(0, dim), dim)); // equal to the first query
    const after = wasm.lookup(batch(query.slice(0, dim), dim), 1);
    const [first] = await before;
    await added;
    const [second] = await after;
    expect(first?.ids[0]).not.toBe(999_999);
    expect(Array.from(second?.ids ?? [])).toEqual([999_999]);
    expect(second?.distances[0]).toBe(0);
    await wasm.close();
  });

  it('lets the process exit after threaded lookups without close() (idle workers do not hold it)', () => {
    const entry = new URL('../dist/index.js', import.meta.url).href;
    const script = `
      import { LinearSearch } from ${JSON.stringify(entry)};
      const dim = 64, n = 6000, rows = 300;
      const data = Float32Array.from({ length: n * dim }, (_, i) => Math.sin(i));
      const search = new LinearSearch({ distance: 'cosine', threads: 2 });
      await search.add(Int32Array.from({ length: n }, (_, i) => i), { data, rows: n, dim });
      const result = await search.lookup({ data: data.slice(0, rows * dim), rows, dim }, 3);
      console.log(JSON.stringify({ threads: search.stats().threads, first: result[0].ids[0] }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 });
    expect(JSON.parse(output.toString())).toEqual({ threads: 2, first: 0 });
  });

  it('works over an unshared memory that detaches its buffer as it grows', async () => {
    const memory = KernelMemory.create(false);
    expect(memory?.shared).toBe(false);
    const dim = 24;
    const slots = new VectorSlots(dim, 0, new KernelStorage(memory as KernelMemory, dim));
    const data = uniformNumbers(5000 * dim, 16);
    for (let start = 0; start < 5000; start += 500) {
      slots.put(
        Int32Array.from({ length: 500 }, (_, i) => start + i),
        data.subarray(start * dim, (start + 500) * dim),
      );
    }
    expect((memory as KernelMemory).buffer.byteLength).toBeGreaterThan(5000 * dim * 4 + PAGE_BYTES);
    expect(slots.vectors.subarray(0, 5000 * dim)).toEqual(data);
    const scanner = new KernelScanner(memory as KernelMemory, 4);
    const seen: number[] = [];
    const ran = await scanner.scan(
      { slots, queries: data.subarray(0, 2 * dim), rows: 2, expansion: true, mask: null, m: 3 },
      (row, candidates, _scores, n) => {
        expect(n).toBe(3);
        seen.push(row);
        // Each query is a stored key, so the key itself is among its best candidates.
        expect(Array.from(candidates.subarray(0, n))).toContain(row);
      },
    );
    expect(ran).toBe(true);
    expect(seen).toEqual([0, 1]);
    expect(scanner.state()).toMatchObject({ threads: 1, sharedMemory: false }); // no threads without shared memory
  });
});

// The int8 keys of `precision: 'int8'` (stride: the dimension rounded up to 16) and the int16
// keys of `screen: 'int16'` (rounded up to 8), both against int16 query codes.
const CODED_PATHS = [
  { fn: 'scanRowsI8', keyBytes: 1, pad: 16, keyRange: 254, queryRange: 60000 },
  // Codes within ±100: every partial sum is an integer below 2²⁴, so the kernel's float32 lane
  // sums are exact too and its scores equal one rounding of the exact sum.
  { fn: 'scanRowsI16', keyBytes: 2, pad: 32, keyRange: 200, queryRange: 200 },
] as const;

describe('the coded paths (int8 and int16 keys) of each kernel build this runtime runs', () => {
  // The relaxed build's coded paths are the SIMD build's code (they use no relaxed instruction);
  // Node 20 runs that build only with a flag, so it is checked here when the runtime validates it.
  const builds = KERNEL_BUILDS.filter((b) => WebAssembly.validate(unsharedBytes(b)));
  for (const [build, path] of builds.flatMap((b) => CODED_PATHS.map((p) => [b, p] as const))) {
    it(`${build.flavour} ${path.fn}: keeps each query's m best keys by (score, slot), scores exact from integer sums`, () => {
      const bytes = unsharedBytes(build);
      const memory = new WebAssembly.Memory({ initial: 32, maximum: 65536 });
      const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } })
        .exports as unknown as Record<typeof path.fn, (...args: number[]) => void>;
      for (const [seed, dim, count, rows, m, expansion, masked] of [
        [1, 5, 37, 3, 4, false, false],
        [2, 16, 50, 4, 7, true, true],
        [3, 33, 64, 5, 64, false, true],
        [4, 100, 41, 2, 10, true, false],
      ] as const) {
        const stride = Math.ceil(dim / path.pad) * path.pad;
        new Uint8Array(memory.buffer).fill(0); // padding codes must be zero, as the storage and the query coder write them
        const random = uniformNumbers(count * dim + rows * dim + count + rows, seed);
        const keysAt = 65536;
        const keyScalesAt = keysAt + (count + 4) * stride * path.keyBytes;
        const normsAt = keyScalesAt + (count + 4) * 4;
        const maskAt = normsAt + (count + 4) * 4;
        const queriesAt = maskAt + count + 16 - ((maskAt + count) % 16);
        const queryScalesAt = queriesAt + rows * stride * 2;
        const heapsAt = queryScalesAt + rows * 4 + 16;
        const keyCodes =
          path.keyBytes === 1
            ? new Int8Array(memory.buffer, keysAt, count * stride)
            : new Int16Array(memory.buffer, keysAt, count * stride);
        const keyScales = new Float32Array(memory.buffer, keyScalesAt, count);
        const norms = new Float32Array(memory.buffer, normsAt, count);
        const mask = new Uint8Array(memory.buffer, maskAt, count);
        const queryCodes = new Int16Array(memory.buffer, queriesAt, rows * stride);
        const queryScales = new Float32Array(memory.buffer, queryScalesAt, rows);
        for (let s = 0; s < count; s++) {
          keyScales[s] = 2 ** (Math.floor((random[count * dim + rows * dim + s] as number) * 8) - 6);
          for (let i = 0; i < dim; i++) {
            keyCodes[s * stride + i] = Math.round((random[s * dim + i] as number) * path.keyRange);
          }
          // Every sixth key repeats the one before it: equal scores, settled by slot.
          if (s % 6 === 5) {
            keyCodes.copyWithin(s * stride, (s - 1) * stride, s * stride);
            keyScales[s] = keyScales[s - 1] as number;
          }
          let n = 0;
          for (let i = 0; i < dim; i++) n += ((keyCodes[s * stride + i] as number) * (keyScales[s] as number)) ** 2;
          norms[s] = n;
          mask[s] = masked && s % 4 === 2 ? 0 : 1;
        }
        for (let r = 0; r < rows; r++) {
          queryScales[r] = 2 ** (Math.floor((random[count * dim + rows * dim + count + r] as number) * 8) - 10);
          for (let i = 0; i < dim; i++) {
            queryCodes[r * stride + i] = Math.round((random[count * dim + r * dim + i] as number) * path.queryRange);
          }
        }
        exports[path.fn](
          queriesAt,
          queryScalesAt,
          rows,
          stride,
          keysAt,
          keyScalesAt,
          count,
          expansion ? normsAt : 0,
          masked ? maskAt : 0,
          heapsAt,
          m,
          8,
          3,
        );
        const words = new Int32Array(memory.buffer, heapsAt, rows * (2 + 2 * m));
        const floats = new Float32Array(memory.buffer, heapsAt, rows * (2 + 2 * m));
        for (let r = 0; r < rows; r++) {
          const expected: Array<[number, number]> = [];
          for (let s = 0; s < count; s++) {
            if (masked && mask[s] === 0) continue;
            let sum = 0;
            for (let i = 0; i < dim; i++)
              sum += (queryCodes[r * stride + i] as number) * (keyCodes[s * stride + i] as number);
            // The integer sum is exact in float64; float32 rounds it once, as the kernel's conversion does, and the power-of-two scales multiply exactly.
            const dot = Math.fround(sum * (queryScales[r] as number) * (keyScales[s] as number));
            const score = expansion ? Math.fround((norms[s] as number) - Math.fround(dot + dot)) : -dot;
            expected.push([score, s]);
          }
          expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          const base = r * (2 + 2 * m);
          const got: Array<[number, number]> = [];
          for (let e = 0; e < (words[base] as number); e++)
            got.push([floats[base + 2 + 2 * e] as number, words[base + 3 + 2 * e] as number]);
          got.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          expect(got).toEqual(expected.slice(0, m));
        }
      }
    });
  }
});
