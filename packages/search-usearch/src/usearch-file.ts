import { SimkitError } from '@simkit/core';
import type { UsearchQuantization } from './usearch-options.js';

/**
 * The layout of an index file written by usearch 2.x (`index_dense_gt::save`), checked here
 * before the native code reads or maps it, so that a damaged or hostile file is refused with
 * CORRUPT_INDEX instead of making native code read outside its memory:
 *
 * - the vectors: `u32 rows, u32 bytesPerVector`, then `rows × bytesPerVector` bytes;
 * - a 64-byte head: magic `usearch`, `u16` major/minor/patch, `u8` metric, scalar, key and
 *   slot kinds, `u64` present count, deleted count and dimensions, `u8` multi, zero padding;
 * - the graph: `u64` size, connectivity, base connectivity, top level and entry slot; then a
 *   `i16` level per node; then each node: `u64` key, `i16` level, and for each of its levels
 *   a neighbour list `u32 count` + room for `2M` (level 0) or `M` (upper levels) `u32` slots.
 *
 * Removed vectors keep their slot with the key 2⁶⁴ − 1 until a later add reuses it.
 */

/** What the file must hold, from this package's manifest. */
export interface ExpectedIndexFile {
  readonly metric: UsearchMetric;
  readonly quantization: Quantization;
  readonly dim: number;
  readonly M: number;
  /** Number of live vectors. */
  readonly count: number;
}

/** What a checked file holds. */
export interface IndexFileSummary {
  /** Slots in the graph, live and removed. */
  readonly slots: number;
  /** Live vectors. */
  readonly count: number;
  readonly topLevel: number;
}

export type UsearchMetric = 'cos' | 'l2sq' | 'ip';
export type Quantization = UsearchQuantization;

const METRIC_CODES: Readonly<Record<UsearchMetric, number>> = { cos: 0x63, l2sq: 0x65, ip: 0x69 };
const SCALAR_CODES: Readonly<Record<Quantization, number>> = { f32: 11, f16: 12, i8: 23 };
const BYTES_PER_SCALAR: Readonly<Record<Quantization, number>> = { f32: 4, f16: 2, i8: 1 };
const KEY_KIND_U64 = 14;
const SLOT_KIND_U32 = 15;
const MAJOR_VERSION = 2;
const HEAD_BYTES = 64;
const GRAPH_HEADER_BYTES = 40;
const NODE_HEAD_BYTES = 10;
/** Levels are drawn with probability M^-level; nothing real comes near this. */
const MAX_LEVEL = 64;
const INT32_MAX = 0x7fffffff;
const FREE_KEY_HALF = 0xffffffff;

/** Bytes one stored vector takes. */
export function bytesPerVector(dim: number, quantization: Quantization): number {
  return dim * BYTES_PER_SCALAR[quantization];
}

type Need = number;

/**
 * Checks an index file fed in chunks, in order (`push`), then `finish()`. Throws CORRUPT_INDEX
 * (built by `damaged`) at the first problem. Memory: 2 bytes per slot for the levels and 4
 * per live vector for the key check; vector bytes are skipped, never held.
 */
export class IndexFileChecker {
  private readonly steps: Generator<Need, IndexFileSummary, Uint8Array>;
  private need: Need;
  /** Bytes gathered towards the current need when it spans chunks. */
  private carry: Uint8Array | null = null;
  private carried = 0;
  private summary: IndexFileSummary | null = null;

  constructor(
    private readonly expected: ExpectedIndexFile,
    private readonly damaged: (problem: string) => SimkitError,
  ) {
    this.steps = this.parse();
    this.need = this.advance(new Uint8Array(0), true);
  }

  /** Feeds the next bytes of the file. */
  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.summary !== null) throw this.damaged('it has bytes after the end of the graph');
      const need = this.need;
      if (need < 0) {
        // A skip: vector bytes are not looked at.
        const take = Math.min(-need, chunk.length - at);
        at += take;
        this.need = need + take === 0 ? this.advance(new Uint8Array(0)) : need + take;
        continue;
      }
      if (this.carry === null && chunk.length - at >= need) {
        const piece = chunk.subarray(at, at + need);
        at += need;
        this.need = this.advance(piece);
        continue;
      }
      if (this.carry === null) {
        this.carry = new Uint8Array(need);
        this.carried = 0;
      }
      const take = Math.min(need - this.carried, chunk.length - at);
      this.carry.set(chunk.subarray(at, at + take), this.carried);
      this.carried += take;
      at += take;
      if (this.carried === need) {
        const piece = this.carry;
        this.carry = null;
        this.need = this.advance(piece);
      }
    }
  }

  /** The file ended: returns what it holds, or throws when it ended early. */
  finish(): IndexFileSummary {
    if (this.summary === null) throw this.damaged('it ends before its graph does (truncated)');
    return this.summary;
  }

  private advance(piece: Uint8Array, first = false): Need {
    const step = first ? this.steps.next() : this.steps.next(piece);
    if (step.done === true) {
      this.summary = step.value;
      return 0;
    }
    return step.value;
  }

  /** The parser: yields how many bytes it needs next (negative: bytes to skip), receives them. */
  private *parse(): Generator<Need, IndexFileSummary, Uint8Array> {
    const { expected, damaged } = this;
    const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
    /** A u64 that must fit a safe integer. */
    const u64 = (v: DataView, at: number, what: string): number => {
      const high = v.getUint32(at + 4, true);
      if (high >= 0x200000) throw damaged(`its ${what} is out of range`);
      return high * 2 ** 32 + v.getUint32(at, true);
    };

    // The vectors.
    const dims = view(yield 8);
    const rows = dims.getUint32(0, true);
    const rowBytes = dims.getUint32(4, true);
    const wantRowBytes = bytesPerVector(expected.dim, expected.quantization);
    if (rowBytes !== wantRowBytes) {
      throw damaged(`its vectors take ${rowBytes} bytes each, not the ${wantRowBytes} of its manifest`);
    }
    if (rows < expected.count || rows > INT32_MAX) {
      throw damaged(`it has ${rows} vector slots for ${expected.count} vectors`);
    }
    // Skip in pieces below 2³¹ so the counter stays a small integer.
    let skip = rows * rowBytes;
    while (skip > 0) {
      const piece = Math.min(skip, 2 ** 30);
      yield -piece;
      skip -= piece;
    }

    // The head.
    const headBytes = yield HEAD_BYTES;
    const head = view(headBytes);
    const magic = String.fromCharCode(...headBytes.subarray(0, 7));
    if (magic !== 'usearch') throw damaged('its head is not a usearch index head');
    if (head.getUint16(7, true) !== MAJOR_VERSION) {
      throw damaged(`it was written by usearch ${head.getUint16(7, true)}.x, not ${MAJOR_VERSION}.x`);
    }
    if (headBytes[13] !== METRIC_CODES[expected.metric] || headBytes[14] !== SCALAR_CODES[expected.quantization]) {
      throw damaged(
        `its metric or storage type is not the '${expected.metric}' / ${expected.quantization} of its manifest`,
      );
    }
    if (headBytes[15] !== KEY_KIND_U64 || headBytes[16] !== SLOT_KIND_U32) {
      throw damaged('its key or slot type is not the u64 / u32 this package writes');
    }
    const present = u64(head, 17, 'present count');
    const deleted = u64(head, 25, 'deleted count');
    const dimensions = u64(head, 33, 'dimensions');
    if (present !== expected.count || present + deleted !== rows) {
      throw damaged(
        `its head counts ${present} + ${deleted} vectors, not the ${expected.count} of ${rows} slots expected`,
      );
    }
    if (dimensions !== expected.dim) throw damaged(`its head says dimension ${dimensions}, not ${expected.dim}`);
    if (headBytes[41] !== 0) throw damaged('it allows several vectors per key, which this package never writes');

    // The graph header.
    const graph = view(yield GRAPH_HEADER_BYTES);
    const slots = u64(graph, 0, 'graph size');
    const connectivity = u64(graph, 8, 'connectivity');
    const base = u64(graph, 16, 'base connectivity');
    const topLevel = u64(graph, 24, 'top level');
    const entry = u64(graph, 32, 'entry slot');
    if (slots !== rows) throw damaged(`its graph has ${slots} nodes for ${rows} vectors`);
    if (connectivity !== expected.M || base !== 2 * expected.M) {
      throw damaged(`its graph links ${connectivity} / ${base} neighbours, not the M = ${expected.M} of its manifest`);
    }
    if (slots === 0) return { slots: 0, count: 0, topLevel: 0 };
    if (topLevel > MAX_LEVEL || entry >= slots) throw damaged('its graph header is out of range');

    // The level of every node.
    const levelBytes = yield slots * 2;
    const levels = new Int16Array(slots);
    const lv = view(levelBytes);
    for (let i = 0; i < slots; i++) {
      const level = lv.getInt16(i * 2, true);
      if (level < 0 || level > topLevel) throw damaged(`node ${i} has level ${level}, outside 0 … ${topLevel}`);
      levels[i] = level;
    }
    if (levels[entry] !== topLevel) throw damaged('its entry node is not on the top level');

    // The nodes: key, level, then a neighbour list per level, every neighbour a node that has that level.
    const M = expected.M;
    const keys = new Int32Array(present);
    let live = 0;
    for (let i = 0; i < slots; i++) {
      const level = levels[i] as number;
      const bytes = NODE_HEAD_BYTES + (4 + 2 * M * 4) + level * (4 + M * 4);
      const node = view(yield bytes);
      const keyLow = node.getUint32(0, true);
      const keyHigh = node.getUint32(4, true);
      if (node.getInt16(8, true) !== level) throw damaged(`node ${i} does not have the level listed for it`);
      if (keyHigh === FREE_KEY_HALF && keyLow === FREE_KEY_HALF) {
        // A removed vector's slot.
      } else if (keyHigh !== 0 || keyLow > INT32_MAX || live === present) {
        throw damaged(`node ${i} has a key that no saved id can have`);
      } else {
        keys[live++] = keyLow;
      }
      let at = NODE_HEAD_BYTES;
      for (let l = 0; l <= level; l++) {
        const room = l === 0 ? 2 * M : M;
        const count = node.getUint32(at, true);
        if (count > room) throw damaged(`node ${i} lists ${count} neighbours at level ${l}, more than its ${room}`);
        for (let j = 0; j < count; j++) {
          const slot = node.getUint32(at + 4 + j * 4, true);
          if (slot >= slots || (levels[slot] as number) < l) {
            throw damaged(`node ${i} links to a node that does not exist at level ${l}`);
          }
        }
        at += 4 + room * 4;
      }
    }
    if (live !== present) throw damaged(`its graph holds ${live} live vectors, its head says ${present}`);
    keys.sort();
    for (let i = 1; i < keys.length; i++) {
      if (keys[i] === keys[i - 1]) throw damaged(`id ${keys[i]} appears twice`);
    }
    return { slots, count: present, topLevel };
  }
}

/** Checks a whole file held in memory (tests, small indexes). */
export function checkIndexFile(
  bytes: Uint8Array,
  expected: ExpectedIndexFile,
  damaged: (problem: string) => SimkitError,
): IndexFileSummary {
  const checker = new IndexFileChecker(expected, damaged);
  checker.push(bytes);
  return checker.finish();
}

/** The default error for a damaged file. */
export function damagedFile(source: string): (problem: string) => SimkitError {
  return (problem) =>
    new SimkitError('CORRUPT_INDEX', `The usearch index in ${source} is damaged (${problem}); save it again.`, {
      details: { source },
    });
}
