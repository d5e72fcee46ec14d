import { type Logger, SimkitError, describe, silentLogger } from '@simkit/core';
import { getBackend, ready, setBackend } from '@tensorflow/tfjs-core';
import { registerWasmConvGradients } from './wasm-conv-gradients.js';

/** The TensorFlow.js backends simkit knows how to start, fastest first. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_ORDER: readonly BackendName[] = Object.freeze(['tensorflow', 'wasm', 'cpu']);

/** The npm package that provides each backend. */
export const BACKEND_PACKAGES: Readonly<Record<BackendName, string>> = Object.freeze({
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
});

export interface SelectBackendOptions {
  /** Backend to try first; the others follow in the order tensorflow → wasm → cpu. */
  prefer?: BackendName;
  /** Where to report the choice (info) and why a backend was skipped (debug). */
  logger?: Logger;
  /**
   * Directory or URL prefix holding the wasm backend's `.wasm` files. In Node it
   * defaults to the installed `@tensorflow/tfjs-backend-wasm/dist/`; in browsers
   * tfjs' own default applies unless you set it.
   */
  wasmPaths?: string;
  /** Loads a backend package; replaceable for tests. Default: dynamic `import()`. */
  importer?: (backend: BackendName) => Promise<unknown>;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

async function defaultImporter(backend: BackendName): Promise<unknown> {
  switch (backend) {
    case 'tensorflow': {
      // A variable specifier keeps bundlers and tsc from requiring this optional package.
      const name = BACKEND_PACKAGES.tensorflow;
      return import(name);
    }
    case 'wasm':
      return import('@tensorflow/tfjs-backend-wasm');
    case 'cpu':
      return import('@tensorflow/tfjs-backend-cpu');
  }
}

async function wasmDistDir(): Promise<string | undefined> {
  if (!isNode()) return undefined;
  const { createRequire } = await import('node:module');
  const { dirname } = await import('node:path');
  const main = createRequire(import.meta.url).resolve(BACKEND_PACKAGES.wasm);
  return `${dirname(main)}/`;
}

async function configureWasm(module: unknown, wasmPaths: string | undefined): Promise<void> {
  const setWasmPaths = (module as { setWasmPaths?: (prefix: string) => void }).setWasmPaths;
  const prefix = wasmPaths ?? (await wasmDistDir());
  if (prefix !== undefined && typeof setWasmPaths === 'function') setWasmPaths(prefix);
}

/**
 * Picks the TensorFlow.js backend at start-up: `@tensorflow/tfjs-node` when it can be
 * imported, else `@tensorflow/tfjs-backend-wasm`, else `@tensorflow/tfjs-backend-cpu`
 * (`prefer` moves one to the front). When it picks wasm it also calls
 * `registerWasmConvGradients()`, so that convolution filters can be trained there.
 * Returns the name of the backend now in use and reports it through `logger`. Throws UNSUPPORTED when none can start.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendName> {
  if (options === null || typeof options !== 'object') {
    throw new SimkitError('INVALID_ARGUMENT', `selectBackend takes an options object; got ${describe(options)}.`);
  }
  const { prefer, logger = silentLogger, importer = defaultImporter } = options;
  if (prefer !== undefined && !BACKEND_ORDER.includes(prefer)) {
    throw new SimkitError(
      'INVALID_ARGUMENT',
      `prefer must be one of ${BACKEND_ORDER.join(', ')}; got ${describe(prefer)}.`,
    );
  }
  const order = prefer === undefined ? BACKEND_ORDER : [prefer, ...BACKEND_ORDER.filter((b) => b !== prefer)];
  const skipped: string[] = [];
  for (const backend of order) {
    try {
      const module = await importer(backend);
      if (backend === 'wasm') await configureWasm(module, options.wasmPaths);
      if (!(await setBackend(backend))) throw new Error('the backend failed to initialise');
      await ready();
      // wasm lacks a conv filter gradient; add the composed one so conv layers train.
      if (backend === 'wasm') registerWasmConvGradients();
      const active = getBackend();
      logger.log('info', `Using the TensorFlow.js '${active}' backend.`, { backend: active, skipped });
      return backend;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      skipped.push(`${backend}: ${reason}`);
      logger.log(
        'debug',
        `TensorFlow.js backend '${backend}' is not available (${BACKEND_PACKAGES[backend]}): ${reason}`,
      );
    }
  }
  throw new SimkitError(
    'UNSUPPORTED',
    `No TensorFlow.js backend could start. Install @tensorflow/tfjs-backend-wasm or @tensorflow/tfjs-backend-cpu (or @tensorflow/tfjs-node). Tried: ${skipped.join('; ')}.`,
    { details: { skipped } },
  );
}

/** The name of the TensorFlow.js backend in use now (after `selectBackend` or tfjs' own default). */
export function currentBackend(): string {
  try {
    return getBackend() ?? 'none';
  } catch {
    return 'none';
  }
}
