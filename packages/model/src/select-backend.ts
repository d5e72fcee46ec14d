import { type Logger, SimkitError, describe, silentLogger } from '@simkit/core';
import { findBackendFactory, getBackend, ready, setBackend } from '@tensorflow/tfjs-core';
import { registerWasmConvGradients } from './wasm-conv-gradients.js';
import { wasmDistDir } from './wasm-dist-dir.js';

/** The TensorFlow.js backends simkit knows how to start, fastest first. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** The order `selectBackend` tries the tfjs backends in: native TensorFlow, then wasm, then cpu. */
export const BACKEND_ORDER: readonly BackendName[] = Object.freeze(['tensorflow', 'wasm', 'cpu']);

/** The npm package that provides each backend. */
export const BACKEND_PACKAGES: Readonly<Record<BackendName, string>> = Object.freeze({
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
});

/** Options of `selectBackend`. */
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

/**
 * Imports the backend's package by a variable name, so that bundlers never pull in these
 * optional peers. In a browser bundle the import cannot resolve a bare name: there the app
 * imports the backend itself (`import '@tensorflow/tfjs-backend-wasm'`), which registers it,
 * and that registration is used.
 */
async function defaultImporter(backend: BackendName): Promise<unknown> {
  const name = BACKEND_PACKAGES[backend];
  try {
    return await import(/* webpackIgnore: true */ /* @vite-ignore */ name);
  } catch (error) {
    if (findBackendFactory(backend) !== null) return undefined;
    throw error;
  }
}

async function configureWasm(module: unknown, wasmPaths: string | undefined): Promise<void> {
  const setWasmPaths = (module as { setWasmPaths?: (prefix: string) => void } | undefined)?.setWasmPaths;
  const prefix = wasmPaths ?? (await wasmDistDir(BACKEND_PACKAGES.wasm));
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
