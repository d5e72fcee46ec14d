import { join } from 'node:path';
import { HnswSearch } from '@simkit/search-hnsw';
import { Indexer } from '@simkit/indexer';
import { describe, expect, it } from 'vitest';
import { exited, firstLine, simkit, start, tempDir, writeLabels, writeMatrix } from './run.js';

const dir = tempDir('serve');

async function post(url: string, path: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
}

describe('simkit serve', () => {
  it('serves a saved index on loopback, answers lookups, and on SIGTERM saves every acknowledged write', async () => {
    const out = join(dir, 'index');
    // 4 records: [1, 0] (1), [0, 1] (2), [1, 1] (1), [-1, 0] (3); HNSW so the saved search is rebuilt from its own files.
    const vectors = writeMatrix(join(dir, 'v.npy'), [
      [1, 0],
      [0, 1],
      [1, 1],
      [-1, 0],
    ]);
    const labels = writeLabels(join(dir, 'l.npy'), [1, 2, 1, 3]);
    expect(
      (await simkit(['index', vectors, '--labels', labels, '--out', out, '--search', 'hnsw', '--quiet'])).code,
    ).toBe(0);

    const server = start(['serve', out, '--port', '0', '--json'], {
      SIMKIT_WRITE_TOKENS: 'w-token',
      SIMKIT_READ_TOKENS: 'r-token',
    });
    const { url } = JSON.parse(await firstLine(server)) as { url: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    // Reads need a token; a read token can look up; the nearest record of [1, 0.1] is id 0 (label 1).
    expect((await post(url, '/lookup', { embeddings: [[1, 0.1]], k: 1 })).status).toBe(401);
    const lookup = await post(url, '/lookup', { embeddings: [[1, 0.1]], k: 1 }, 'r-token');
    expect(lookup.status).toBe(200);
    const { lookups } = (await lookup.json()) as { lookups: Array<Array<{ id: number; label: number }>> };
    expect(lookups[0]?.[0]).toMatchObject({ id: 0, label: 1 });
    expect((await post(url, '/index', { embeddings: [[0.5, 0.5]], labels: [1] }, 'r-token')).status).toBe(403);

    // Writes from many clients at once; SIGTERM arrives while some are still in flight.
    const acked: number[] = [];
    const writes = Array.from({ length: 60 }, (_, i) =>
      post(url, '/index', { embeddings: [[Math.cos(i), Math.sin(i)]], labels: [i % 5] }, 'w-token')
        .then(async (r) => {
          if (r.status === 201) acked.push(...((await r.json()) as { ids: number[] }).ids);
        })
        .catch(() => undefined),
    );
    await new Promise((r) => setTimeout(r, 20));
    server.kill('SIGTERM');
    await Promise.all(writes);
    expect(await exited(server)).toBe(0);
    expect(acked.length).toBeGreaterThan(0);

    const saved = await Indexer.load(out, { 'hnsw-search': HnswSearch });
    try {
      expect(saved.size()).toBe(4 + acked.length);
      const records = await saved.store.get(acked);
      expect(records.map((r) => r.id).sort((a, b) => a - b)).toEqual([...acked].sort((a, b) => a - b));
    } finally {
      await saved.close();
    }
  });

  it('refuses a directory without an index with one line and exit code 1', async () => {
    const r = await simkit(['serve', dir, '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^simkit serve: NOT_FOUND: .*holds no simkit index/);
  });
});
