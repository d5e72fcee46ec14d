import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimilarityService, createService } from '../src/index.js';
import { expectError, f32, tinyIndex } from './helpers.js';

let s: SimilarityService;
beforeAll(async () => {
  s = await createService({ index: await tinyIndex(), maxK: 3, maxBatch: 4, bodyLimit: 4096 });
});
afterAll(async () => {
  await s.close();
});

/** Index size and the lookups of two fixed queries: what a bad request must leave as it was. */
async function snapshot(): Promise<unknown> {
  const info = await s.app.inject({ method: 'GET', url: '/info' });
  const look = await s.app.inject({
    method: 'POST',
    url: '/lookup',
    payload: {
      embeddings: [
        [1, 0],
        [0, 1],
      ],
      k: 3,
    },
  });
  return { size: info.json().size, lookups: look.json().lookups };
}

const json = (url: string, payload: unknown): InjectOptions => ({ method: 'POST', url, payload: payload as object });
const binary = (url: string, payload: Buffer): InjectOptions => ({
  method: 'POST',
  url,
  headers: { 'content-type': 'application/octet-stream' },
  payload,
});

const nanBody = Buffer.alloc(8);
nanBody.writeFloatLE(1, 0);
nanBody.writeFloatLE(Number.NaN, 4);
const infBody = Buffer.alloc(8);
infBody.writeFloatLE(Number.NEGATIVE_INFINITY, 0);

const cases: Array<[string, InjectOptions, number, string]> = [
  ['wrong dimension (JSON)', json('/lookup', { embeddings: [[1, 0, 0]] }), 400, 'DIMENSION_MISMATCH'],
  ['wrong dimension in a later row', json('/index', { embeddings: [[1, 0], [1]] }), 400, 'DIMENSION_MISMATCH'],
  [
    'binary body not a multiple of 4·dim (12 bytes for dim 2)',
    binary('/index', Buffer.alloc(12)),
    400,
    'DIMENSION_MISMATCH',
  ],
  ['NaN in a binary body', binary('/index', nanBody), 400, 'INVALID_ARGUMENT'],
  ['-Infinity in a binary body', binary('/lookup', infBody), 400, 'INVALID_ARGUMENT'],
  ['a number beyond float32 (1e39)', json('/index', { embeddings: [[1e39, 0]] }), 400, 'INVALID_ARGUMENT'],
  ['a string in an embedding', json('/index', { embeddings: [[1, '0']] }), 400, 'INVALID_ARGUMENT'],
  ['null in an embedding', json('/index', { embeddings: [[1, null]] }), 400, 'INVALID_ARGUMENT'],
  ['empty embeddings', json('/index', { embeddings: [] }), 400, 'INVALID_ARGUMENT'],
  ['missing embeddings', json('/index', { labels: [1] }), 400, 'INVALID_ARGUMENT'],
  ['an unknown field', json('/index', { embeddings: [[1, 0]], colour: 'red' }), 400, 'INVALID_ARGUMENT'],
  ['k too large (maxK 3)', json('/lookup', { embeddings: [1, 0], k: 4 }), 400, 'INVALID_ARGUMENT'],
  ['k = 0', json('/lookup', { embeddings: [1, 0], k: 0 }), 400, 'INVALID_ARGUMENT'],
  ['k not an integer', json('/lookup', { embeddings: [1, 0], k: 1.5 }), 400, 'INVALID_ARGUMENT'],
  ['k as a string in JSON', json('/lookup', { embeddings: [1, 0], k: '2' }), 400, 'INVALID_ARGUMENT'],
  ['?k=abc on a binary body', binary('/lookup?k=abc', f32([[1, 0]])), 400, 'INVALID_ARGUMENT'],
  ['?k=0 on a binary body', binary('/lookup?k=0', f32([[1, 0]])), 400, 'INVALID_ARGUMENT'],
  [
    'too many rows (JSON, maxBatch 4)',
    json('/index', {
      embeddings: [
        [1, 0],
        [1, 0],
        [1, 0],
        [1, 0],
        [1, 0],
      ],
    }),
    400,
    'INVALID_ARGUMENT',
  ],
  [
    'too many rows (binary, maxBatch 4)',
    binary(
      '/index',
      f32([
        [1, 0],
        [1, 0],
        [1, 0],
        [1, 0],
        [1, 0],
      ]),
    ),
    400,
    'INVALID_ARGUMENT',
  ],
  [
    'label count mismatch',
    json('/index', {
      embeddings: [
        [1, 0],
        [0, 1],
      ],
      labels: [1],
    }),
    400,
    'INVALID_ARGUMENT',
  ],
  ['label count mismatch (?labels=)', binary('/index?labels=1,2,3', f32([[1, 0]])), 400, 'INVALID_ARGUMENT'],
  ['a label that is not an integer', json('/index', { embeddings: [[1, 0]], labels: [1.5] }), 400, 'INVALID_ARGUMENT'],
  ['a ?labels= that is not a list of integers', binary('/index?labels=a', f32([[1, 0]])), 400, 'INVALID_ARGUMENT'],
  ['data count mismatch', json('/index', { embeddings: [[1, 0]], data: ['a', 'b'] }), 400, 'INVALID_ARGUMENT'],
  ['calibrate without labels', json('/calibrate', { embeddings: [[1, 0]] }), 400, 'INVALID_ARGUMENT'],
  [
    'calibrate with a null label',
    json('/calibrate', { embeddings: [[1, 0]], labels: [null] }),
    400,
    'INVALID_ARGUMENT',
  ],
  ['match before calibrate', json('/match', { embeddings: [[1, 0]] }), 409, 'NOT_CALIBRATED'],
  [
    'malformed JSON',
    {
      method: 'POST',
      url: '/index',
      headers: { 'content-type': 'application/json' },
      payload: '{"embeddings": [[1, 0]',
    },
    400,
    'INVALID_ARGUMENT',
  ],
  [
    'an empty JSON body',
    { method: 'POST', url: '/index', headers: { 'content-type': 'application/json' }, payload: '' },
    400,
    'INVALID_ARGUMENT',
  ],
  ['a JSON array instead of an object', json('/index', [[1, 0]]), 400, 'INVALID_ARGUMENT'],
  [
    'unsupported media type',
    { method: 'POST', url: '/index', headers: { 'content-type': 'text/csv' }, payload: '1,0' },
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'text/plain',
    { method: 'POST', url: '/index', headers: { 'content-type': 'text/plain' }, payload: '1,0' },
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  ['no body at all', { method: 'POST', url: '/index' }, 400, 'INVALID_ARGUMENT'],
  ['an empty binary body', binary('/index', Buffer.alloc(0)), 400, 'INVALID_ARGUMENT'],
  ['body larger than bodyLimit (4096 bytes)', binary('/index', Buffer.alloc(8192)), 413, 'PAYLOAD_TOO_LARGE'],
  [
    'JSON body larger than bodyLimit',
    json('/index', { embeddings: Array.from({ length: 400 }, () => [0.123456789, 0.987654321]) }),
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  ['remove an unknown id', { method: 'DELETE', url: '/records/99' }, 404, 'NOT_FOUND'],
  ['remove a non-numeric id', { method: 'DELETE', url: '/records/abc' }, 400, 'INVALID_ARGUMENT'],
  ['remove an id beyond int32', { method: 'DELETE', url: '/records/9999999999' }, 404, 'NOT_FOUND'],
  ["match with cutpoint 'all'", json('/match', { embeddings: [[1, 0]], cutpoint: 'all' }), 400, 'INVALID_ARGUMENT'],
];

describe('bad requests are refused with a stable code and leave the index unchanged', () => {
  it.each(cases)('%s', async (_name, request, status, code) => {
    const before = await snapshot();
    const res = await s.app.inject(request);
    expectError(res, status, code);
    expect(await snapshot()).toEqual(before);
    expect(s.changed).toBe(false);
  });

  it('an unknown cutpoint is 400 once calibrated, naming the known ones', async () => {
    const other = await createService({ index: await tinyIndex() });
    try {
      const cal = await other.app.inject(
        json('/calibrate', {
          embeddings: [
            [1, 0.1],
            [0, -1],
          ],
          labels: [10, 30],
        }),
      );
      expect(cal.statusCode).toBe(200);
      const res = await other.app.inject(json('/match', { embeddings: [[1, 0]], cutpoint: 'nope' }));
      expectError(res, 400, 'INVALID_ARGUMENT');
      expect(res.json().error.message).toContain('optimal');
    } finally {
      await other.close();
    }
  });

  it('the too-many-rows message names the limit', async () => {
    const res = await s.app.inject(
      json('/lookup', {
        embeddings: [
          [1, 0],
          [1, 0],
          [1, 0],
          [1, 0],
          [1, 0],
        ],
      }),
    );
    expect(res.json().error.message).toMatch(/maxBatch/);
  });

  it('matching against an empty index is 409 EMPTY_INDEX', async () => {
    const { Indexer } = await import('@simkit/indexer');
    const empty = await createService({ index: new Indexer({ embeddingSize: 2 }) });
    try {
      const res = await empty.app.inject(json('/calibrate', { embeddings: [[1, 0]], labels: [1] }));
      expectError(res, 409, 'EMPTY_INDEX');
    } finally {
      await empty.close();
    }
  });
});
