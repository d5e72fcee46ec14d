import { ServiceError } from './errors.js';

interface Waiter {
  start(): void;
}

/** Seconds a client is asked to wait after 503 OVERLOADED. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * Bounds the index work: at most `maxConcurrent` tasks run at once, at most `maxQueue` wait
 * (first in, first out), and any more are refused at once with 503 OVERLOADED. A task that
 * has not finished `timeoutMs` after it was submitted is answered 503 TIMEOUT: a waiting task
 * then never runs; a running one goes on (and keeps its slot) until it ends.
 */
export class ConcurrencyGate {
  private active = 0;
  private readonly queue: Waiter[] = [];
  private idleWaiters: Array<() => void> = [];
  /** Tasks refused because the queue was full. */
  rejected = 0;
  /** Tasks answered with TIMEOUT. */
  timedOut = 0;

  constructor(
    readonly maxConcurrent: number,
    readonly maxQueue: number,
    readonly timeoutMs: number,
  ) {}

  /** Tasks running now (including timed-out ones still finishing). */
  get running(): number {
    return this.active;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.queue.length;
  }

  /** Runs `task` when a slot is free; see the class comment for overload and timeouts. */
  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.maxConcurrent && this.queue.length >= this.maxQueue) {
      this.rejected++;
      return Promise.reject(
        new ServiceError(
          503,
          'OVERLOADED',
          `The service is at capacity (${this.maxConcurrent} running, ${this.maxQueue} waiting); retry after ${RETRY_AFTER_SECONDS} s.`,
          { 'Retry-After': String(RETRY_AFTER_SECONDS) },
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        this.timedOut++;
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        this.checkIdle();
        reject(
          new ServiceError(
            503,
            'TIMEOUT',
            `The request did not finish within ${this.timeoutMs} ms. A write may still complete; check before retrying it.`,
          ),
        );
      }, this.timeoutMs);
      const waiter: Waiter = {
        start: () => {
          this.active++;
          let p: Promise<T>;
          try {
            p = task();
          } catch (error) {
            p = Promise.reject(error);
          }
          p.then(
            (value) => {
              if (!settled) resolve(value);
            },
            (error: unknown) => {
              if (!settled) reject(error);
            },
          ).finally(() => {
            settled = true;
            clearTimeout(timer);
            this.active--;
            this.next();
          });
        },
      };
      if (this.active < this.maxConcurrent) waiter.start();
      else this.queue.push(waiter);
    });
  }

  /** Resolves once nothing runs and nothing waits. */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private next(): void {
    const waiter = this.queue.shift();
    if (waiter !== undefined) waiter.start();
    else this.checkIdle();
  }

  private checkIdle(): void {
    if (this.active !== 0 || this.queue.length !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

/** A first-in-first-out mutex: the service's writes and saves run one at a time through it. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task submitted before it has settled. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
