import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batch } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { freePort } from '@simkit/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { all, rawClient, uniquePrefix, useRedis } from './helpers.js';

const master = useRedis();
let replica: ChildProcess | undefined;
let replicaUrl = '';
let replicaDir = '';

/** Calls `probe` every 100 ms until it returns true, for at most 20 s. */
async function until(probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the replica did not catch up within 20 s');
}

beforeAll(async () => {
  const port = await freePort();
  replicaDir = await mkdtemp(join(tmpdir(), 'simkit-redis-replica-'));
  replicaUrl = `redis://127.0.0.1:${port}`;
  replica = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', replicaDir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await until(async () => {
    const c = await rawClient(replicaUrl);
    try {
      await c.sendCommand(['REPLICAOF', '127.0.0.1', String(master.current.port)]);
      return true;
    } finally {
      c.destroy();
    }
  });
}, 60_000);

afterAll(async () => {
  replica?.kill('SIGKILL');
  await rm(replicaDir, { recursive: true, force: true });
});

describe('RedisStore on a read-only replica', () => {
  it('reads what the master holds, and refuses writes with UNAVAILABLE (READONLY)', async () => {
    const prefix = uniquePrefix('replica');
    const writer = await RedisStore.open({ url: master.current.url, prefix });
    try {
      await writer.add(batch(Float32Array.from([1, 2, 3, 4, 5, 6]), 2), [1, 2, 3], [null, { x: 1 }, null]);
      await writer.delete([0]);
      await until(async () => {
        const c = await rawClient(replicaUrl);
        try {
          return String(await c.sendCommand(['HGET', `{${prefix}}:meta`, 'size'])) === '2';
        } finally {
          c.destroy();
        }
      });
      const reader = await RedisStore.open({ url: replicaUrl, prefix, timeoutMs: 3000 });
      try {
        expect(reader.size()).toBe(2);
        expect((await reader.get([2, 1])).map((r) => r.label)).toEqual([3, 2]);
        expect((await all(reader.entries())).map((r) => r.data)).toEqual([{ x: 1 }, null]);
        const refused = await expectCode(() => reader.add(batch(Float32Array.from([7, 8]), 2)), 'UNAVAILABLE');
        expect(refused.message).toMatch(/read-only replica/);
        await expectCode(() => reader.delete([1]), 'UNAVAILABLE');
        await writer.refresh();
        expect(writer.size()).toBe(2);
      } finally {
        await reader.close();
      }
    } finally {
      await writer.close();
    }
  });
});
