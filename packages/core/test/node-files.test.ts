import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimkitError } from '../src/index.js';

afterEach(() => {
  vi.doUnmock('node:fs/promises');
  vi.resetModules();
});

describe('nodeFiles', () => {
  it("gives Node's fs/promises and path, loaded once", async () => {
    const { nodeFiles } = await import('../src/node-files.js');
    const first = await nodeFiles();
    expect(typeof first.fs.readFile).toBe('function');
    expect(first.path.join('a', 'b')).toBe(['a', 'b'].join(first.path.sep));
    expect(await nodeFiles()).toBe(first);
  });

  it('fails with UNSUPPORTED, naming what is missing, where node:fs cannot load, and tries again next time', async () => {
    vi.doMock('node:fs/promises', () => {
      throw new Error('no file system here');
    });
    const { nodeFiles } = await import('../src/node-files.js');
    const error = await nodeFiles().catch((e: unknown) => e);
    expect(SimkitError.isInstance(error, 'UNSUPPORTED')).toBe(true);
    expect((error as Error).message).toMatch(/needs Node\.js \(node:fs/);
    vi.doUnmock('node:fs/promises');
    // The failure is not cached: once the module can load, the next call succeeds.
    const files = await nodeFiles();
    expect(typeof files.fs.writeFile).toBe('function');
  });
});
