import type { WorkerHandle } from './worker-host.js';

export type { WorkerHandle } from './worker-host.js';

/** How many threads this machine runs at once, as the browser reports it. */
export function hardwareThreads(): number {
  const count = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof count === 'number' && count > 0 ? count : 1;
}

/** Starts a Web Worker running `source` from a blob URL; null when the page may not start one (CSP, no Worker). */
export function spawnWorker(source: string): WorkerHandle | null {
  const scope = globalThis as {
    Worker?: new (url: string) => Worker;
    Blob?: typeof Blob;
    URL?: typeof URL;
  };
  if (typeof scope.Worker !== 'function' || typeof scope.Blob !== 'function' || scope.URL === undefined) return null;
  let worker: Worker;
  let url: string;
  try {
    url = scope.URL.createObjectURL(new scope.Blob([source], { type: 'text/javascript' }));
    worker = new scope.Worker(url);
  } catch {
    return null;
  }
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (listener) => {
      worker.addEventListener('message', (event) => listener((event as MessageEvent).data));
    },
    onFailure: (listener) => {
      worker.addEventListener('error', (event) => listener(new Error((event as ErrorEvent).message || 'worker error')));
    },
    idle: () => {},
    busy: () => {},
    terminate: async () => {
      worker.terminate();
      scope.URL?.revokeObjectURL(url);
    },
  };
}
