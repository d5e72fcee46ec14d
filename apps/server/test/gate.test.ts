import { describe, expect, it } from 'vitest';
import type { Backend } from '../src/backend.js';
import { ConcurrencyGate } from '../src/limits.js';
import { WriteLog } from '../src/writes.js';
import { gate } from './helpers.js';

describe('ConcurrencyGate', () => {
  it('starts waiting tasks first in, first out', async () => {
    const g = new ConcurrencyGate(1, 10, 60_000);
    const hold = gate();
    const order: number[] = [];
    const first = g.run(async () => {
      await hold.promise;
      order.push(0);
    });
    const rest = [1, 2, 3].map((i) => g.run(async () => void order.push(i)));
    expect(g.queued).toBe(3);
    hold.release();
    await Promise.all([first, ...rest]);
    expect(order).toEqual([0, 1, 2, 3]);
    await g.idle();
    expect(g.running + g.queued).toBe(0);
  });

  it('a task that times out while waiting never runs', async () => {
    const g = new ConcurrencyGate(1, 1, 10);
    const hold = gate();
    const blocker = g.run(() => hold.promise).catch(() => undefined); // it times out too
    let ran = false;
    const waiting = g.run(async () => {
      ran = true;
    });
    await expect(waiting).rejects.toMatchObject({ code: 'TIMEOUT', status: 503 });
    expect(g.queued).toBe(0);
    hold.release();
    await blocker;
    await g.idle();
    expect(ran).toBe(false);
  });
});

describe('WriteLog', () => {
  it('a save waits for the writes before it, and counts only what it saved', async () => {
    const hold = gate();
    const saved: string[] = [];
    const state: string[] = [];
    const backend = { save: async () => void saved.push(state.join(',')) } as unknown as Backend;
    const log = new WriteLog(backend);
    const write = log.write(async () => {
      await hold.promise;
      state.push('a');
    });
    const save = log.save('dir', false);
    const later = log.write(async () => void state.push('b'));
    expect(log.changed).toBe(false);
    hold.release();
    await Promise.all([write, save, later]);
    expect(saved).toEqual(['a']); // the save ran after 'a' and before 'b'
    expect(log.changed).toBe(true); // 'b' is not saved yet
    await log.save('dir', false);
    expect(saved).toEqual(['a', 'a,b']);
    expect(log.changed).toBe(false);
    expect(await log.save('dir', false)).toBe(false);
  });

  it('a failed write that wrote nothing (INVALID_ARGUMENT) is no change; an unknown failure is', async () => {
    const log = new WriteLog({} as Backend);
    const { invalidArgument } = await import('@simkit/core');
    await expect(log.write(async () => Promise.reject(invalidArgument('bad input')))).rejects.toThrow('bad input');
    expect(log.changed).toBe(false);
    await expect(log.write(async () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    expect(log.changed).toBe(true);
  });
});
