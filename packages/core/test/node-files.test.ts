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

describe('the browser build of the Node built-ins', () => {
  it('makes nodeFiles and nodeCrypto fail with UNSUPPORTED (package.json "browser" swaps the module)', async () => {
    const pkg = (await import('../package.json', { with: { type: 'json' } })).default as {
      browser: Record<string, string>;
    };
    expect(pkg.browser).toEqual({ './dist/node-builtins.js': './dist/node-builtins-browser.js' });
    vi.doMock('../src/node-builtins.js', () => import('../src/node-builtins-browser.js'));
    const { nodeCrypto, nodeFiles } = await import('../src/node-files.js');
    for (const call of [nodeFiles, nodeCrypto]) {
      const error = await call().catch((e: unknown) => e);
      expect(SimkitError.isInstance(error, 'UNSUPPORTED')).toBe(true);
      expect((error as Error).message).toMatch(/In a browser/);
    }
    vi.doUnmock('../src/node-builtins.js');
  });

  it('keeps the file modules out of the main entry: they live at @simkit/core/node', async () => {
    const main = await import('../src/index.js');
    expect('nodeFiles' in main).toBe(false);
    const node = await import('../src/node.js');
    expect(typeof node.nodeFiles).toBe('function');
    expect(typeof node.nodeCrypto).toBe('function');
  });
});
