import type { Indexer } from '@simkit/indexer';
import { describe, expect, it } from 'vitest';
import { createService } from '../src/index.js';
import { expectError, gate, tinyIndex, until } from './helpers.js';

/** Makes every search of `index` wait until `hold` is released. */
function slowSearch(index: Indexer, hold: Promise<void>): void {
  const lookup = index.search.lookup.bind(index.search);
  index.search.lookup = async (...args) => {
    await hold;
    return lookup(...args);
  };
}

describe('bounded concurrency', () => {
  it('runs maxConcurrent, queues maxQueue, and refuses the rest with 503 OVERLOADED + Retry-After', async () => {
    const index = await tinyIndex();
    const hold = gate();
    slowSearch(index, hold.promise);
    const s = await createService({ index, maxConcurrent: 1, maxQueue: 1 });
    try {
      const lookup = () => s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: [1, 0], k: 1 } });
      const pending = [lookup(), lookup(), lookup(), lookup()];
      // /stats is not gated, so it answers while the lookups wait.
      const stats = async () => (await s.app.inject({ method: 'GET', url: '/stats' })).json().service;
      await until(async () => (await stats()).rejected === 2);
      expect(await stats()).toMatchObject({ inFlight: 1, queued: 1, rejected: 2 });
      hold.release();
      const responses = await Promise.all(pending);
      const ok = responses.filter((r) => r.statusCode === 200);
      const refused = responses.filter((r) => r.statusCode === 503);
      expect(ok).toHaveLength(2);
      expect(refused).toHaveLength(2);
      for (const r of refused) {
        expectError(r, 503, 'OVERLOADED');
        expect(r.headers['retry-after']).toBe('1');
      }
      for (const r of ok) expect(r.json().lookups[0][0].id).toBe(0);
      const metrics = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/^simkit_rejected_total 2$/m);
      expect(metrics).toMatch(/^simkit_requests_total\{route="\/lookup",status="503"\} 2$/m);
    } finally {
      await s.close();
    }
  });

  it('answers 503 TIMEOUT when the work outlasts requestTimeoutMs; the work still finishes', async () => {
    const index = await tinyIndex();
    const hold = gate();
    const add = index.batchAdd.bind(index);
    let added = false;
    index.batchAdd = async (...args) => {
      await hold.promise;
      const ids = await add(...args);
      added = true;
      return ids;
    };
    const s = await createService({ index, requestTimeoutMs: 20 });
    try {
      const res = await s.app.inject({ method: 'POST', url: '/index', payload: { embeddings: [[-1, 0]] } });
      expectError(res, 503, 'TIMEOUT');
      expect(added).toBe(false);
      hold.release();
      await until(() => added);
      expect(index.size()).toBe(4);
      expect(s.changed).toBe(true);
      const stats = (await s.app.inject({ method: 'GET', url: '/stats' })).json().service;
      expect(stats.timedOut).toBe(1);
    } finally {
      await s.close();
    }
  });
});
