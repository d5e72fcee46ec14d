interface Waiter {
  readonly exclusive: boolean;
  readonly grant: () => void;
}

/**
 * A first-come, first-served read/write lock for async operations on one object.
 * Shared operations (lookups, saves) run together; an exclusive one (add, remove, reset,
 * load) runs alone. A save that holds the shared lock therefore sees one moment of the
 * object. Not re-entrant: an operation must not wait for the lock it already holds.
 */
export class OperationLock {
  private shared = 0;
  private exclusive = false;
  private readonly queue: Waiter[] = [];

  /** Runs `fn` alongside other shared operations, but never during an exclusive one. */
  runShared<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.run(false, fn);
  }

  /** Runs `fn` alone. */
  runExclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.run(true, fn);
  }

  /** True while any operation holds the lock or waits for it. */
  get busy(): boolean {
    return this.exclusive || this.shared > 0 || this.queue.length > 0;
  }

  private async run<T>(exclusive: boolean, fn: () => Promise<T> | T): Promise<T> {
    await this.acquire(exclusive);
    try {
      return await fn();
    } finally {
      this.release(exclusive);
    }
  }

  private grantable(exclusive: boolean): boolean {
    return exclusive ? !this.exclusive && this.shared === 0 : !this.exclusive;
  }

  private take(exclusive: boolean): void {
    if (exclusive) this.exclusive = true;
    else this.shared++;
  }

  private acquire(exclusive: boolean): Promise<void> {
    if (this.queue.length === 0 && this.grantable(exclusive)) {
      this.take(exclusive);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.queue.push({ exclusive, grant: resolve });
    });
  }

  private release(exclusive: boolean): void {
    if (exclusive) this.exclusive = false;
    else this.shared--;
    for (let next = this.queue[0]; next !== undefined && this.grantable(next.exclusive); next = this.queue[0]) {
      this.queue.shift();
      this.take(next.exclusive);
      next.grant();
    }
  }
}
