import { type Backend, mayHaveWritten } from './backend.js';
import { SerialQueue } from './limits.js';

/**
 * Runs the service's writes and saves one at a time, in arrival order, and knows whether the
 * index changed since the last save. A save runs between writes, so the version it records is
 * exactly what it wrote; a failed write that may have written something still counts as a change.
 */
export class WriteLog {
  private readonly queue = new SerialQueue();
  private version = 0;
  private savedVersion = 0;
  /** Saves that completed. */
  saves = 0;

  constructor(private readonly backend: Backend) {}

  /** True when writes were acknowledged (or attempted) since the start or the last save. */
  get changed(): boolean {
    return this.version !== this.savedVersion;
  }

  /** Runs `write` after the writes and saves before it. */
  write<T>(write: () => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      try {
        const result = await write();
        this.version++;
        return result;
      } catch (error) {
        if (mayHaveWritten(error)) this.version++;
        throw error;
      }
    });
  }

  /** Saves into `dir` when something changed (or always, with `force`); true when it saved. */
  save(dir: string, force: boolean): Promise<boolean> {
    return this.queue.run(async () => {
      if (!force && !this.changed) return false;
      const version = this.version;
      await this.backend.save(dir);
      this.savedVersion = version;
      this.saves++;
      return true;
    });
  }
}
