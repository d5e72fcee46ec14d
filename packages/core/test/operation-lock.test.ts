import { describe, expect, it } from 'vitest';
import { OperationLock } from '../src/index.js';

/** A promise with its resolve function, to hold an operation open. */
function gate(): { open: () => void; wait: Promise<void> } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, wait };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('OperationLock', () => {
  it('runs shared operations together', async () => {
    const lock = new OperationLock();
    const g = gate();
    let running = 0;
    let most = 0;
    const op = () =>
      lock.runShared(async () => {
        running++;
        most = Math.max(most, running);
        await g.wait;
        running--;
      });
    const all = Promise.all([op(), op(), op()]);
    await tick();
    expect(most).toBe(3);
    g.open();
    await all;
  });

  it('runs an exclusive operation alone, after the shared ones before it and before those after it', async () => {
    const lock = new OperationLock();
    const log: string[] = [];
    const g = gate();
    const first = lock.runShared(async () => {
      log.push('shared-1 start');
      await g.wait;
      log.push('shared-1 end');
    });
    const exclusive = lock.runExclusive(async () => {
      log.push('exclusive');
    });
    const later = lock.runShared(async () => {
      log.push('shared-2');
    });
    await tick();
    expect(log).toEqual(['shared-1 start']);
    expect(lock.busy).toBe(true);
    g.open();
    await Promise.all([first, exclusive, later]);
    expect(log).toEqual(['shared-1 start', 'shared-1 end', 'exclusive', 'shared-2']);
    expect(lock.busy).toBe(false);
  });

  it('releases the lock when an operation throws, and passes the error on', async () => {
    const lock = new OperationLock();
    await expect(
      lock.runExclusive(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await lock.runExclusive(() => 7)).toBe(7);
    expect(lock.busy).toBe(false);
  });

  it('keeps first-come order among exclusive operations', async () => {
    const lock = new OperationLock();
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        lock.runExclusive(async () => {
          await tick();
          order.push(i);
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});
