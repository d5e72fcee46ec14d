import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Indexer } from '@simkit/indexer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createService, installSignalHandlers } from '../src/index.js';
import { expectError, f32, gate, tinyIndex, until } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simkit-server-close-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('close()', () => {
  it('lets an in-flight request finish, refuses new ones, then saves the changed index', async () => {
    const index = await tinyIndex();
    const saveDir = join(dir, 'saved');
    const s = await createService({ index, saveDir });
    const add = await s.app.inject({ method: 'POST', url: '/index', payload: { embeddings: [[-1, 0]], labels: [30] } });
    expect(add.statusCode).toBe(201);
    expect(s.changed).toBe(true);

    const hold = gate();
    const lookup = index.search.lookup.bind(index.search);
    let searching = false;
    index.search.lookup = async (...args) => {
      searching = true;
      await hold.promise;
      return lookup(...args);
    };
    const inFlight = s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: [-1, 0], k: 1 } });
    await until(() => searching);

    let closed = false;
    const closing = s.close().then(() => {
      closed = true;
    });
    expect(s.close()).toBe(s.close()); // idempotent: one shutdown
    const health = await s.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toEqual({ status: 'closing' });
    expectError(
      await s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: [1, 0] } }),
      503,
      'UNAVAILABLE',
    );
    expect(closed).toBe(false);
    expect(await readdir(dir)).toEqual([]); // nothing saved while a request runs

    hold.release();
    const res = await inFlight;
    expect(res.statusCode).toBe(200);
    expect(res.json().lookups[0][0]).toMatchObject({ id: 3, label: 30 });
    await closing;
    expect(closed).toBe(true);
    expect(s.changed).toBe(false);
    const loaded = await Indexer.load(saveDir);
    expect(loaded.size()).toBe(4);
    const [nearest] = await loaded.singleLookup([-2, 0], 1);
    expect(nearest).toMatchObject({ id: 3, label: 30 });
  });

  it('does not save when nothing changed', async () => {
    const s = await createService({ index: await tinyIndex(), saveDir: join(dir, 'saved') });
    const res = await s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: [1, 0] } });
    expect(res.statusCode).toBe(200);
    await s.close();
    expect(await readdir(dir)).toEqual([]);
  });

  it('does not save again after POST /save when nothing changed since', async () => {
    const saveDir = join(dir, 'saved');
    const s = await createService({ index: await tinyIndex(), saveDir });
    await s.app.inject({ method: 'DELETE', url: '/records/1' });
    await s.app.inject({ method: 'POST', url: '/save' });
    expect(s.changed).toBe(false);
    const before = await readdir(saveDir);
    await s.close();
    expect(await readdir(saveDir)).toEqual(before);
    expect((await Indexer.load(saveDir)).size()).toBe(2);
  });
});

describe('over a real socket', () => {
  it('listens on a free port, answers fetch (JSON and binary), and closes', async () => {
    const s = await createService({ index: await tinyIndex(), port: 0 });
    const url = await s.listen();
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await s.listen()).toBe(url);
      const health = await fetch(`${url}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok' });
      const json = await fetch(`${url}/lookup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ embeddings: [[0, 3]], k: 2 }),
      });
      expect(json.status).toBe(200);
      const body = await json.json();
      // (0, 3) points north: id 1 at 0, then id 2 at 1 - 1/√2.
      expect(body.lookups[0].map((l: { id: number }) => l.id)).toEqual([1, 2]);
      const binary = await fetch(`${url}/lookup?k=2`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: new Uint8Array(f32([[0, 3]])),
      });
      expect(await binary.json()).toEqual(body);
    } finally {
      await s.close();
    }
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    await expect(s.listen()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('close() over a real socket', () => {
  it('finishes a request in flight before it resolves, then refuses connections', async () => {
    const index = await tinyIndex();
    const hold = gate();
    const lookup = index.search.lookup.bind(index.search);
    let searching = false;
    index.search.lookup = async (...args) => {
      searching = true;
      await hold.promise;
      return lookup(...args);
    };
    const s = await createService({ index, port: 0 });
    const url = await s.listen();
    const inFlight = fetch(`${url}/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ embeddings: [1, 1], k: 1 }),
    });
    await until(() => searching);
    let closed = false;
    const closing = s.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    hold.release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect((await res.json()).lookups[0][0].id).toBe(2);
    await closing;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});

describe('installSignalHandlers', () => {
  it('closes the service once on the first signal and sets process.exitCode', async () => {
    const saveDir = join(dir, 'saved');
    const s = await createService({ index: await tinyIndex(), saveDir });
    await s.app.inject({ method: 'POST', url: '/index', payload: { embeddings: [[-1, 0]] } });
    const calls: unknown[] = [];
    const before = process.listenerCount('SIGUSR2');
    const previousExitCode = process.exitCode;
    installSignalHandlers(s, { signals: ['SIGUSR2'], onClosed: (error) => calls.push(error) });
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    try {
      process.emit('SIGUSR2');
      expect(process.listenerCount('SIGUSR2')).toBe(before);
      await until(() => calls.length === 1);
      expect(calls).toEqual([undefined]);
      expect(process.exitCode).toBe(0);
      expect((await Indexer.load(saveDir)).size()).toBe(4);
    } finally {
      process.exitCode = previousExitCode;
    }
  });

  it('returns a function that removes the handlers', async () => {
    const s = await createService({ index: await tinyIndex() });
    const before = process.listenerCount('SIGUSR2');
    const uninstall = installSignalHandlers(s, { signals: ['SIGUSR2'] });
    uninstall();
    expect(process.listenerCount('SIGUSR2')).toBe(before);
    await s.close();
  });
});
