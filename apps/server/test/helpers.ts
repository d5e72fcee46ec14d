import { Indexer } from '@simkit/indexer';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { ErrorBody } from '../src/index.js';

/**
 * Three 2-d records under cosine distance (distance = 1 - cos θ):
 *   id 0 = (1, 0), label 10, data 'east'
 *   id 1 = (0, 1), label 20, data 'north'
 *   id 2 = (1, 1), label 10, data 'north-east'
 */
export async function tinyIndex(): Promise<Indexer> {
  const index = new Indexer({ embeddingSize: 2, distance: 'cosine' });
  await index.batchAdd(
    [
      [1, 0],
      [0, 1],
      [1, 1],
    ],
    [10, 20, 10],
    ['east', 'north', 'north-east'],
  );
  return index;
}

/** 1 - 1/√2: the cosine distance between (1, 0) and (1, 1). */
export const HALF_RIGHT = 1 - Math.SQRT1_2;

/** Float32 little-endian bytes of rows. */
export function f32(rows: number[][]): Buffer {
  const flat = Float32Array.from(rows.flat());
  const out = Buffer.alloc(flat.length * 4);
  for (let i = 0; i < flat.length; i++) out.writeFloatLE(flat[i] as number, i * 4);
  return out;
}

/** Asserts an error response: status, stable code, and the JSON shape `{ error: { code, message } }`. */
export function expectError(res: LightMyRequestResponse, status: number, code: string): void {
  expect({ status: res.statusCode, body: res.body }).toMatchObject({ status });
  const body = res.json() as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(10);
}

/** A deferred promise: `release()` resolves it. */
export function gate(): { promise: Promise<void>; release: () => void } {
  let release = () => {};
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/** Yields to the event loop until `condition()` holds (no timing assumptions: it only waits). */
export async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setImmediate(resolve));
}
