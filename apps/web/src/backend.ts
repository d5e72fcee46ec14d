// Starts a TensorFlow.js backend in the browser: WebAssembly first, then WebGL (GPU), then the
// plain JavaScript CPU backend. `?backend=webgl` (or wasm, cpu) moves one to the front.
//
// WebAssembly comes first because the app embeds one 28 × 28 digit at a time: a small workload,
// where WebGL's per-query upload, shader dispatch and read-back cost more than the arithmetic
// (apps/web README, "Numbers").
import '@tensorflow/tfjs-backend-cpu';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '@simkit/model';
import { getBackend, ready, setBackend } from '@tensorflow/tfjs-core';

/** The backends this app bundles. */
export const WEB_BACKENDS = ['wasm', 'webgl', 'cpu'] as const;
export type WebBackend = (typeof WEB_BACKENDS)[number];

/** Reads `?backend=` from the page URL; undefined when absent or not one of WEB_BACKENDS. */
export function requestedBackend(search: string): WebBackend | undefined {
  const value = new URLSearchParams(search).get('backend');
  return WEB_BACKENDS.find((b) => b === value);
}

async function tryWebgl(): Promise<boolean> {
  // Without a WebGL context tfjs would log an error while failing; look first.
  const probe = document.createElement('canvas');
  if (probe.getContext('webgl2') === null && probe.getContext('webgl') === null) return false;
  try {
    // Loaded only when it is used: a separate chunk of the bundle (about a sixth of it).
    await import('@tensorflow/tfjs-backend-webgl');
    if (!(await setBackend('webgl'))) return false;
    await ready();
    return getBackend() === 'webgl';
  } catch {
    return false;
  }
}

/**
 * Starts the first backend that works, in the order wasm → webgl → cpu with `preferred` moved to
 * the front, and returns its name. The wasm backend's `.wasm` files are fetched from `wasmPath`.
 */
export async function startBackend(preferred: WebBackend | undefined, wasmPath: string): Promise<WebBackend> {
  const order = preferred === undefined ? WEB_BACKENDS : [preferred, ...WEB_BACKENDS.filter((b) => b !== preferred)];
  for (const backend of order) {
    if (backend === 'webgl') {
      if (await tryWebgl()) return 'webgl';
      continue;
    }
    try {
      // The bundle registered both backends; selectBackend sets the wasm path and starts one.
      const started = await selectBackend({
        prefer: backend,
        wasmPaths: wasmPath,
        importer: async (name) => {
          if (name === 'wasm') return wasm;
          if (name === 'cpu') return undefined;
          throw new Error('not bundled');
        },
      });
      if (started === 'wasm' || started === 'cpu') return started;
    } catch {
      // try the next one
    }
  }
  throw new Error('No TensorFlow.js backend could start in this browser.');
}
