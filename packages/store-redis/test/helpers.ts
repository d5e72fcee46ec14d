import { randomBytes } from 'node:crypto';
import type { StoreRecord } from '@simkit/core';
import { startRedis, type RedisServer } from '@simkit/test-servers';
import { createClient, RESP_TYPES } from 'redis';
import { afterAll, beforeAll } from 'vitest';

let counter = 0;

/** A prefix no other test uses, on this server or any other run. */
export function uniquePrefix(name: string): string {
  counter++;
  return `test-${name}-${counter}-${randomBytes(4).toString('hex')}`;
}

/** Starts one redis-server for the test file and stops it afterwards; read `.current` inside tests. */
export function useRedis(options: Parameters<typeof startRedis>[0] = {}): { current: RedisServer } {
  const holder = {} as { current: RedisServer };
  beforeAll(async () => {
    holder.current = await startRedis(options);
  }, 60_000);
  afterAll(async () => {
    await holder.current?.stop();
  });
  return holder;
}

/** The test's own connection, to inspect and damage keys as redis-cli would. */
export interface RawClient {
  sendCommand(args: Array<string | Buffer>): Promise<unknown>;
  destroy(): void;
}

/** A plain connection of the test's own; strings come back as Buffers. */
export async function rawClient(url: string): Promise<RawClient> {
  const client = createClient({
    url,
    RESP: 2,
    commandOptions: { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } },
  });
  client.on('error', () => undefined);
  await client.connect();
  return client as unknown as RawClient;
}

/** Records as plain values, for toEqual. */
export function plain(records: StoreRecord[]): unknown[] {
  return records.map((r) => ({ id: r.id, embedding: Array.from(r.embedding), label: r.label, data: r.data }));
}

/** Every record of an async iterable. */
export async function all(records: AsyncIterable<StoreRecord>): Promise<StoreRecord[]> {
  const out: StoreRecord[] = [];
  for await (const r of records) out.push(r);
  return out;
}
