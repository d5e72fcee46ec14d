import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { batchOf, DIM, rowsOf } from './fixtures/crash-batches.mjs';
import { all, rawClient, uniquePrefix, useRedis } from './helpers.js';

// Every acknowledged EXEC is on disk before its reply: appendfsync always.
const server = useRedis({ appendfsync: 'always' });
const writer = join(import.meta.dirname, 'fixtures', 'crash-writer.mjs');

interface Ack {
  readonly k: number;
  readonly first: number;
  readonly rows: number;
}

/** Runs the writer until it has acknowledged `acks` adds, SIGKILLs redis-server, and returns what the writer printed. */
async function writeUntilKilled(prefix: string, acks: number): Promise<{ acked: Ack[]; failed: string[] }> {
  const child = spawn(process.execPath, [writer, server.current.url, prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let killing: Promise<void> | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (killing === undefined && (out.match(/^ack /gm)?.length ?? 0) >= acks) killing = server.current.kill();
  });
  const code = await exited;
  await killing;
  expect(killing, `the writer stopped before ${acks} acks:\n${out}\n${err}`).toBeDefined();
  expect(code, err).toBe(0);
  const lines = out.trim().split('\n');
  const acked = lines
    .filter((l) => l.startsWith('ack '))
    .map((l) => {
      const [, k, first, rows] = l.split(' ').map(Number);
      return { k, first, rows } as Ack;
    });
  return { acked, failed: lines.filter((l) => l.startsWith('fail ')) };
}

describe('RedisStore: a SIGKILL of redis-server during adds (appendfsync always)', () => {
  it.each([50, 200, 500])(
    'after %i acknowledged adds: every acknowledged record is there and whole, the batch in flight all or nothing',
    async (acks) => {
      const prefix = uniquePrefix('crash');
      const { acked, failed } = await writeUntilKilled(prefix, acks);
      expect(acked.length).toBeGreaterThanOrEqual(acks);
      // The writer's next add failed as UNAVAILABLE; it was the only one in flight.
      expect(failed).toEqual([`fail ${acked.length} UNAVAILABLE`]);
      let next = 0;
      acked.forEach((a, k) => {
        expect(a).toEqual({ k, first: next, rows: rowsOf(k) });
        next += a.rows;
      });
      const inFlight = rowsOf(acked.length);

      await server.current.restart();
      const store = await RedisStore.open({ url: server.current.url, prefix });
      try {
        const records = await all(store.entries());
        expect([next, next + inFlight]).toContain(records.length);
        expect(store.size()).toBe(records.length);
        expect(store.dim).toBe(DIM);
        let id = 0;
        for (let k = 0; id < records.length; k++) {
          const b = batchOf(k);
          for (let i = 0; i < b.rows; i++, id++) {
            const r = records[id];
            if (
              r === undefined ||
              r.id !== id ||
              r.label !== b.labels[i] ||
              JSON.stringify(r.data) !== JSON.stringify(b.data[i]) ||
              Array.from(r.embedding).join() !== Array.from(b.embeddings.subarray(i * DIM, (i + 1) * DIM)).join()
            ) {
              throw new Error(`record ${id} (batch ${k}, row ${i}) is missing or differs`);
            }
          }
        }
        const raw = await rawClient(server.current.url);
        try {
          const [nextId, size] = (
            (await raw.sendCommand(['HMGET', `{${prefix}}:meta`, 'nextId', 'size'])) as Buffer[]
          ).map(Number);
          expect(nextId).toBe(records.length);
          expect(size).toBe(records.length);
          expect(await raw.sendCommand(['ZCARD', `{${prefix}}:ids`])).toBe(records.length);
          const recordKeys = (await raw.sendCommand(['KEYS', `{${prefix}}:r:*`])) as Buffer[];
          expect(recordKeys).toHaveLength(records.length);
        } finally {
          raw.destroy();
        }
        // The index takes new records after the crash at the next id.
        const [first] = await store.add({ data: batchOf(0).embeddings.subarray(0, DIM), rows: 1, dim: DIM });
        expect(first).toBe(records.length);
      } finally {
        await store.close();
      }
    },
    120_000,
  );
});
