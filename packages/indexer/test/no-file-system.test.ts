import { SimkitError } from '@simkit/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Where there is no file system (a browser), the node: modules cannot load. The indexer
// must still load, index, look up and calibrate; only save/load fail, with UNSUPPORTED.
afterEach(() => {
  vi.doUnmock('node:fs/promises');
  vi.resetModules();
});

describe('Indexer without a file system', () => {
  it('indexes and looks up in memory, and fails save/load with UNSUPPORTED', async () => {
    vi.resetModules();
    vi.doMock('node:fs/promises', () => {
      throw new Error('no file system here');
    });
    const { Indexer } = await import('../src/index.js');
    const ix = new Indexer({ embeddingSize: 2, distance: 'euclidean' });
    await ix.batchAdd(
      [
        [0, 0],
        [3, 4],
      ],
      [1, 2],
    );
    const [nearest] = await ix.singleLookup([2.5, 3], 1);
    // (2.5, 3) is √(0.25 + 1) ≈ 1.118 from (3, 4) and √(6.25 + 9) ≈ 3.905 from (0, 0).
    expect(nearest?.label).toBe(2);
    expect(nearest?.distance).toBeCloseTo(Math.sqrt(1.25), 5);

    const saveError = await ix.save('/tmp/anywhere').catch((e: unknown) => e);
    expect(SimkitError.isInstance(saveError, 'UNSUPPORTED')).toBe(true);
    expect((saveError as Error).message).toMatch(/needs Node\.js/);
    const loadError = await Indexer.load('/tmp/anywhere').catch((e: unknown) => e);
    expect(SimkitError.isInstance(loadError, 'UNSUPPORTED')).toBe(true);
  });
});
