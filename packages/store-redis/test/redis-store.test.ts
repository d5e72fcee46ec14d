import { batch, type LogLevel, randomVectors, writeReferenceSave } from '@simkit/core';
import { expectCode, withTempDir } from '@simkit/core/testing';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { all, plain, rawClient, uniquePrefix, useRedis } from './helpers.js';

const server = useRedis();
const open = (prefix = uniquePrefix('store'), extra: Record<string, unknown> = {}) =>
  RedisStore.open({ url: server.current.url, prefix, ...extra });

/** Stores and clients a test opened, closed after it whatever happens. */
const opened: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});
async function track(store: Promise<RedisStore>): Promise<RedisStore> {
  const s = await store;
  opened.push(s);
  return s;
}
async function raw() {
  const c = await rawClient(server.current.url);
  opened.push({ close: () => c.destroy() });
  return c;
}

/** A log that keeps every message. */
function memoryLog() {
  const entries: Array<{ level: LogLevel; message: string; fields?: Record<string, unknown> }> = [];
  return {
    entries,
    logger: {
      log(level: LogLevel, message: string, fields?: Record<string, unknown>) {
        entries.push({ level, message, ...(fields === undefined ? {} : { fields }) });
      },
    },
  };
}

const vectors = (rows: number, dim: number, seed: number) => batch(randomVectors(rows, dim, seed), dim);

describe('RedisStore: one index shared by several instances', () => {
  it('continues ids across instances on the same prefix; refresh() reads what the other added', async () => {
    const prefix = uniquePrefix('shared');
    const a = await track(open(prefix));
    const b = await track(open(prefix));
    expect(Array.from(await a.add(vectors(3, 4, 1), [1, 2, 3]))).toEqual([0, 1, 2]);
    expect(b.size()).toBe(0); // the count b last saw
    expect(b.dim).toBeUndefined();
    expect(Array.from(await b.add(vectors(2, 4, 2), [4, 5]))).toEqual([3, 4]);
    expect(b.size()).toBe(5); // its own add read the server's meta
    expect(a.size()).toBe(3);
    // a's next add notices b's records although nothing was read in between.
    expect(Array.from(await a.add(vectors(1, 4, 3), [6]))).toEqual([5]);
    await a.delete([5]);
    await a.refresh();
    expect(a.size()).toBe(5);
    expect(a.dim).toBe(4);
    expect((await a.get([4, 0])).map((r) => r.label)).toEqual([5, 1]);
    await b.delete([1]);
    await a.refresh();
    expect(a.size()).toBe(4);
    expect((await all(a.entries())).map((r) => r.id)).toEqual([0, 2, 3, 4]);
  });

  it('concurrent adds from two instances get distinct, consecutive ids and lose nothing', async () => {
    const prefix = uniquePrefix('race');
    const a = await track(open(prefix));
    const b = await track(open(prefix));
    const dim = 3;
    const writes = async (store: RedisStore, who: string) => {
      const got: Array<{ ids: number[]; who: string; k: number }> = [];
      for (let k = 0; k < 40; k++) {
        const rows = 1 + ((k * 7) % 5);
        const data = Array.from({ length: rows }, (_, i) => ({ who, k, i }));
        const ids = await store.add(vectors(rows, dim, k), null, data);
        got.push({ ids: Array.from(ids), who, k });
      }
      return got;
    };
    const [fromA, fromB] = await Promise.all([writes(a, 'a'), writes(b, 'b')]);
    const every = [...fromA, ...fromB];
    const ids = every.flatMap((w) => w.ids).sort((x, y) => x - y);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i));
    for (const w of every) {
      // Each add's ids are one consecutive run.
      expect(w.ids).toEqual(w.ids.map((_, i) => (w.ids[0] as number) + i));
    }
    const records = await all(a.entries());
    expect(records).toHaveLength(ids.length);
    for (const w of every) {
      w.ids.forEach((id, i) => {
        expect(records[id]?.data).toEqual({ who: w.who, k: w.k, i });
      });
    }
    await a.refresh();
    expect(a.size()).toBe(ids.length);
  });

  it('an add with another dimension succeeds after another instance has reset the index', async () => {
    const prefix = uniquePrefix('redim');
    const a = await track(open(prefix));
    const b = await track(open(prefix));
    await a.add(vectors(2, 2, 1));
    await b.reset();
    await b.add(vectors(1, 3, 2));
    expect(a.dim).toBe(2); // stale
    expect(Array.from(await a.add(vectors(1, 3, 3)))).toEqual([1]);
    expect(a.dim).toBe(3);
    await expectCode(() => a.add(vectors(1, 2, 4)), 'DIMENSION_MISMATCH');
  });

  it('reset deletes every key of the prefix, foreign ones too, and reports progress', async () => {
    const prefix = uniquePrefix('reset');
    const progress: number[] = [];
    const s = await track(open(prefix, { onProgress: (e: { done: number }) => progress.push(e.done) }));
    await s.add(vectors(2500, 2, 5));
    const r = await raw();
    await r.sendCommand(['SET', `{${prefix}}:something-else`, 'x']);
    await r.sendCommand(['SET', `{${prefix}}:r:999999`, 'an orphan']);
    await r.sendCommand(['SET', Buffer.concat([Buffer.from(`{${prefix}}:`), Buffer.from([0xff, 0xfe])]), 'not UTF-8']);
    await r.sendCommand(['SET', `{${prefix}x}:meta`, 'another index']);
    await s.delete([7]);
    await s.reset();
    expect(s.size()).toBe(0);
    expect(s.dim).toBeUndefined();
    expect(await r.sendCommand(['KEYS', `{${prefix}}*`])).toEqual([]);
    expect(await r.sendCommand(['EXISTS', `{${prefix}x}:meta`])).toBe(1);
    expect(progress[0]).toBe(0);
    expect(progress[progress.length - 1]).toBe(2502);
    expect(Array.from(await s.add(vectors(1, 5, 6)))).toEqual([0]);
  });

  it('delete of an unknown id deletes nothing, even in a batch with known ids', async () => {
    const s = await track(open());
    await s.add(vectors(5, 2, 7));
    const error = await expectCode(() => s.delete([1, 2, 9, 11]), 'NOT_FOUND');
    expect(error.message).toContain('9, 11');
    expect(s.size()).toBe(5);
    expect((await all(s.entries())).map((r) => r.id)).toEqual([0, 1, 2, 3, 4]);
    await s.delete([1, 1, 3]);
    expect(s.size()).toBe(3);
    await expectCode(() => s.get([3]), 'NOT_FOUND');
  });
});

describe('RedisStore: data layout', () => {
  it('writes the documented keys: meta hash, ids sorted set, one hash per record, all under one hash tag', async () => {
    const prefix = uniquePrefix('layout');
    const s = await track(open(prefix));
    const embeddings = Float32Array.from([0.5, -1.25, 3, 1e-7, 2, 4]);
    await s.add(batch(embeddings, 3), [7, null], [{ file: 'a.png', n: [1, 'é'] }, null]);
    await s.delete([1]);
    await s.add(batch(Float32Array.from([1, 2, 3]), 3), [-3]);
    const r = await raw();
    const keys = ((await r.sendCommand(['KEYS', `*${prefix}*`])) as Buffer[]).map(String).sort();
    expect(keys).toEqual([`{${prefix}}:ids`, `{${prefix}}:meta`, `{${prefix}}:r:0`, `{${prefix}}:r:2`]);
    // Redis Cluster hashes only what is between the first '{' and the next '}': the same text for every key.
    for (const key of keys) expect(key.slice(key.indexOf('{') + 1, key.indexOf('}'))).toBe(prefix);
    const meta = (await r.sendCommand(['HGETALL', `{${prefix}}:meta`])) as Buffer[];
    const metaFields = Object.fromEntries(
      Array.from({ length: meta.length / 2 }, (_, i) => [String(meta[2 * i]), String(meta[2 * i + 1])]),
    );
    expect(metaFields).toEqual({ format: 'simkit-redis-store', version: '1', nextId: '3', size: '2', dim: '3' });
    expect(
      ((await r.sendCommand(['ZRANGE', `{${prefix}}:ids`, '0', '-1', 'WITHSCORES'])) as Buffer[]).map(String),
    ).toEqual(['0', '0', '2', '2']);
    const [e, l, d] = (await r.sendCommand(['HMGET', `{${prefix}}:r:0`, 'e', 'l', 'd'])) as Buffer[];
    expect(e?.length).toBe(12);
    expect([e?.readFloatLE(0), e?.readFloatLE(4), e?.readFloatLE(8)]).toEqual(Array.from(embeddings.subarray(0, 3)));
    expect(String(l)).toBe('7');
    expect(JSON.parse(String(d))).toEqual({ file: 'a.png', n: [1, 'é'] });
    // Absent label and data are absent fields, not empty ones.
    expect(await r.sendCommand(['HLEN', `{${prefix}}:r:2`])).toBe(2);
    expect(String(await r.sendCommand(['HGET', `{${prefix}}:r:2`, 'l']))).toBe('-3');
  });

  it('an add replaces whatever another program left under its record keys', async () => {
    const prefix = uniquePrefix('orphans');
    const r = await raw();
    await r.sendCommand(['SET', `{${prefix}}:r:0`, 'not a hash']);
    await r.sendCommand(['HSET', `{${prefix}}:r:1`, 'l', '5', 'd', '"stale"', 'x', 'y']);
    const s = await track(open(prefix));
    await s.add(vectors(2, 2, 1));
    expect(
      plain(await s.get([0, 1])).map((x) => [(x as { label: unknown }).label, (x as { data: unknown }).data]),
    ).toEqual([
      [null, null],
      [null, null],
    ]);
    expect(await r.sendCommand(['HLEN', `{${prefix}}:r:1`])).toBe(1);
  });

  it('escapes glob characters of the prefix, so reset touches no other index', async () => {
    const prefix = uniquePrefix('gl*b?[a]');
    const other = await track(open(`${prefix.replace('*', 'X')}`));
    await other.add(vectors(2, 2, 1));
    const s = await track(open(prefix));
    await s.add(vectors(2, 2, 2));
    await s.reset();
    expect(s.size()).toBe(0);
    await other.refresh();
    expect(other.size()).toBe(2);
    expect(await all(other.entries())).toHaveLength(2);
  });

  it('a 20 000 × 64 batch goes in as one transaction and comes back bit for bit', async () => {
    const s = await track(open());
    const rows = 20_000;
    const dim = 64;
    const data = randomVectors(rows, dim, 99);
    const labels = Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? null : i % 1000));
    const extra = Array.from({ length: rows }, (_, i) => (i % 4 === 0 ? null : { i }));
    const ids = await s.add(batch(data, dim), labels, extra);
    expect(ids[0]).toBe(0);
    expect(ids[rows - 1]).toBe(rows - 1);
    expect(s.size()).toBe(rows);
    const back = await s.get(ids);
    expect(back).toHaveLength(rows);
    const seen = new Float32Array(rows * dim);
    back.forEach((r, i) => {
      seen.set(r.embedding, i * dim);
      if (r.id !== i || r.label !== labels[i] || JSON.stringify(r.data) !== JSON.stringify(extra[i])) {
        throw new Error(`record ${i} differs`);
      }
    });
    expect(Buffer.from(seen.buffer).equals(Buffer.from(data.buffer))).toBe(true);
    let count = 0;
    for await (const r of s.entries()) {
      if (r.id !== count) throw new Error(`entries gave ${r.id} at ${count}`);
      count++;
    }
    expect(count).toBe(rows);
  });
});

describe('RedisStore: damaged keys are CORRUPT_INDEX naming the key, never garbage', () => {
  async function filled() {
    const prefix = uniquePrefix('damage');
    const s = await track(open(prefix));
    await s.add(vectors(3, 4, 3), [1, 2, 3], [{ a: 1 }, null, 'x']);
    return { s, prefix, r: await raw() };
  }

  const cases: Array<[string, (p: string) => Array<Array<string | Buffer>>, 'get' | 'entries' | 'refresh' | 'add']> = [
    ['an embedding of the wrong length', (p) => [['HSET', `{${p}}:r:1`, 'e', Buffer.alloc(12)]], 'get'],
    [
      'a NaN in an embedding',
      (p) => [['HSET', `{${p}}:r:1`, 'e', Buffer.from(Float32Array.from([1, Number.NaN, 2, 3]).buffer)]],
      'entries',
    ],
    ['a label that is not an integer', (p) => [['HSET', `{${p}}:r:1`, 'l', '1.5']], 'get'],
    ['a label beyond int32', (p) => [['HSET', `{${p}}:r:1`, 'l', '4294967296']], 'get'],
    ['data that is not JSON', (p) => [['HSET', `{${p}}:r:1`, 'd', '{oops']], 'entries'],
    ['data that is not UTF-8', (p) => [['HSET', `{${p}}:r:1`, 'd', Buffer.from([0x22, 0xff, 0x22])]], 'get'],
    ['a record without embedding', (p) => [['HDEL', `{${p}}:r:1`, 'e']], 'get'],
    ['a listed record that is missing', (p) => [['DEL', `{${p}}:r:1`]], 'entries'],
    [
      'a record key of another type',
      (p) => [
        ['DEL', `{${p}}:r:1`],
        ['SET', `{${p}}:r:1`, 'x'],
      ],
      'get',
    ],
    ['meta of another format', (p) => [['HSET', `{${p}}:meta`, 'format', 'something']], 'refresh'],
    ['meta with a garbage nextId', (p) => [['HSET', `{${p}}:meta`, 'nextId', 'many']], 'add'],
    ['meta with size above nextId', (p) => [['HSET', `{${p}}:meta`, 'size', '9']], 'refresh'],
    ['meta whose size disagrees with the ids set', (p) => [['ZREM', `{${p}}:ids`, '2']], 'add'],
    ['meta with a dimension of 0', (p) => [['HSET', `{${p}}:meta`, 'dim', '0']], 'get'],
    [
      'meta that is not a hash',
      (p) => [
        ['DEL', `{${p}}:meta`],
        ['SET', `{${p}}:meta`, 'x'],
      ],
      'refresh',
    ],
    [
      'ids that are not a sorted set',
      (p) => [
        ['DEL', `{${p}}:ids`],
        ['SADD', `{${p}}:ids`, '0'],
      ],
      'entries',
    ],
    ['ids that are not numbers', (p) => [['ZADD', `{${p}}:ids`, '0.5', 'zero']], 'entries'],
    ['records without meta', (p) => [['DEL', `{${p}}:meta`]], 'refresh'],
  ];

  it.each(cases)('%s', async (_, damage, operation) => {
    const { s, prefix, r } = await filled();
    for (const command of damage(prefix)) await r.sendCommand(command);
    const run = {
      get: () => s.get([0, 1, 2]),
      entries: () => all(s.entries()),
      refresh: () => s.refresh(),
      add: () => s.add(vectors(1, 4, 9)),
    }[operation];
    const error = await expectCode(run, 'CORRUPT_INDEX');
    expect(error.message).toContain(`{${prefix}}`);
  });

  it('the add that finds damage writes nothing', async () => {
    const { s, prefix, r } = await filled();
    await r.sendCommand(['HSET', `{${prefix}}:meta`, 'size', '2']);
    await expectCode(() => s.add(vectors(1, 4, 9)), 'CORRUPT_INDEX');
    expect(await r.sendCommand(['EXISTS', `{${prefix}}:r:3`])).toBe(0);
    expect(await r.sendCommand(['ZCARD', `{${prefix}}:ids`])).toBe(3);
  });

  it('a layout newer than this package reads is UNSUPPORTED', async () => {
    const { prefix, r } = await filled();
    await r.sendCommand(['HSET', `{${prefix}}:meta`, 'version', '2']);
    await expectCode(() => open(prefix), 'UNSUPPORTED');
  });

  it('open refuses an index whose meta and ids disagree', async () => {
    const { prefix, r } = await filled();
    await r.sendCommand(['ZADD', `{${prefix}}:ids`, '7', '7']);
    await expectCode(() => open(prefix), 'CORRUPT_INDEX');
  });
});

describe('RedisStore: options are checked, with messages that say what to do', () => {
  const url = () => server.current.url;

  it.each<[string, () => unknown, RegExp]>([
    ['no options', () => RedisStore.open(undefined as never), /options must be an object/],
    ['no server', () => RedisStore.open({ prefix: 'p' }), /say which server to use/],
    ['client and url', () => RedisStore.open({ url: url(), client: createClient(), prefix: 'p' }), /not both/],
    ['a url of another scheme', () => RedisStore.open({ url: 'http://localhost:6379', prefix: 'p' }), /Redis URL/],
    ['a url that is not a string', () => RedisStore.open({ url: 6379 as never, prefix: 'p' }), /got 6379/],
    ['a url with a path', () => RedisStore.open({ url: 'redis://localhost/db', prefix: 'p' }), /database number/],
    ['no prefix', () => RedisStore.open({ url: url() } as never), /prefix must be a non-empty string/],
    ['an empty prefix', () => RedisStore.open({ url: url(), prefix: '' }), /it is empty/],
    ['a prefix with braces', () => RedisStore.open({ url: url(), prefix: 'a{b}' }), /hash tag/],
    ['a prefix with a space', () => RedisStore.open({ url: url(), prefix: 'a b' }), /unprintable/],
    ['a prefix with a newline', () => RedisStore.open({ url: url(), prefix: 'a\nb' }), /unprintable/],
    ['a long prefix', () => RedisStore.open({ url: url(), prefix: 'x'.repeat(201) }), /201 characters/],
    ['a prefix that is not a string', () => RedisStore.open({ url: url(), prefix: 5 as never }), /it is 5/],
    ['a timeout of 0', () => RedisStore.open({ url: url(), prefix: 'p', timeoutMs: 0 }), /timeoutMs must be/],
    ['a fractional timeout', () => RedisStore.open({ url: url(), prefix: 'p', timeoutMs: 1.5 }), /timeoutMs/],
    ['a timeout as text', () => RedisStore.open({ url: url(), prefix: 'p', timeoutMs: '5' as never }), /timeoutMs/],
    ['a logger without log()', () => RedisStore.open({ url: url(), prefix: 'p', logger: {} as never }), /log\(level/],
    [
      'onProgress not a function',
      () => RedisStore.open({ url: url(), prefix: 'p', onProgress: 1 as never }),
      /onProgress/,
    ],
    [
      'an unknown option',
      () => RedisStore.open({ url: url(), prefix: 'p', timeout: 5 } as never),
      /unknown option 'timeout'/,
    ],
    ['a client that is not one', () => RedisStore.open({ client: {} as never, prefix: 'p' }), /createClient/],
    [
      'a cluster client',
      () =>
        RedisStore.open({
          client: { duplicate() {}, sendCommand() {}, masters: [], slots: [] } as never,
          prefix: 'p',
        }),
      /Cluster client/,
    ],
    ['factory options that are not an object', () => RedisStore.factory(null as never), /options must be an object/],
    ['a factory prefix', () => RedisStore.factory({ prefix: 'p' } as never), /unknown option 'prefix'/],
    ['a factory with client and url', () => RedisStore.factory({ url: url(), client: createClient() }), /not both/],
  ])('refuses %s with INVALID_ARGUMENT', async (_, call, message) => {
    const error = await expectCode(call, 'INVALID_ARGUMENT');
    expect(error.message).toMatch(message);
  });

  it('never shows the password of a bad url', async () => {
    const error = await expectCode(
      () => RedisStore.open({ url: 'redis://user:hunter2@host/some/path', prefix: 'p' }),
      'INVALID_ARGUMENT',
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('checks save and load directories', async () => {
    const s = await track(open());
    await expectCode(() => s.save(''), 'INVALID_ARGUMENT');
    await expectCode(() => s.load(42 as never), 'INVALID_ARGUMENT');
  });
});

describe('RedisStore: save and load record where the index lives', () => {
  it('save writes a reference without password; load switches to its prefix and shows the records as they are now', async () => {
    const prefix = uniquePrefix('save');
    const secretUrl = `redis://default:s3cret-pw@127.0.0.1:${server.current.port}`;
    const s = await track(RedisStore.open({ url: secretUrl, prefix }));
    expect(s.url).toBe(`redis://default@127.0.0.1:${server.current.port}`);
    expect(JSON.stringify(s.toConfig())).not.toContain('s3cret');
    await s.add(vectors(4, 3, 1), [1, 2, 3, 4]);
    await s.delete([0]);
    await withTempDir(async (dir) => {
      await s.save(dir);
      const { readFile, readdir } = await import('node:fs/promises');
      const { join } = await import('node:path');
      const gen = (await readdir(dir)).find((n) => n.startsWith('gen-')) as string;
      const text = await readFile(join(dir, gen, 'redis-store.json'), 'utf8');
      expect(text).not.toContain('s3cret');
      expect(JSON.parse(text)).toEqual({
        format: 'simkit-redis-store-reference',
        version: 1,
        url: `redis://default@127.0.0.1:${server.current.port}`,
        prefix,
        size: 3,
        nextId: 4,
        dim: 3,
      });
      // The records change after the save; a load shows them as they are now.
      await s.add(vectors(1, 3, 2), [5]);
      const log = memoryLog();
      const t = await track(open(uniquePrefix('other'), { logger: log.logger }));
      await t.load(dir);
      expect(t.prefix).toBe(prefix);
      expect(t.size()).toBe(4);
      expect((await all(t.entries())).map((r) => r.label)).toEqual([2, 3, 4, 5]);
      expect(log.entries.some((e) => e.level === 'warn')).toBe(false);
      expect(log.entries.some((e) => e.message.includes('changed since it was saved'))).toBe(true);
      expect(t.toConfig().config).toEqual({ url: server.current.url, prefix });
    });
  });

  it('load warns when the save names another server, and uses the connected one', async () => {
    const prefix = uniquePrefix('moved');
    const s = await track(open(prefix));
    await s.add(vectors(2, 2, 1));
    await withTempDir(async (dir) => {
      await writeReferenceSave(dir, 'redis-store', 'redis-store.json', {
        format: 'simkit-redis-store-reference',
        version: 1,
        url: 'redis://elsewhere.example:6380/0',
        prefix,
        size: 2,
        nextId: 2,
        dim: 2,
      });
      const log = memoryLog();
      const t = await track(open(uniquePrefix('any'), { logger: log.logger }));
      await t.load(dir);
      expect(t.size()).toBe(2);
      const warning = log.entries.find((e) => e.level === 'warn');
      expect(warning?.fields).toMatchObject({
        saved: 'redis://elsewhere.example:6380/0',
        connected: server.current.url,
      });
    });
  });

  const good = {
    format: 'simkit-redis-store-reference',
    version: 1,
    url: 'redis://127.0.0.1:6379',
    prefix: 'p',
    size: 1,
    nextId: 2,
    dim: 3,
  };
  it.each<[string, Record<string, unknown>, 'CORRUPT_INDEX' | 'UNSUPPORTED']>([
    ['another format', { format: 'x' }, 'CORRUPT_INDEX'],
    ['a newer version', { version: 2 }, 'UNSUPPORTED'],
    ['a version of 0', { version: 0 }, 'CORRUPT_INDEX'],
    ['no url', { url: undefined }, 'CORRUPT_INDEX'],
    ['a bad prefix', { prefix: 'a{b}' }, 'CORRUPT_INDEX'],
    ['size above nextId', { size: 3 }, 'CORRUPT_INDEX'],
    ['a negative nextId', { nextId: -1 }, 'CORRUPT_INDEX'],
    ['a dimension of 0', { dim: 0 }, 'CORRUPT_INDEX'],
    ['a dimension as text', { dim: '3' }, 'CORRUPT_INDEX'],
  ])('load refuses a reference with %s and keeps its index', async (_, change, code) => {
    const prefix = uniquePrefix('keep');
    const s = await track(open(prefix));
    await s.add(vectors(1, 2, 1));
    await withTempDir(async (dir) => {
      await writeReferenceSave(dir, 'redis-store', 'redis-store.json', { ...good, ...change });
      await expectCode(() => s.load(dir), code);
      expect(s.prefix).toBe(prefix);
      expect(s.size()).toBe(1);
    });
  });
});

describe('RedisStore: configs and factories', () => {
  it('toConfig → factory({ url }).fromConfig opens the same index', async () => {
    const prefix = uniquePrefix('config');
    const s = await track(open(prefix));
    await s.add(vectors(3, 2, 1), [1, 2, 3]);
    const config = JSON.parse(JSON.stringify(s.toConfig()));
    expect(config).toEqual({
      type: 'redis-store',
      version: 1,
      package: '@simkit/store-redis',
      config: { url: server.current.url, prefix },
    });
    const t = await track(RedisStore.factory({ url: server.current.url, timeoutMs: 3000 }).fromConfig(config));
    expect(t.prefix).toBe(prefix);
    expect(t.size()).toBe(3);
    const u = await track(RedisStore.fromConfig(config));
    expect(plain(await all(u.entries()))).toEqual(plain(await all(s.entries())));
  });

  it('fromConfig takes the password from REDIS_PASSWORD for the recorded url', async () => {
    const prefix = uniquePrefix('env');
    const s = await track(open(prefix));
    await s.add(vectors(1, 2, 1));
    const config = s.toConfig();
    // A server without requirepass accepts any password of the default user; one for another user fails.
    const before = process.env.REDIS_PASSWORD;
    try {
      process.env.REDIS_PASSWORD = 'from-env';
      const t = await track(RedisStore.fromConfig(config));
      expect(t.size()).toBe(1);
      expect(t.url).not.toContain('from-env');
      const withUser = {
        ...config,
        config: { ...config.config, url: `redis://nobody@127.0.0.1:${server.current.port}` },
      };
      const error = await expectCode(() => RedisStore.fromConfig(withUser), 'UNAVAILABLE');
      expect(error.message).toMatch(/refused the credentials/);
      expect(error.message).not.toContain('from-env');
    } finally {
      if (before === undefined) delete process.env.REDIS_PASSWORD;
      else process.env.REDIS_PASSWORD = before;
    }
  });

  it('factory({ client }) connects with the settings of the caller’s client', async () => {
    const prefix = uniquePrefix('fclient');
    const s = await track(open(prefix));
    await s.add(vectors(2, 2, 1));
    const client = createClient({ socket: { host: '127.0.0.1', port: server.current.port } });
    client.on('error', () => undefined);
    await client.connect();
    opened.push({ close: () => client.destroy() });
    const t = await track(RedisStore.factory({ client }).fromConfig(s.toConfig()));
    expect(t.size()).toBe(2);
    expect(t.url).toBe(`redis://127.0.0.1:${server.current.port}`);
  });

  it.each<[string, Record<string, unknown>, 'INVALID_ARGUMENT' | 'UNSUPPORTED']>([
    ['another type', { type: 'level-store' }, 'INVALID_ARGUMENT'],
    ['a newer version', { version: 2 }, 'UNSUPPORTED'],
    ['a bad prefix', { config: { url: 'redis://127.0.0.1:1', prefix: '' } }, 'INVALID_ARGUMENT'],
    ['no url', { config: { prefix: 'p' } }, 'INVALID_ARGUMENT'],
  ])('fromConfig refuses a config with %s', async (_, change, code) => {
    const config = { type: 'redis-store', version: 1, config: { url: 'redis://127.0.0.1:1', prefix: 'p' }, ...change };
    await expectCode(() => RedisStore.fromConfig(config), code);
  });
});

describe('RedisStore: a client of the caller', () => {
  it('is used for its settings only: never watched, never closed', async () => {
    const client = createClient({ url: server.current.url });
    client.on('error', () => undefined);
    await client.connect();
    opened.push({ close: () => client.destroy() });
    const prefix = uniquePrefix('client');
    const s = await RedisStore.open({ client, prefix });
    expect(s.url).toBe(server.current.url);
    await s.add(vectors(3, 2, 1), [1, 2, 3]);
    await s.delete([1]);
    expect((await s.get([2])).map((r) => r.label)).toEqual([3]);
    expect(client.isWatching).toBe(false);
    await s.close();
    expect(client.isOpen).toBe(true);
    expect(await client.zCard(`{${prefix}}:ids`)).toBe(2);
  });
});

describe('RedisStore: close', () => {
  it('waits for queued writes, then refuses every call with NOT_READY', async () => {
    const prefix = uniquePrefix('close');
    const s = await open(prefix);
    const pending = s.add(vectors(500, 8, 1));
    const closed = s.close();
    expect(Array.from((await pending).subarray(0, 2))).toEqual([0, 1]);
    await closed;
    await s.close(); // twice is fine
    expect(s.size()).toBe(500);
    const calls: Array<() => unknown> = [
      () => s.add(vectors(1, 8, 2)),
      () => s.get([0]),
      () => s.delete([0]),
      () => all(s.entries()),
      () => s.refresh(),
      () => s.reset(),
      () => s.save('/tmp/never-written'),
      () => s.load('/tmp/never-read'),
    ];
    for (const call of calls) {
      const error = await expectCode(call, 'NOT_READY');
      expect(error.message).toContain('closed');
    }
    const t = await track(open(prefix));
    expect(t.size()).toBe(500);
  });

  it('fails an iteration that was under way when close() came with NOT_READY at its next page', async () => {
    const s = await open();
    await s.add(vectors(3000, 4, 1));
    const iterator = s.entries()[Symbol.asyncIterator]();
    await iterator.next();
    await s.close();
    let yielded = 1;
    const error = await expectCode(async () => {
      // The rest of the first page of 1000 was read before close().
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) yielded++;
    }, 'NOT_READY');
    expect(yielded).toBe(1000);
    expect(error.message).toContain('closed');
  });
});
