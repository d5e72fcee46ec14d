import type { CompiledKernel } from './wasm-kernel.js';
import { type WorkerHandle, spawnWorker } from './worker-host.js';
import { WORKER_SOURCE } from './worker-source.js';

/** One call of a kernel scan: the export's name and its arguments (byte offsets and counts), in order. */
export interface ScanJob {
  readonly fn: 'scanRows' | 'scanRowsI8' | 'scanRowsI16';
  readonly args: readonly number[];
}

/** How long a new worker may take to instantiate the kernel before the pool gives up on threads. */
const READY_TIMEOUT_MS = 15_000;

interface Reply {
  type: 'ready' | 'done';
  id?: number;
  error?: string;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Worker threads that run the kernel over one shared memory. Started by `start` (lazily, by the
 * first lookup that needs it); one job per worker per `run`; `close` terminates them. A worker
 * that fails makes the pool unusable: `run` rejects, and the caller scans on its own thread.
 */
export class KernelPool {
  private readonly workers: WorkerHandle[];
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 0;
  private failure: Error | null = null;

  private constructor(workers: WorkerHandle[]) {
    this.workers = workers;
    for (const worker of workers) {
      worker.onMessage((message) => this.receive(message as Reply));
      worker.onFailure((error) => this.fail(error));
    }
  }

  /** Starts `threads` workers with the kernel instantiated over `memory`; null when workers cannot run here. */
  static async start(kernel: CompiledKernel, memory: WebAssembly.Memory, threads: number): Promise<KernelPool | null> {
    const workers: WorkerHandle[] = [];
    for (let i = 0; i < threads; i++) {
      const worker = spawnWorker(WORKER_SOURCE);
      if (worker === null) break;
      workers.push(worker);
    }
    if (workers.length < 2) {
      await Promise.all(workers.map((w) => w.terminate()));
      return null;
    }
    const ready = workers.map(
      (worker) =>
        new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
          worker.onMessage((message) => {
            const reply = message as Reply;
            if (reply.type !== 'ready') return;
            clearTimeout(timer);
            resolve(reply.error === undefined);
          });
          worker.onFailure(() => {
            clearTimeout(timer);
            resolve(false);
          });
          worker.busy();
          worker.post({ type: 'init', module: kernel.module, memory });
        }),
    );
    const started = await Promise.all(ready);
    for (const worker of workers) worker.idle();
    if (started.includes(false)) {
      await Promise.all(workers.map((w) => w.terminate()));
      return null;
    }
    return new KernelPool(workers);
  }

  /** Number of worker threads. */
  get size(): number {
    return this.workers.length;
  }

  /** Runs each job on its own worker (at most `size` jobs) and resolves when all are done. */
  async run(jobs: readonly ScanJob[]): Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (jobs.length > this.workers.length) throw new Error('more jobs than workers');
    const done = jobs.map(({ fn, args }, i) => {
      const worker = this.workers[i] as WorkerHandle;
      const id = this.nextId++;
      return new Promise<void>((resolve, reject) => {
        this.waiting.set(id, { resolve, reject });
        worker.busy();
        worker.post({ type: 'job', id, fn, args });
      });
    });
    try {
      await Promise.all(done);
    } finally {
      for (const worker of this.workers) worker.idle();
    }
  }

  /** Terminates the workers; jobs still running are rejected. */
  async close(): Promise<void> {
    this.fail(new Error('the search worker pool was closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private receive(reply: Reply): void {
    if (reply.type !== 'done' || reply.id === undefined) return;
    const waiter = this.waiting.get(reply.id);
    if (waiter === undefined) return;
    this.waiting.delete(reply.id);
    if (reply.error === undefined) waiter.resolve();
    else waiter.reject(new Error(`the search worker failed: ${reply.error}`));
  }

  private fail(error: Error): void {
    if (this.failure === null) this.failure = error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}
