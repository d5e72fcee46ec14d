import { Indexer } from '@simkit/indexer';
import { describe, expect, it } from 'vitest';
import { type ServiceOptions, createService } from '../src/index.js';

const index = new Indexer({ embeddingSize: 2 });

describe('createService options', () => {
  it.each([
    ['neither index nor model', {}],
    ['both index and model', { index, model: {} }],
    ['an index that is not an Indexer', { index: { size: 3 } }],
    ['a model that is not a SimilarityModel', { model: 'model' }],
    ['an unknown option', { index, maxk: 3 }],
    ['port out of range', { index, port: 70000 }],
    ['port not an integer', { index, port: 80.5 }],
    ['maxK 0', { index, maxK: 0 }],
    ['maxBatch negative', { index, maxBatch: -1 }],
    ['bodyLimit a string', { index, bodyLimit: '16mb' }],
    ['maxConcurrent 0', { index, maxConcurrent: 0 }],
    ['maxQueue negative', { index, maxQueue: -1 }],
    ['requestTimeoutMs 0', { index, requestTimeoutMs: 0 }],
    ['an empty host', { index, host: '' }],
    ['an empty saveDir', { index, saveDir: '' }],
    ['tokens not an object', { index, tokens: 'secret' }],
    ['tokens.read not an array', { index, tokens: { read: 'secret' } }],
    ['an empty token', { index, tokens: { write: [''] } }],
    ['a token with a space', { index, tokens: { read: ['a b'] } }],
    ['an unknown tokens key', { index, tokens: { admin: ['x'] } }],
    ['a logger without log()', { index, logger: {} }],
  ])('%s is INVALID_ARGUMENT', async (_name, options) => {
    await expect(createService(options as ServiceOptions)).rejects.toMatchObject({
      name: 'SimkitError',
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/.{20,}/),
    });
  });

  it('a model without an index is INVALID_ARGUMENT saying to compile it', async () => {
    const model = { lookup() {}, index() {}, hasIndex: false };
    await expect(createService({ model } as unknown as ServiceOptions)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('compile()'),
    });
  });

  it('the defaults are reported by /info', async () => {
    const s = await createService({ index });
    try {
      const info = (await s.app.inject({ method: 'GET', url: '/info' })).json();
      expect(info.limits).toEqual({
        maxK: 100,
        maxBatch: 1024,
        bodyLimit: 16 * 1024 * 1024,
        maxConcurrent: 64,
        maxQueue: 1024,
        requestTimeoutMs: 30_000,
      });
      expect(info.auth).toBe(false);
    } finally {
      await s.close();
    }
  });

  it('logs through the injected logger only', async () => {
    const messages: string[] = [];
    const s = await createService({ index, port: 0, logger: { log: (_level, message) => messages.push(message) } });
    const url = await s.listen();
    await s.close();
    expect(messages).toEqual([`listening on ${url}`, 'closed']);
  });
});
