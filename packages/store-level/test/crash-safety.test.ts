import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LevelStore } from '../src/index.js';
import { all, freshDir } from './helpers.js';

const writer = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url));
const DIM = 256;
const BATCH = 1000;

/** Same formula as the writer: record content depends on the id alone. */
const value = (id: number, j: number) => ((id * 31 + j * 7) % 1000) / 8;

/**
 * Starts the writer, waits until it reports `batches` committed batches, then
 * kills it with SIGKILL `delayMs` later, while it is writing a later one. Returns the last count it reported.
 */
function writeUntilKilled(location: string, batches: number, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, location, String(DIM)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let reported = 0;
    let killing = false;
    let stderr = '';
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) reported = Number(line);
      // The delay moves the kill to different points of the next batch's encoding and write.
      if (reported >= batches && !killing) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(reported);
      else reject(new Error(`writer stopped by itself before it was killed: ${stderr}`));
    });
  });
}

describe('LevelStore after a crash', () => {
  it('holds exactly the batches that completed, intact, when the writer is killed mid-write', async () => {
    const dir = await freshDir();
    let batchesBefore = 0;
    // Three crashes in a row on the same store, each writer continuing after the last.
    for (const [target, delayMs] of [
      [3, 0],
      [5, 4],
      [4, 9],
    ] as const) {
      const reported = await writeUntilKilled(dir, target, delayMs);
      expect(reported).toBeGreaterThanOrEqual(target);

      const s = await LevelStore.open(dir);
      try {
        const size = s.size();
        // All or nothing: a whole number of 1,000-record batches …
        expect(size % BATCH).toBe(0);
        // … at least every batch the writer reported, plus possibly the one that
        // committed just before the kill, before its line was printed.
        const batches = size / BATCH - batchesBefore;
        expect(batches).toBeGreaterThanOrEqual(reported);
        expect(batches).toBeLessThanOrEqual(reported + 1);
        expect(s.dim).toBe(DIM);

        const records = await all(s);
        expect(records.length).toBe(size);
        for (let i = 0; i < records.length; i++) {
          const r = records[i];
          // ids 0 … size − 1, each record exactly as written
          expect(r?.id).toBe(i);
          expect(r?.label).toBe(i % 97);
          expect(r?.data).toEqual({ id: i, tag: `r${i}` });
          const e = r?.embedding ?? new Float32Array(0);
          expect(e.length).toBe(DIM);
          for (let j = 0; j < DIM; j++) {
            if (e[j] !== value(i, j)) expect.fail(`record ${i} column ${j}: ${e[j]} ≠ ${value(i, j)}`);
          }
        }
        batchesBefore = size / BATCH;
      } finally {
        await s.close();
      }
    }
  });
});
