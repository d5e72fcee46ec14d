import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimilarityService, createService } from '../src/index.js';
import { expectError, tinyIndex } from './helpers.js';

const READ = 'read-token-123';
const WRITE = 'write-token-456';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let s: SimilarityService;
beforeAll(async () => {
  s = await createService({ index: await tinyIndex(), tokens: { read: [READ], write: [WRITE] } });
});
afterAll(async () => {
  await s.close();
});

const size = async () => (await s.app.inject({ method: 'GET', url: '/info', headers: bearer(READ) })).json().size;

describe('bearer tokens', () => {
  it('/healthz needs no token', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
  });

  it.each(['/info', '/stats', '/metrics', '/openapi.json'])(
    'GET %s without a token is 401 with WWW-Authenticate',
    async (url) => {
      const res = await s.app.inject({ method: 'GET', url });
      expectError(res, 401, 'UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    },
  );

  it('a wrong token is 401, and the index is unchanged', async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/index',
      headers: bearer('write-token-457'),
      payload: { embeddings: [[1, 0]] },
    });
    expectError(res, 401, 'UNAUTHORIZED');
    expect(res.headers['www-authenticate']).toMatch(/invalid_token/);
    expect(await size()).toBe(3);
  });

  it('a token of another length and a non-Bearer scheme are 401', async () => {
    for (const authorization of ['Bearer x', `Basic ${READ}`, READ, 'Bearer']) {
      const res = await s.app.inject({ method: 'GET', url: '/info', headers: { authorization } });
      expectError(res, 401, 'UNAUTHORIZED');
    }
  });

  it('a read token may read', async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/lookup',
      headers: bearer(READ),
      payload: { embeddings: [1, 0], k: 1 },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().lookups[0][0].id).toBe(0);
  });

  it.each([
    ['POST', '/index', { embeddings: [[1, 0]] }],
    ['DELETE', '/records/0', undefined],
    ['POST', '/calibrate', { embeddings: [[1, 0]], labels: [10] }],
    ['POST', '/save', undefined],
  ] as const)('a read token on %s %s is 403 FORBIDDEN and changes nothing', async (method, url, payload) => {
    const res = await s.app.inject({ method, url, headers: bearer(READ), ...(payload && { payload }) });
    expectError(res, 403, 'FORBIDDEN');
    expect(await size()).toBe(3);
    expect(s.changed).toBe(false);
  });

  it('a write token may read and write', async () => {
    const look = await s.app.inject({
      method: 'POST',
      url: '/lookup',
      headers: bearer(WRITE),
      payload: { embeddings: [1, 0] },
    });
    expect(look.statusCode).toBe(200);
    const add = await s.app.inject({
      method: 'POST',
      url: '/index',
      headers: bearer(WRITE),
      payload: { embeddings: [[-1, 0]] },
    });
    expect(add.statusCode).toBe(201);
    expect(await size()).toBe(4);
  });

  it('/info says auth is on', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/info', headers: bearer(READ) });
    expect(res.json().auth).toBe(true);
  });
});
