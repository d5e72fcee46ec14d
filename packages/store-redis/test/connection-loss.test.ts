import { batch, type LogLevel, randomVectors, SimkitError } from '@simkit/core';
import { withTempDir } from '@simkit/core/testing';
import { freePort } from '@simkit/test-servers';
import { describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { all, plain, uniquePrefix, useRedis } from './helpers.js';

const server = useRedis({ appendfsync: 'always' });
const TIMEOUT_MS = 1500;
/** Far beyond what a bounded call needs; only a hang gets near it. */
const SETTLE_MS = TIMEOUT_MS + 5000;

/** The error `call` rejects with; fails the test when it resolves or has not settled after SETTLE_MS. */
async function failure(call: () => Promise<unknown>): Promise<SimkitError> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), SETTLE_MS);
  });
  const outcome = await Promise.race([
    call().then(
      () => 'resolved' as const,
      (error: unknown) => error,
    ),
    hang,
  ]).finally(() => clearTimeout(timer));
  expect(outcome, 'the call neither failed nor settled').not.toBe('hang');
  expect(outcome, 'the call succeeded without a server').not.toBe('resolved');
  expect(SimkitError.isInstance(outcome), `expected a SimkitError, got ${String(outcome)}`).toBe(true);
  return outcome as SimkitError;
}

function collectingLogger() {
  const entries: Array<{ level: LogLevel; message: string }> = [];
  return { entries, logger: { log: (level: LogLevel, message: string) => entries.push({ level, message }) } };
}

/** Every operation of a store, each a call that must talk to the server. */
function operations(store: RedisStore, dir: string): Array<[string, () => Promise<unknown>]> {
  return [
    ['add', () => store.add(batch(randomVectors(2, 4, 7), 4))],
    ['get', () => store.get([0, 1])],
    ['delete', () => store.delete([1])],
    ['entries', () => all(store.entries())],
    ['refresh', () => store.refresh()],
    ['reset', () => store.reset()],
    ['save', () => store.save(dir)],
  ];
}

describe('RedisStore when the server goes away', () => {
  it('fails every call with UNAVAILABLE while the server is down, and works again after its restart', async () => {
    const log = collectingLogger();
    const prefix = uniquePrefix('loss');
    const store = await RedisStore.open({ url: server.current.url, prefix, timeoutMs: TIMEOUT_MS, logger: log.logger });
    try {
      await store.add(
        batch(randomVectors(30, 4, 1), 4),
        Array.from({ length: 30 }, (_, i) => i),
      );
      await store.delete([3]);
      const before = plain(await all(store.entries()));
      await server.current.kill();
      await withTempDir(async (dir) => {
        for (const [name, call] of operations(store, dir)) {
          const error = await failure(call);
          expect(error.code, name).toBe('UNAVAILABLE');
          expect(error.message, name).toContain(server.current.url);
          // The cached count stays readable without a server.
          expect(store.size()).toBe(29);
        }
      });
      // Input that is wrong for the dimension this instance knows stays an input error.
      expect((await failure(() => store.add(batch(randomVectors(1, 3, 8), 3)))).code).toBe('DIMENSION_MISMATCH');
      expect(log.entries.some((e) => e.level === 'warn' && e.message.includes('connection'))).toBe(true);
      await server.current.restart();
      // Everything acknowledged before the kill is there, and the same instance carries on.
      expect(plain(await all(store.entries()))).toEqual(before);
      expect(Array.from(await store.add(batch(randomVectors(1, 4, 2), 4)))).toEqual([30]);
      await store.refresh();
      expect(store.size()).toBe(30);
      expect((await store.get([29, 30])).map((r) => r.id)).toEqual([29, 30]);
    } finally {
      await store.close();
    }
  });

  it('bounds calls to a server that stops answering (SIGSTOP) by timeoutMs, then recovers when it resumes', async () => {
    const prefix = uniquePrefix('frozen');
    const store = await RedisStore.open({ url: server.current.url, prefix, timeoutMs: TIMEOUT_MS });
    const pid = server.current.pid as number;
    try {
      await store.add(batch(randomVectors(5, 4, 3), 4));
      process.kill(pid, 'SIGSTOP');
      try {
        await withTempDir(async (dir) => {
          for (const [name, call] of operations(store, dir)) {
            const error = await failure(call);
            expect(error.code, name).toBe('UNAVAILABLE');
            expect(error.message, name).toMatch(/took longer than 1500 ms|could not be reached/);
          }
        });
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      await store.refresh();
      // The add that timed out may have been applied as a whole (its EXEC was sent): 5 or 7 records.
      expect([5, 7]).toContain(store.size());
      const ids = await store.add(batch(randomVectors(1, 4, 4), 4));
      expect(ids[0]).toBe(store.size() - 1);
    } finally {
      await store.close();
    }
  });

  it('open() against a port nothing listens on fails with UNAVAILABLE naming the server', async () => {
    const port = await freePort();
    const error = await failure(() =>
      RedisStore.open({ url: `redis://default:pw@127.0.0.1:${port}`, prefix: 'p', timeoutMs: TIMEOUT_MS }),
    );
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).not.toContain('pw@');
  });

  it('close() of a store whose server is gone settles', async () => {
    const store = await RedisStore.open({
      url: server.current.url,
      prefix: uniquePrefix('gone'),
      timeoutMs: TIMEOUT_MS,
    });
    await store.add(batch(randomVectors(1, 4, 5), 4));
    await server.current.kill();
    try {
      const settled = await Promise.race([
        store.close().then(() => 'closed'),
        new Promise((resolve) => setTimeout(() => resolve('hang'), SETTLE_MS)),
      ]);
      expect(settled).toBe('closed');
    } finally {
      await server.current.restart();
    }
  });
});
