import { SimkitError } from '@simkit/core';

/**
 * Reads and checks the bytes of hnswlib's `saveIndex` format as written by the 32-bit wasm build
 * (size_t and labels are 4 bytes, little-endian). hnswlib trusts every size and offset in the
 * file, so a damaged file could make it allocate or read out of bounds and abort the wasm
 * runtime; every field that steers its reads is checked here first.
 *
 * Layout: a 56-byte header (offsetLevel0, maxElements, count, sizeDataPerElement, labelOffset,
 * offsetData, maxLevel, entryPoint, maxM, maxM0, M as u32/i32, mult as f64, efConstruction as
 * u32), then `count` level-0 records (u16 link count, u8 flags with bit 0 = deleted, u8 unused,
 * maxM0 u32 links, the vector, the u32 label), then for each element a u32 byte size of its
 * upper-level links followed by that many bytes (per level: u16 count, 2 unused bytes, maxM u32 links).
 */

export const HEADER_BYTES = 56;
/** Highest level a graph may have (hnswlib draws ⌊−ln U / ln M⌋, far below this). */
export const MAX_LEVEL = 128;

/** What a checked graph holds, for the caller's bookkeeping. */
export interface GraphSummary {
  /** Elements in the graph, deleted ones included. */
  readonly elements: number;
  /** Capacity recorded in the file. */
  readonly maxElements: number;
  readonly M: number;
  readonly efConstruction: number;
  /** Labels of live elements, in graph order. */
  readonly live: Int32Array;
  /** Labels of elements marked deleted, in graph order. */
  readonly deleted: Int32Array;
}

function corrupt(what: string): SimkitError {
  return new SimkitError(
    'CORRUPT_INDEX',
    `The HNSW graph file is damaged or not from this package (${what}); save the index again from its source.`,
  );
}

/** Parses `bytes` as a graph of `dim`-dimensional vectors; throws CORRUPT_INDEX on anything inconsistent. */
export function readGraph(bytes: Uint8Array, dim: number): GraphSummary {
  if (bytes.length < HEADER_BYTES)
    throw corrupt(`${bytes.length} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (offset: number) => view.getUint32(offset, true);
  const offsetLevel0 = u32(0);
  const maxElements = u32(4);
  const elements = u32(8);
  const sizePerElement = u32(12);
  const labelOffset = u32(16);
  const offsetData = u32(20);
  const maxLevel = view.getInt32(24, true);
  const entryPoint = u32(28);
  const maxM = u32(32);
  const maxM0 = u32(36);
  const M = u32(40);
  const mult = view.getFloat64(44, true);
  const efConstruction = u32(52);

  if (offsetLevel0 !== 0) throw corrupt(`level-0 offset ${offsetLevel0} should be 0`);
  if (M < 2 || M > 0x7fff || maxM !== M || maxM0 !== 2 * M)
    throw corrupt(`link sizes M=${M}, maxM=${maxM}, maxM0=${maxM0}`);
  const expectedMult = 1 / Math.log(M);
  if (!(Math.abs(mult - expectedMult) <= 1e-9 * expectedMult))
    throw corrupt(`level multiplier ${mult} does not match M=${M}`);
  if (efConstruction < M) throw corrupt(`efConstruction ${efConstruction} is below M=${M}`);
  const links0Bytes = maxM0 * 4 + 4;
  if (offsetData !== links0Bytes || labelOffset !== offsetData + dim * 4 || sizePerElement !== labelOffset + 4) {
    throw corrupt(`record layout does not fit vectors of dimension ${dim}`);
  }
  if (elements > maxElements) throw corrupt(`${elements} elements exceed the recorded capacity ${maxElements}`);
  if (elements === 0) {
    if (bytes.length !== HEADER_BYTES) throw corrupt('an empty graph has trailing bytes');
    return { elements, maxElements, M, efConstruction, live: new Int32Array(0), deleted: new Int32Array(0) };
  }
  if (maxLevel < 0 || maxLevel > MAX_LEVEL) throw corrupt(`top level ${maxLevel}`);
  if (entryPoint >= elements) throw corrupt(`entry point ${entryPoint} of ${elements} elements`);
  const level0End = HEADER_BYTES + elements * sizePerElement;
  if (level0End > bytes.length)
    throw corrupt(`the file is truncated (${bytes.length} bytes, level 0 alone needs ${level0End})`);

  // Pass 1: level of every element from the sizes of its upper-level link lists.
  const upperBytes = maxM * 4 + 4;
  const levels = new Uint8Array(elements);
  const upperStart = new Float64Array(elements);
  let pos = level0End;
  for (let i = 0; i < elements; i++) {
    if (pos + 4 > bytes.length) throw corrupt(`the file is truncated in the links of element ${i}`);
    const size = u32(pos);
    pos += 4;
    if (size % upperBytes !== 0) throw corrupt(`link block of element ${i} has ${size} bytes`);
    const level = size / upperBytes;
    if (level > maxLevel) throw corrupt(`element ${i} is on level ${level}, above the top level ${maxLevel}`);
    if (pos + size > bytes.length) throw corrupt(`the file is truncated in the links of element ${i}`);
    levels[i] = level;
    upperStart[i] = pos;
    pos += size;
  }
  if (pos !== bytes.length) throw corrupt(`${bytes.length - pos} unexpected trailing bytes`);
  if (levels[entryPoint] !== maxLevel) throw corrupt('the entry point is not on the top level');

  // Pass 2: every link points at an element that exists on that level; labels are unique ids.
  const seen = new Set<number>();
  const live: number[] = [];
  const deleted: number[] = [];
  for (let i = 0; i < elements; i++) {
    const base = HEADER_BYTES + i * sizePerElement;
    checkLinks(view, base, maxM0, elements, levels, 0, i);
    for (let level = 1; level <= (levels[i] as number); level++) {
      checkLinks(view, (upperStart[i] as number) + (level - 1) * upperBytes, maxM, elements, levels, level, i);
    }
    const label = u32(base + labelOffset);
    if (label > 0x7fffffff) throw corrupt(`element ${i} has label ${label}, not a valid id`);
    if (seen.has(label)) throw corrupt(`label ${label} appears twice`);
    seen.add(label);
    if ((view.getUint8(base + 2) & 1) === 1) deleted.push(label);
    else live.push(label);
  }
  return { elements, maxElements, M, efConstruction, live: Int32Array.from(live), deleted: Int32Array.from(deleted) };
}

function checkLinks(
  view: DataView,
  offset: number,
  maxLinks: number,
  elements: number,
  levels: Uint8Array,
  level: number,
  element: number,
): void {
  const count = view.getUint16(offset, true);
  if (count > maxLinks) throw corrupt(`element ${element} has ${count} links on level ${level}, more than ${maxLinks}`);
  for (let j = 0; j < count; j++) {
    const target = view.getUint32(offset + 4 + 4 * j, true);
    if (target >= elements || (levels[target] as number) < level) {
      throw corrupt(`element ${element} links to missing element ${target} on level ${level}`);
    }
  }
}
