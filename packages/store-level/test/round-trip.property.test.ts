import { batch } from '@simkit/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LevelStore } from '../src/index.js';
import { all, freshDir } from './helpers.js';

const bytes = (f: Float32Array) => Array.from(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));

describe('LevelStore round trip (property)', () => {
  let store: LevelStore;
  beforeAll(async () => {
    store = await LevelStore.open(await freshDir());
  });
  afterAll(async () => {
    await store.close();
  });

  it('gives back every random record as added, by get and by entries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }).chain((dim) =>
          fc.array(
            fc.record({
              embedding: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), {
                minLength: dim,
                maxLength: dim,
              }),
              label: fc.option(fc.integer({ min: -0x7fffffff, max: 0x7fffffff }), { nil: null }),
              data: fc.option(fc.jsonValue(), { nil: null }),
            }),
            { minLength: 1, maxLength: 25 },
          ),
        ),
        async (rows) => {
          await store.reset();
          const dim = rows[0]?.embedding.length ?? 1;
          const ids = await store.add(
            batch(Float32Array.from(rows.flatMap((r) => r.embedding)), dim),
            rows.map((r) => r.label),
            rows.map((r) => r.data),
          );
          expect(Array.from(ids)).toEqual(rows.map((_, i) => i));
          const asked = Array.from(ids).reverse();
          const got = await store.get(asked);
          const listed = await all(store);
          expect(listed.map((r) => r.id)).toEqual(Array.from(ids));
          for (const [k, id] of asked.entries()) {
            const want = rows[id];
            for (const r of [got[k], listed[id]]) {
              expect(r?.id).toBe(id);
              // Bytes, so −0 and every float bit pattern must survive.
              expect(bytes(r?.embedding ?? new Float32Array(0))).toEqual(
                bytes(Float32Array.from(want?.embedding ?? [])),
              );
              expect(r?.label).toBe(want?.label);
              // Data travels as JSON.
              expect(r?.data).toEqual(want?.data === null ? null : JSON.parse(JSON.stringify(want?.data)));
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
