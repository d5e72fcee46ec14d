import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimilarityService, createService } from '../src/index.js';
import { buildSchemas } from '../src/schemas.js';
import { tinyIndex } from './helpers.js';

let s: SimilarityService;
beforeAll(async () => {
  s = await createService({ index: await tinyIndex(), maxK: 7, maxBatch: 9 });
  await s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: [1, 0] } });
  await s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: [1, 0, 0] } });
  await s.app.inject({ method: 'DELETE', url: '/records/2' });
});
afterAll(async () => {
  await s.close();
});

describe('GET /metrics', () => {
  it('is Prometheus text format 0.0.4: every other line is `name{labels} value`', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const lines = res.body.trimEnd().split('\n');
    const sample =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|\+Inf|NaN)$/;
    for (const line of lines) {
      if (line.startsWith('#')) expect(line).toMatch(/^# (HELP|TYPE) simkit_[a-z_]+ .+$/);
      else expect(line).toMatch(sample);
    }
    const value = (series: string) => {
      const line = lines.find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    expect(value('simkit_requests_total{route="/lookup",status="200"}')).toBe(1);
    expect(value('simkit_requests_total{route="/lookup",status="400"}')).toBe(1);
    expect(value('simkit_requests_total{route="/records/:id",status="200"}')).toBe(1);
    expect(value('simkit_request_duration_seconds_count{route="/lookup"}')).toBe(2);
    expect(value('simkit_request_duration_seconds_bucket{route="/lookup",le="+Inf"}')).toBe(2);
    expect(value('simkit_errors_total{code="DIMENSION_MISMATCH"}')).toBe(1);
    expect(value('simkit_index_size')).toBe(2);
    expect(value('simkit_in_flight')).toBe(0);
    expect(value('simkit_queued')).toBe(0);
    expect(value('simkit_rejected_total')).toBe(0);
    // Buckets are cumulative.
    const buckets = lines.filter((l) => l.startsWith('simkit_request_duration_seconds_bucket{route="/lookup"'));
    const counts = buckets.map((l) => Number(l.split(' ')[1]));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
  });
});

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3 document listing every route', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'POST /lookup',
        'POST /match',
        'POST /index',
        'DELETE /records/{id}',
        'POST /calibrate',
        'POST /save',
        'GET /info',
        'GET /stats',
        'GET /healthz',
        'GET /metrics',
        'GET /openapi.json',
      ].sort(),
    );
  });

  it('shows the same request schemas that validate the requests', async () => {
    const doc = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const schemas = buildSchemas({ key: 'embeddings', shape: [2], size: 2 }, { maxK: 7, maxBatch: 9 });
    for (const route of ['lookup', 'match', 'index', 'calibrate'] as const) {
      const content = doc.paths[`/${route}`].post.requestBody.content;
      expect(content['application/json'].schema).toEqual(schemas[route].body);
      expect(content['application/octet-stream'].schema.format).toBe('binary');
      const params = doc.paths[`/${route}`].post.parameters as Array<{ name: string; in: string }>;
      expect(params.map((p) => p.name).sort()).toEqual(
        Object.keys(schemas[route].querystring.properties as object).sort(),
      );
    }
    // The limits in the document are the ones enforced: k ≤ maxK (7) and rows ≤ maxBatch (9).
    const k = doc.paths['/lookup'].post.requestBody.content['application/json'].schema.properties.k;
    expect(k.maximum).toBe(7);
    const tooBig = await s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: [1, 0], k: 8 } });
    expect(tooBig.statusCode).toBe(400);
    const atLimit = await s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: [1, 0], k: 7 } });
    expect(atLimit.statusCode).toBe(200);
    const rows = Array.from({ length: 10 }, () => [1, 0]);
    expect((await s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: rows } })).statusCode).toBe(
      400,
    );
    expect(
      (await s.app.inject({ method: 'POST', url: '/lookup', payload: { embeddings: rows.slice(1) } })).statusCode,
    ).toBe(200);
  });
});
