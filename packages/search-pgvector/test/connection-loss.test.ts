import { batch } from '@simkit/core';
import { expectCode, withTempDir } from '@simkit/core/testing';
import { freePort } from '@simkit/test-servers';
import { describe, expect, it } from 'vitest';
import { PgvectorSearch } from '../src/index.js';
import { useDatabase } from './server.js';

const db = useDatabase();
const q = batch(Float32Array.from([1, 1]), 2);

describe('connection loss is a typed error, never a hang', () => {
  it('a server that is not there: UNAVAILABLE', async () => {
    const port = await freePort();
    const error = await expectCode(
      () =>
        PgvectorSearch.open({
          distance: 'euclidean',
          connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
          timeoutMs: 3000,
        }),
      'UNAVAILABLE',
    );
    expect(error.message).toMatch(/cannot be reached|does not answer/);
  });

  it('a killed server fails every call with UNAVAILABLE; after a restart the same search works and kept its rows', async () => {
    const s = await PgvectorSearch.open({
      distance: 'euclidean',
      dim: 2,
      table: db.table(),
      connectionString: db.server.url,
      timeoutMs: 20_000,
    });
    try {
      await s.add([0, 1], batch(Float32Array.from([0, 0, 1, 1]), 2));
      await db.server.kill();
      await expectCode(() => s.lookup(q, 1), 'UNAVAILABLE');
      await expectCode(() => s.add([2], batch(Float32Array.from([2, 2]), 2)), 'UNAVAILABLE');
      await expectCode(() => s.remove([0]), 'UNAVAILABLE');
      await expectCode(() => s.refresh(), 'UNAVAILABLE');
      await expectCode(() => s.reset(), 'UNAVAILABLE');
      await withTempDir(async (dir) => {
        await expectCode(() => s.save(dir), 'UNAVAILABLE');
      });
      expect(s.size()).toBe(2);
      await db.server.restart();
      const [r] = await s.lookup(q, 2);
      expect(Array.from(r?.ids ?? [])).toEqual([1, 0]);
      await s.add([2], batch(Float32Array.from([2, 2]), 2));
      await s.refresh();
      expect(s.size()).toBe(3);
    } finally {
      await s.close();
    }
  });

  it('a server that stops answering fails the call with UNAVAILABLE after timeoutMs, and works again when it answers', async () => {
    // Set up with a generous timeout (a busy machine is slow), then look up through a search whose
    // timeout is short, opened on the same table before the server freezes.
    const setup = await PgvectorSearch.open({
      distance: 'euclidean',
      dim: 2,
      table: db.table(),
      pool: db.pool,
      timeoutMs: 60_000,
    });
    await setup.add([0], batch(Float32Array.from([0, 0]), 2));
    const table = setup.location.split('.')[1] as string;
    const s = await PgvectorSearch.open({
      distance: 'euclidean',
      table,
      connectionString: db.server.url,
      timeoutMs: 4000,
    });
    try {
      const pid = db.server.pid as number;
      process.kill(pid, 'SIGSTOP');
      try {
        const error = await expectCode(() => s.lookup(q, 1), 'UNAVAILABLE');
        expect(error.message).toMatch(/4000 ms/);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      const [r] = await s.lookup(q, 1);
      expect(Array.from(r?.ids ?? [])).toEqual([0]);
    } finally {
      await s.close();
    }
  });

  it('the caller’s pool survives a restart too', async () => {
    const s = await PgvectorSearch.open({
      distance: 'euclidean',
      dim: 2,
      table: db.table(),
      pool: db.pool,
      timeoutMs: 20_000,
    });
    await s.add([0], batch(Float32Array.from([0, 0]), 2));
    await db.server.kill();
    await expectCode(() => s.lookup(q, 1), 'UNAVAILABLE');
    await db.server.restart();
    const [r] = await s.lookup(q, 1);
    expect(Array.from(r?.ids ?? [])).toEqual([0]);
  });
});
