import { type LogLevel, batch, randomVectors } from '@simkit/core';
import { withTempDir } from '@simkit/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HnswSearch } from '../src/index.js';

describe('HnswSearch and the console', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('routes hnswlib-wasm chatter to the logger and lets other console output through', async () => {
    const printed: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args));
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void printed.push(args));
    const logged: Array<[LogLevel, string]> = [];
    const logger = {
      log: (level: LogLevel, message: string) => {
        // The first chatter arrives while the console is diverted: other output must still get through.
        // biome-ignore lint/suspicious/noConsole: stands for application output; the spy keeps it off the terminal
        if (logged.length === 0) console.log('application output while hnswlib-wasm loads');
        logged.push([level, message]);
      },
    };

    // This is the first use of the wasm module in this file: loading, saving and loading all happen here.
    const s = new HnswSearch({ distance: 'euclidean', dim: 4, logger });
    await s.add([0, 1, 2], batch(randomVectors(3, 4, 1), 4));
    await withTempDir(async (dir) => {
      await s.save(dir);
      await new HnswSearch({ distance: 'euclidean', logger }).load(dir);
    });

    expect(printed).toEqual([['application output while hnswlib-wasm loads']]);
    expect(logged.some(([level, m]) => level === 'debug' && m === 'hnswlib-wasm: b. jsFS synced successfully')).toBe(
      true,
    );
    expect(logged.some(([, m]) => m.startsWith('hnswlib-wasm: EmscriptenFileSystemManager: Mounting IDBFS'))).toBe(
      true,
    );
    // Once done, the console is the one the application installed.
    // biome-ignore lint/suspicious/noConsole: stands for application output; the spy keeps it off the terminal
    console.log('after');
    expect(printed).toHaveLength(2);
  });

  it('leaves no window global behind in Node', async () => {
    const s = new HnswSearch({ distance: 'cosine', dim: 2 });
    await s.add([0], batch(Float32Array.from([1, 0]), 2));
    expect('window' in globalThis).toBe(false);
    expect(typeof indexedDB).toBe('object');
  });
});
