import { SimkitError, batch } from '@simkit/core';
import { expectCode, withTempDir } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { readGraph } from '../src/graph-file.js';
import { HnswSearch } from '../src/index.js';
import { writeCrafted } from './saves.js';

/**
 * A hand-made graph in hnswlib's wasm32 format: M = 2, dim = 1, two elements on level 0.
 * Level-0 links take maxM0·4 + 4 = 2·2·4 + 4 = 20 bytes, then the vector (4), then the label (4):
 * 28 bytes per element. File = 56 (header) + 2·28 (level 0) + 2·4 (no upper links) = 120 bytes.
 * Element 0: one link → 1, vector 0.5, label 7. Element 1: one link → 0, marked deleted, vector 1.5, label 9.
 */
function tinyGraph(): Uint8Array {
  const bytes = new Uint8Array(120);
  const v = new DataView(bytes.buffer);
  const u32 = (offset: number, value: number) => v.setUint32(offset, value, true);
  u32(0, 0); // offsetLevel0
  u32(4, 4); // maxElements
  u32(8, 2); // elements
  u32(12, 28); // size per element
  u32(16, 24); // label offset = 20 + 4
  u32(20, 20); // data offset
  v.setInt32(24, 0, true); // top level
  u32(28, 0); // entry point
  u32(32, 2); // maxM
  u32(36, 4); // maxM0
  u32(40, 2); // M
  v.setFloat64(44, 1 / Math.log(2), true); // level multiplier 1/ln M
  u32(52, 200); // efConstruction
  for (const [i, link, deleted, value, label] of [
    [0, 1, 0, 0.5, 7],
    [1, 0, 1, 1.5, 9],
  ] as const) {
    const base = 56 + i * 28;
    v.setUint16(base, 1, true);
    v.setUint8(base + 2, deleted);
    u32(base + 4, link);
    v.setFloat32(base + 20, value, true);
    u32(base + 24, label);
  }
  // Upper-level link sizes (0 = level 0 only) at 112 and 116 stay 0.
  return bytes;
}

function patched(edit: (v: DataView, bytes: Uint8Array) => Uint8Array | undefined): Uint8Array {
  const bytes = tinyGraph();
  return edit(new DataView(bytes.buffer), bytes) ?? bytes;
}

describe('the hnswlib graph file check', () => {
  it('reads a well-formed graph', () => {
    const g = readGraph(tinyGraph(), 1);
    expect(g.elements).toBe(2);
    expect(g.maxElements).toBe(4);
    expect(g.M).toBe(2);
    expect(g.efConstruction).toBe(200);
    expect(Array.from(g.live)).toEqual([7]);
    expect(Array.from(g.deleted)).toEqual([9]);
  });

  it('loads the hand-made graph into wasm exactly as described', async () => {
    const graph = tinyGraph();
    await withTempDir(async (dir) => {
      const manifest = {
        format: 'simkit-hnsw-search',
        version: 1,
        distance: 'euclidean',
        space: 'l2',
        dim: 1,
        M: 2,
        efConstruction: 200,
        efSearch: 50,
        count: 1,
        elements: 2,
        capacity: 4,
        deleted: [9],
        graph: { file: 'hnsw-graph.bin', bytes: graph.length },
      };
      // Committed through core's writeSave, as save() would.
      await writeCrafted(dir, manifest, graph);
      const s = new HnswSearch({ distance: 'euclidean' });
      await s.load(dir);
      expect(s.size()).toBe(1);
      expect(s.dim).toBe(1);
      expect(s.M).toBe(2);
      // From 1.4 the live element (label 7 at 0.5) is 0.9 away; label 9 is deleted.
      const [r] = await s.lookup(batch(Float32Array.from([1.4]), 1), 5);
      expect(Array.from(r?.ids ?? [])).toEqual([7]);
      expect(r?.distances[0]).toBeCloseTo(0.9, 6);
      // Re-adding the deleted label 9 revives it with its new vector.
      await s.add([9], batch(Float32Array.from([1.4]), 1));
      const [again] = await s.lookup(batch(Float32Array.from([1.4]), 1), 1);
      expect(Array.from(again?.ids ?? [])).toEqual([9]);
    });
  });

  const damage: Array<[string, (v: DataView, bytes: Uint8Array) => Uint8Array | undefined]> = [
    ['shorter than a header', (_, b) => b.slice(0, 40)],
    ['truncated level 0', (_, b) => b.slice(0, 100)],
    ['truncated links', (_, b) => b.slice(0, 114)],
    ['a trailing byte', (_, b) => Uint8Array.from([...b, 0])],
    ['a level-0 offset', (v) => void v.setUint32(0, 4, true)],
    ['more elements than capacity', (v) => void v.setUint32(4, 1, true)],
    ['a record size for another dimension', (v) => void v.setUint32(12, 32, true)],
    ['maxM0 that is not 2·M', (v) => void v.setUint32(36, 6, true)],
    ['M of 1', (v) => void v.setUint32(40, 1, true)],
    ['a level multiplier that does not fit M', (v) => void v.setFloat64(44, 5, true)],
    ['efConstruction below M', (v) => void v.setUint32(52, 1, true)],
    ['an entry point outside the graph', (v) => void v.setUint32(28, 2, true)],
    ['a negative top level', (v) => void v.setInt32(24, -1, true)],
    ['a top level without elements on it', (v) => void v.setInt32(24, 1, true)],
    ['more links than maxM0', (v) => void v.setUint16(56, 5, true)],
    ['a link to a missing element', (v) => void v.setUint32(60, 2, true)],
    ['a link block that is not whole levels', (v) => void v.setUint32(112, 3, true)],
    ['a label used twice', (v) => void v.setUint32(56 + 28 + 24, 7, true)],
    ['a label that is not an id', (v) => void v.setUint32(56 + 24, 0x80000000, true)],
  ];
  for (const [what, edit] of damage) {
    it(`rejects ${what} with CORRUPT_INDEX`, async () => {
      await expectCode(() => readGraph(patched(edit), 1), 'CORRUPT_INDEX');
    });
  }

  it('rejects a graph read with the wrong dimension', async () => {
    const e = await expectCode(() => readGraph(tinyGraph(), 2), 'CORRUPT_INDEX');
    expect(SimkitError.isInstance(e)).toBe(true);
    expect(e.message).toContain('dimension 2');
  });
});
