import { SimkitError } from '@simkit/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The main entry must not load tfjs-core: indexing and search work without it installed.
afterEach(() => {
  vi.doUnmock('@tensorflow/tfjs-core');
  vi.resetModules();
});

describe('@simkit/distances without @simkit/distances/tensor', () => {
  it('loads and computes without tfjs-core, and pairwise says which module to import', async () => {
    vi.resetModules();
    vi.doMock('@tensorflow/tfjs-core', () => {
      throw new Error('tfjs-core must not be loaded by the main entry');
    });
    const { resolveDistance } = await import('../src/index.js');
    const euclidean = resolveDistance('euclidean');
    // (0,0)–(3,4) = 5; (0,0)–(1,0) = 1.
    expect(Array.from(euclidean.batch(Float32Array.from([0, 0]), Float32Array.from([3, 4, 1, 0]), 2))).toEqual([5, 1]);
    let error: unknown;
    try {
      euclidean.pairwise({} as never, {} as never);
    } catch (e) {
      error = e;
    }
    expect(SimkitError.isInstance(error, 'MISSING_COMPONENT')).toBe(true);
    expect((error as Error).message).toContain("import '@simkit/distances/tensor'");
  });
});
