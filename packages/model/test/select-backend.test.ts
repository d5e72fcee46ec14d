import { expectCode } from '@simkit/core/testing';
import { getBackend } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BACKEND_ORDER, currentBackend, selectBackend } from '../src/index.js';

function recorder() {
  const lines: Array<{ level: string; message: string }> = [];
  return { lines, logger: { log: (level: string, message: string) => lines.push({ level, message }) } };
}

describe('selectBackend', () => {
  it('tries tensorflow → wasm → cpu by default', () => {
    expect(BACKEND_ORDER).toEqual(['tensorflow', 'wasm', 'cpu']);
  });

  it('uses the preferred backend and reports its name', async () => {
    const { lines, logger } = recorder();
    expect(await selectBackend({ prefer: 'cpu', logger })).toBe('cpu');
    expect(getBackend()).toBe('cpu');
    expect(currentBackend()).toBe('cpu');
    expect(lines).toContainEqual({ level: 'info', message: "Using the TensorFlow.js 'cpu' backend." });
  });

  it('falls back in order when a backend cannot be imported, saying why at debug level', async () => {
    const { lines, logger } = recorder();
    const tried: string[] = [];
    const importer = async (backend: string) => {
      tried.push(backend);
      if (backend !== 'cpu') throw new Error(`no ${backend} here`);
      return import('@tensorflow/tfjs-backend-cpu');
    };
    expect(await selectBackend({ logger, importer })).toBe('cpu');
    expect(tried).toEqual(['tensorflow', 'wasm', 'cpu']);
    expect(lines.filter((l) => l.level === 'debug').map((l) => l.message)).toEqual([
      "TensorFlow.js backend 'tensorflow' is not available (@tensorflow/tfjs-node): no tensorflow here",
      "TensorFlow.js backend 'wasm' is not available (@tensorflow/tfjs-backend-wasm): no wasm here",
    ]);
  });

  it('UNSUPPORTED when no backend starts; INVALID_ARGUMENT for an unknown preference', async () => {
    const err = await expectCode(
      () =>
        selectBackend({
          importer: async () => {
            throw new Error('missing');
          },
        }),
      'UNSUPPORTED',
    );
    expect(err.message).toContain('@tensorflow/tfjs-backend-wasm');
    await expectCode(() => selectBackend({ prefer: 'webgl' as never }), 'INVALID_ARGUMENT');
  });
});
