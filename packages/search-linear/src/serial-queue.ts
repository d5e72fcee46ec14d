/**
 * Runs operations one after another. A task that finishes synchronously while nothing is queued
 * runs at once (so a plain `add` still takes effect before it returns, as it always did); a task
 * that returns a promise holds back every later task until it settles. LinearSearch needs this
 * because a lookup that waits for worker threads must not see the vectors change under it.
 */
export class SerialQueue {
  private tail: Promise<void> | null = null;

  run<T>(task: () => T | Promise<T>): Promise<T> {
    if (this.tail === null) {
      let result: T | Promise<T>;
      try {
        result = task();
      } catch (error) {
        return Promise.reject(error);
      }
      return result instanceof Promise ? this.follow(result) : Promise.resolve(result);
    }
    return this.follow(this.tail.then(task));
  }

  private follow<T>(result: Promise<T>): Promise<T> {
    const done = result.then(
      () => {},
      () => {},
    );
    this.tail = done;
    void done.then(() => {
      if (this.tail === done) this.tail = null;
    });
    return result;
  }
}
