import type { Worker } from 'node:worker_threads';

// Node's built-ins are reached through process.getBuiltinModule (Node ≥ 20.16), synchronously and
// without a static import; a browser build swaps this file for worker-host-browser.ts.
const os = (): typeof import('node:os') => process.getBuiltinModule('node:os');
const workerThreads = (): typeof import('node:worker_threads') => process.getBuiltinModule('node:worker_threads');

/** A started worker, as the pool sees it in Node (worker_threads) and in browsers (Web Workers). */
export interface WorkerHandle {
  post(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onFailure(listener: (error: Error) => void): void;
  /** Lets the process exit while the worker is idle (Node); a no-op in browsers. */
  idle(): void;
  /** Keeps the process alive while the worker has work (Node); a no-op in browsers. */
  busy(): void;
  terminate(): Promise<void>;
}

/** How many threads this machine runs at once. */
export function hardwareThreads(): number {
  return os().availableParallelism();
}

/** Starts a worker running `source` (a classic script); null when workers cannot be started here. */
export function spawnWorker(source: string): WorkerHandle | null {
  let worker: Worker;
  try {
    worker = new (workerThreads().Worker)(source, { eval: true });
  } catch {
    return null;
  }
  worker.unref();
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (listener) => {
      worker.on('message', listener);
    },
    onFailure: (listener) => {
      worker.on('error', listener);
      worker.on('exit', (code) => listener(new Error(`the search worker stopped (exit code ${code})`)));
    },
    idle: () => worker.unref(),
    busy: () => worker.ref(),
    terminate: async () => {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}
