import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { withTempDir } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const fixture = join(import.meta.dirname, 'fixtures', 'level-index.mjs');

describe('Indexer with @simkit/store-level', () => {
  it('index → exit → a new process loads the saved index and answers identically, without re-adding', async () => {
    await withTempDir(async (root) => {
      const location = join(root, 'records');
      const indexDir = join(root, 'index');
      const first = await run(process.execPath, [fixture, 'write', location, indexDir]);
      const before = JSON.parse(first.stdout);
      // The saved index is a snapshot: it must not need the original store location.
      await rm(location, { recursive: true, force: true });
      const second = await run(process.execPath, [fixture, 'read', indexDir]);
      const after = JSON.parse(second.stdout);
      expect(after.size).toBe(500);
      expect(after.lookups).toEqual(before);
      expect(before).toHaveLength(20);
      expect(before[0]).toHaveLength(5);
    });
  });
});
