import { batch, type Logger } from '@simkit/core';
import { describeStore, expectCode } from '@simkit/core/testing';
import { type RedisCluster, startRedisCluster } from '@simkit/test-servers';
import { createClient, createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { all, plain, rawClient, uniquePrefix } from './helpers.js';

let cluster: RedisCluster;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

function text(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/** Runs one command on the node at `port` through a plain connection of the test's own. */
async function command(port: number, args: string[]): Promise<unknown> {
  const c = await rawClient(`redis://127.0.0.1:${port}`);
  try {
    return await c.sendCommand(args);
  } finally {
    c.destroy();
  }
}

/** The port of the master that serves the hash slot of `{prefix}`, as the cluster says now. */
async function ownerOf(prefix: string): Promise<number> {
  const port = cluster.nodes[0]?.port as number;
  const slot = Number(await command(port, ['CLUSTER', 'KEYSLOT', `{${prefix}}`]));
  const ranges = (await command(port, ['CLUSTER', 'SLOTS'])) as unknown[][];
  for (const range of ranges) {
    if (Number(range[0]) <= slot && slot <= Number(range[1])) return Number((range[2] as unknown[])[1]);
  }
  throw new Error(`no master serves slot ${slot}`);
}

/** A fresh prefix whose slot the master at `port` serves (or, with `not`, does not serve). */
async function prefixOn(port: number, not = false): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const prefix = uniquePrefix('cluster');
    if (((await ownerOf(prefix)) === port) !== not) return prefix;
  }
  throw new Error(`no prefix found for port ${port}`);
}

/** A node other than the one at `port`. */
function otherNode(...ports: number[]) {
  const node = cluster.nodes.find((n) => !ports.includes(n.port));
  if (node === undefined) throw new Error('not enough nodes');
  return node;
}

async function exists(port: number, key: string): Promise<boolean> {
  return Number(await command(port, ['EXISTS', key])) === 1;
}

describe('RedisStore on a Redis Cluster', () => {
  it('works through a node that does not serve the slot, for indexes on every master, and keeps the keys on the owner', async () => {
    for (const owner of cluster.nodes) {
      const prefix = await prefixOn(owner.port);
      const via = otherNode(owner.port);
      const logged: Array<{ message: string; fields: unknown }> = [];
      const logger: Logger = { log: (_level, message, fields) => logged.push({ message, fields }) };
      const store = await RedisStore.open({ url: via.url, prefix, timeoutMs: 5000, logger });
      try {
        expect(store.url).toBe(via.url);
        expect(
          logged.some(
            (l) => /master that serves/.test(l.message) && JSON.stringify(l.fields).includes(`:${owner.port}`),
          ),
        ).toBe(true);
        const ids = await store.add(
          batch(Float32Array.from([1, 2, 3, 4, 5, 6]), 2),
          [1, null, 3],
          [{ a: 1 }, null, 'c'],
        );
        expect(Array.from(ids)).toEqual([0, 1, 2]);
        expect(await exists(owner.port, `{${prefix}}:meta`)).toBe(true);
        await expect(exists(via.port, `{${prefix}}:meta`)).rejects.toThrow(/^MOVED /);
        expect(plain(await store.get([2, 0]))).toEqual([
          { id: 2, embedding: [5, 6], label: 3, data: 'c' },
          { id: 0, embedding: [1, 2], label: 1, data: { a: 1 } },
        ]);
        await store.delete([1]);
        await expectCode(() => store.get([1]), 'NOT_FOUND');
        expect((await all(store.entries())).map((r) => r.id)).toEqual([0, 2]);
        await store.refresh();
        expect(store.size()).toBe(2);
        expect(store.dim).toBe(2);
        await store.reset();
        expect(store.size()).toBe(0);
        expect(await exists(owner.port, `{${prefix}}:meta`)).toBe(false);
        expect(Array.from(await store.add(batch(Float32Array.from([7, 8, 9]), 3)))).toEqual([0]);
        await store.reset();
      } finally {
        await store.close();
      }
    }
  });

  it('shares one index between stores opened through different nodes', async () => {
    const owner = cluster.nodes[1]?.port as number;
    const prefix = await prefixOn(owner);
    const a = await RedisStore.open({ url: otherNode(owner).url, prefix });
    const b = await RedisStore.open({ url: cluster.nodes.find((n) => n.port === owner)?.url as string, prefix });
    const c = await RedisStore.open({ url: otherNode(owner, otherNode(owner).port).url, prefix });
    try {
      expect(Array.from(await a.add(batch(Float32Array.from([1, 2]), 2)))).toEqual([0]);
      expect(Array.from(await b.add(batch(Float32Array.from([3, 4]), 2)))).toEqual([1]);
      expect(Array.from(await c.add(batch(Float32Array.from([5, 6, 7, 8]), 2)))).toEqual([2, 3]);
      await a.refresh();
      expect(a.size()).toBe(4);
      expect((await all(a.entries())).map((r) => Array.from(r.embedding))).toEqual([
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ]);
      await c.reset();
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('opens through a createClient() client of a node that does not serve the slot', async () => {
    const owner = cluster.nodes[2]?.port as number;
    const prefix = await prefixOn(owner);
    const client = createClient({ url: otherNode(owner).url });
    const store = await RedisStore.open({ client, prefix });
    try {
      expect(Array.from(await store.add(batch(Float32Array.from([1, 2]), 2), [5]))).toEqual([0]);
      expect((await store.get([0]))[0]?.label).toBe(5);
      expect(await exists(owner, `{${prefix}}:meta`)).toBe(true);
      await store.reset();
    } finally {
      await store.close();
    }
    expect(client.isOpen).toBe(false);
  });

  it('refuses a cluster client, and says to pass the url of any node', async () => {
    const client = createCluster({ rootNodes: [{ url: cluster.nodes[0]?.url as string }] });
    const refused = await expectCode(
      () => RedisStore.open({ client: client as never, prefix: 'x' }),
      'INVALID_ARGUMENT',
    );
    expect(refused.message).toMatch(/url of any node/);
  });

  it('follows its index when the slot moves to another master (resharding), on the same instance', async () => {
    const [via, source, target] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    const prefix = await prefixOn(source.port);
    const store = await RedisStore.open({ url: via.url, prefix, timeoutMs: 5000 });
    try {
      await store.add(batch(Float32Array.from([1, 2, 3, 4, 5, 6]), 2), [1, 2, 3], [{ n: 0 }, { n: 1 }, { n: 2 }]);
      await store.delete([1]);
      const slot = String(await command(source.port, ['CLUSTER', 'KEYSLOT', `{${prefix}}`]));
      const sourceId = text(await command(source.port, ['CLUSTER', 'MYID']));
      const targetId = text(await command(target.port, ['CLUSTER', 'MYID']));
      await command(target.port, ['CLUSTER', 'SETSLOT', slot, 'IMPORTING', sourceId]);
      await command(source.port, ['CLUSTER', 'SETSLOT', slot, 'MIGRATING', targetId]);
      for (;;) {
        const keys = ((await command(source.port, ['CLUSTER', 'GETKEYSINSLOT', slot, '100'])) as unknown[]).map(text);
        if (keys.length === 0) break;
        await command(source.port, ['MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', ...keys]);
      }
      for (const node of [target, source, via]) {
        await command(node.port, ['CLUSTER', 'SETSLOT', slot, 'NODE', targetId]);
      }
      expect(await ownerOf(prefix)).toBe(target.port);

      // Several calls at once, all answered MOVED, all find the new master.
      const [first, last] = await Promise.all([store.get([0]), store.get([2]), store.refresh()]);
      expect([first?.[0]?.label, last?.[0]?.label]).toEqual([1, 3]);
      expect(plain(await store.get([2, 0]))).toEqual([
        { id: 2, embedding: [5, 6], label: 3, data: { n: 2 } },
        { id: 0, embedding: [1, 2], label: 1, data: { n: 0 } },
      ]);
      expect(Array.from(await store.add(batch(Float32Array.from([7, 8]), 2), [4]))).toEqual([3]);
      expect(await exists(target.port, `{${prefix}}:meta`)).toBe(true);
      await expect(exists(source.port, `{${prefix}}:meta`)).rejects.toThrow(/^MOVED /);
      expect((await all(store.entries())).map((r) => r.label)).toEqual([1, 3, 4]);
      await store.refresh();
      expect(store.size()).toBe(3);

      // A write is the first call after the next move: its WATCH is answered MOVED, and it is retried once.
      const back = String(await command(target.port, ['CLUSTER', 'KEYSLOT', `{${prefix}}`]));
      await command(source.port, ['CLUSTER', 'SETSLOT', back, 'IMPORTING', targetId]);
      await command(target.port, ['CLUSTER', 'SETSLOT', back, 'MIGRATING', sourceId]);
      for (;;) {
        const keys = ((await command(target.port, ['CLUSTER', 'GETKEYSINSLOT', back, '100'])) as unknown[]).map(text);
        if (keys.length === 0) break;
        await command(target.port, ['MIGRATE', '127.0.0.1', String(source.port), '', '0', '5000', 'KEYS', ...keys]);
      }
      for (const node of [source, target, via]) {
        await command(node.port, ['CLUSTER', 'SETSLOT', back, 'NODE', sourceId]);
      }
      expect(Array.from(await store.add(batch(Float32Array.from([9, 10]), 2), [5]))).toEqual([4]);
      expect((await all(store.entries())).map((r) => r.label)).toEqual([1, 3, 4, 5]);
      expect(await exists(source.port, `{${prefix}}:meta`)).toBe(true);
      await store.reset();
    } finally {
      await store.close();
    }
  });
});

// A fixed node the conformance stores are opened through; their prefixes live on the other masters.
describeStore('RedisStore on a Redis Cluster', {
  factory: async () => {
    const via = cluster.nodes[0]?.port as number;
    return RedisStore.open({ url: `redis://127.0.0.1:${via}`, prefix: await prefixOn(via, true) });
  },
  reopen: (closed) => RedisStore.open({ url: cluster.nodes[0]?.url as string, prefix: (closed as RedisStore).prefix }),
});
