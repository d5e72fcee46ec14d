import { type Neighbors, batch, clusteredVectors, randomVectors } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { LinearSearch } from '@simkit/search-linear';
import { describe, expect, it } from 'vitest';
import { PgvectorSearch, type PgvectorSearchOptions } from '../src/index.js';
import { useDatabase } from './server.js';

const db = useDatabase();

// Loads of thousands of rows into a wasm PostgreSQL on a busy 2-core machine can take longer than
// the 30 s default call timeout; these tests are about results, so they allow two minutes.
function open(options: Partial<PgvectorSearchOptions> & { distance?: string } = {}) {
  return PgvectorSearch.open({
    distance: 'euclidean',
    pool: db.pool,
    table: db.table(),
    timeoutMs: 120_000,
    ...options,
  });
}

function plain(rows: Neighbors[]) {
  return rows.map((r) => ({ ids: Array.from(r.ids), distances: Array.from(r.distances) }));
}

function recall(got: Neighbors[], want: Neighbors[]): number {
  let hits = 0;
  let total = 0;
  got.forEach((g, q) => {
    const truth = new Set(want[q]?.ids);
    total += truth.size;
    for (const id of g.ids) if (truth.has(id)) hits++;
  });
  return hits / total;
}

describe('distances follow simkit’s definitions', () => {
  // q = (1, 0); keys: a = (0, 1) (id 0), b = (3, 4) (id 1), c = (−2, 0) (id 2).
  const keys = Float32Array.from([0, 1, 3, 4, -2, 0]);
  const q = batch(Float32Array.from([1, 0]), 2);
  const cases: Array<[string, number[], number[]]> = [
    // √((1−0)² + (0−1)²) = √2; √((1−3)² + (0−4)²) = √20; √((1+2)²) = 3
    ['euclidean', [0, 2, 1], [Math.SQRT2, 3, Math.sqrt(20)]],
    // the squares: 2, 20, 9
    ['squared_euclidean', [0, 2, 1], [2, 9, 20]],
    // 1 − q·k: 1 − 0 = 1; 1 − 3 = −2; 1 − (−2) = 3
    ['inner_product', [1, 0, 2], [-2, 1, 3]],
    // |1−0| + |0−1| = 2; |1−3| + |0−4| = 6; |1+2| = 3
    ['manhattan', [0, 2, 1], [2, 3, 6]],
    // 1 − cos: a ⟂ q → 1; b: 1 − 3/5 = 0.4; c opposite → 2
    ['cosine', [1, 0, 2], [0.4, 1, 2]],
  ];
  for (const [distance, ids, distances] of cases) {
    for (const index of ['exact', 'hnsw'] as const) {
      it(`${distance} (${index})`, async () => {
        const s = await open({ distance, dim: 2, index });
        await s.add([0, 1, 2], batch(keys, 2));
        const [r] = await s.lookup(q, 3);
        expect(Array.from(r?.ids ?? [])).toEqual(ids);
        for (const [j, d] of distances.entries()) expect(r?.distances[j]).toBeCloseTo(d, 5);
      });
    }
  }

  it('matches LinearSearch on clustered data for every distance, in exact mode', async () => {
    const dim = 16;
    const { data } = clusteredVectors(400, dim, 8, 11);
    const queries = batch(randomVectors(20, dim, 12), dim);
    const ids = Array.from({ length: 400 }, (_, i) => i * 3);
    for (const distance of ['euclidean', 'squared_euclidean', 'inner_product', 'manhattan', 'cosine']) {
      const s = await open({ distance, dim, index: 'exact' });
      const reference = new LinearSearch({ distance, dim });
      await s.add(ids, batch(data, dim));
      await reference.add(ids, batch(data, dim));
      const got = await s.lookup(queries, 7);
      const want = await reference.lookup(queries, 7);
      expect(
        got.map((r) => Array.from(r.ids)),
        distance,
      ).toEqual(want.map((r) => Array.from(r.ids)));
      for (const [i, r] of got.entries()) {
        for (const [j, d] of r.distances.entries()) expect(d).toBeCloseTo(want[i]?.distances[j] as number, 4);
      }
    }
  });

  it('refuses distances pgvector cannot compute', async () => {
    await expectCode(() => open({ distance: 'snr' }), 'UNSUPPORTED');
    await expectCode(() => open({ distance: 'manhattan', index: 'ivfflat' }), 'UNSUPPORTED');
  });
});

describe('indexes', () => {
  const dim = 24;
  // 3,050 rows of 30 clusters: the first 3,000 are indexed, the last 50 are the queries.
  const all = clusteredVectors(3050, dim, 30, 21).data;
  const data = all.subarray(0, 3000 * dim);
  const ids = Array.from({ length: 3000 }, (_, i) => i);
  const queries = batch(all.slice(3000 * dim), dim);

  it('hnsw finds the exact neighbours with high recall, and more with a larger efSearch', async () => {
    const exact = await open({ distance: 'cosine', dim, index: 'exact' });
    await exact.add(ids, batch(data, dim));
    const truth = await exact.lookup(queries, 10);
    // Loaded first, then the hnsw index is built over all rows at once: much faster than row by row.
    const small = await open({ distance: 'cosine', dim, index: 'hnsw', efSearch: 10, deferIndex: true });
    await small.add(ids, batch(data, dim));
    await small.reindex();
    const low = recall(await small.lookup(queries, 10), truth);
    const wide = await PgvectorSearch.open({
      distance: 'cosine',
      pool: db.pool,
      table: small.location.split('.')[1] as string,
      index: 'hnsw',
      efSearch: 200,
      timeoutMs: 120_000,
    });
    const high = recall(await wide.lookup(queries, 10), truth);
    expect(low).toBeGreaterThan(0.5);
    expect(high).toBeGreaterThanOrEqual(0.98);
    expect(high).toBeGreaterThanOrEqual(low);
    expect(wide.supports.exact).toBe(false);
    expect(exact.supports.exact).toBe(true);
  });

  it('ivfflat built after loading (deferIndex, reindex) reaches high recall with enough probes', async () => {
    const exact = await open({ distance: 'euclidean', dim, index: 'exact' });
    await exact.add(ids, batch(data, dim));
    const truth = await exact.lookup(queries, 10);
    const s = await open({ distance: 'euclidean', dim, index: 'ivfflat', lists: 30, probes: 10, deferIndex: true });
    await s.add(ids, batch(data, dim));
    const beforeIndex = await s.lookup(queries, 10);
    expect(recall(beforeIndex, truth)).toBe(1); // no index yet: every lookup scans
    await s.reindex();
    const indexes = await db.pool.query('SELECT indexdef FROM pg_indexes WHERE tablename = $1', [
      s.location.split('.')[1],
    ]);
    expect(indexes.rows.map((r) => r.indexdef).join('\n')).toMatch(
      /USING ivfflat \(embedding( vector_l2_ops)?\) WITH \(lists='30'\)/,
    );
    expect(recall(await s.lookup(queries, 10), truth)).toBeGreaterThanOrEqual(0.9);
    // reindex() also analyzed the table, so the planner knows its 3,000 rows.
    const stats = await db.pool.query('SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)', [s.location]);
    expect(stats.rows[0]?.reltuples).toBe(3000);
    await expectCode(() => s.reindex({ timeoutMs: 0 }), 'INVALID_ARGUMENT');
    await s.reindex({ timeoutMs: 60_000 }); // rebuilding an existing index works too
    expect(recall(await s.lookup(queries, 10), truth)).toBeGreaterThanOrEqual(0.9);
  });
});

describe('writes', () => {
  it('one lookup of a batch equals lookups of each query', async () => {
    const s = await open({ dim: 8, index: 'exact' });
    await s.add(
      Array.from({ length: 300 }, (_, i) => i),
      batch(randomVectors(300, 8, 31), 8),
    );
    const queries = randomVectors(9, 8, 32);
    const together = await s.lookup(batch(queries, 8), 5);
    for (let i = 0; i < 9; i++) {
      const [alone] = await s.lookup(batch(queries.subarray(i * 8, i * 8 + 8), 8), 5);
      expect(plain([alone as Neighbors])).toEqual(plain([together[i] as Neighbors]));
    }
  });

  it('an add is all or nothing: a row the server refuses leaves the table as it was', async () => {
    const s = await open({ dim: 2, index: 'exact' });
    await s.add([0, 1], batch(Float32Array.from([0, 0, 1, 1]), 2));
    const table = s.location;
    // A trigger refuses id 7, after the rows before it were inserted in the same statement.
    await db.pool.query(`CREATE FUNCTION refuse_${s.location.split('.')[1]}() RETURNS trigger AS $$
      BEGIN IF NEW.id = 7 THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await db.pool.query(
      `CREATE TRIGGER refuse BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse_${s.location.split('.')[1]}()`,
    );
    // Re-adding id 1 (a replacement) and adding 5, 6, 7: id 7 fails, so nothing changes.
    const error = await expectCode(
      () => s.add([1, 5, 6, 7], batch(Float32Array.from([9, 9, 5, 5, 6, 6, 7, 7]), 2)),
      'IO_ERROR',
    );
    expect(error.message).toMatch(/refused/);
    expect(s.size()).toBe(2);
    await s.refresh();
    expect(s.size()).toBe(2);
    const [r] = await s.lookup(batch(Float32Array.from([1, 1]), 2), 5);
    expect(plain([r as Neighbors])).toEqual([{ ids: [1, 0], distances: [0, Math.fround(Math.SQRT2)] }]);
  });

  it('re-adding an id replaces its vector; remove of an unknown id removes nothing', async () => {
    const s = await open({ dim: 2, index: 'exact' });
    await s.add([0, 1, 2], batch(Float32Array.from([0, 0, 1, 0, 2, 0]), 2));
    await s.add([1], batch(Float32Array.from([10, 0]), 2));
    expect(s.size()).toBe(3);
    const [r] = await s.lookup(batch(Float32Array.from([10, 0]), 2), 1);
    expect(Array.from(r?.ids ?? [])).toEqual([1]);
    const error = await expectCode(() => s.remove([0, 42, 43]), 'NOT_FOUND');
    expect(error.details?.ids).toEqual([42, 43]);
    expect(s.size()).toBe(3);
    await s.refresh();
    expect(s.size()).toBe(3);
  });

  it('labels given to add are filtered inside PostgreSQL, and still give k results with an index', async () => {
    const dim = 8;
    const n = 2000;
    const s = await open({ distance: 'cosine', dim, index: 'hnsw', efSearch: 10, deferIndex: true });
    const labels = Array.from({ length: n }, (_, i) => (i % 100 === 0 ? 1 : 0)); // 1% carry label 1
    await s.add(
      Array.from({ length: n }, (_, i) => i),
      batch(randomVectors(n, dim, 41), dim),
      { labels },
    );
    await s.reindex();
    const rows = await s.lookup(batch(randomVectors(10, dim, 42), dim), 10, { labels: [1] });
    for (const r of rows) {
      expect(r.ids.length).toBe(10);
      for (const id of r.ids) expect(id % 100).toBe(0);
    }
    await expectCode(() => s.lookup(batch(randomVectors(1, dim, 43), dim), 3, { labels: [] }), 'INVALID_ARGUMENT');
    await expectCode(() => s.lookup(batch(randomVectors(1, dim, 43), dim), 3, { labels: [1.5] }), 'INVALID_ARGUMENT');
  });

  it('a JS filter keeping 1% still gives k results, and one keeping 3 ids gives those 3', async () => {
    const dim = 8;
    const n = 3000;
    const s = await open({ distance: 'cosine', dim, index: 'hnsw', efSearch: 10, deferIndex: true });
    await s.add(
      Array.from({ length: n }, (_, i) => i),
      batch(randomVectors(n, dim, 51), dim),
    );
    await s.reindex();
    const queries = batch(randomVectors(6, dim, 52), dim);
    for (const r of await s.lookup(queries, 10, { filter: (id) => id % 100 === 0 })) {
      expect(r.ids.length).toBe(10);
      for (const id of r.ids) expect(id % 100).toBe(0);
      for (let j = 1; j < r.distances.length; j++)
        expect(r.distances[j]).toBeGreaterThanOrEqual(r.distances[j - 1] as number);
    }
    const few = new Set([5, 1500, 2999]);
    for (const r of await s.lookup(queries, 10, { filter: (id) => few.has(id) })) {
      expect(new Set(r.ids)).toEqual(few);
    }
    expect(s.stats().widenedLookups).toBeGreaterThan(0);
  });

  it('a JS filter that over-fetching cannot satisfy ends in an exact scan over the ids it accepts', async () => {
    // 6,000 rows: more than the 4,000 candidates a filtered lookup fetches at most, so a filter
    // keeping 2 far-away ids is answered by the exact fallback, with true distances.
    const dim = 4;
    const n = 6000;
    const s = await open({ distance: 'euclidean', dim, index: 'exact' });
    const data = randomVectors(n, dim, 71);
    await s.add(
      Array.from({ length: n }, (_, i) => i),
      batch(data, dim),
    );
    const query = batch(Float32Array.from([0, 0, 0, 0]), dim);
    const [r] = await s.lookup(query, 5, { filter: (id) => id === 17 || id === 5999 });
    const norm = (i: number) => Math.hypot(...data.subarray(i * dim, (i + 1) * dim));
    const want = [17, 5999].sort((a, b) => norm(a) - norm(b));
    expect(Array.from(r?.ids ?? [])).toEqual(want);
    want.forEach((id, j) => {
      expect(r?.distances[j]).toBeCloseTo(norm(id), 5);
    });
    expect(s.stats().widenedLookups).toBe(1);
  });

  it('reset empties the table and keeps it usable', async () => {
    const s = await open({ dim: 2, index: 'hnsw' });
    await s.add([0, 1], batch(Float32Array.from([0, 0, 1, 1]), 2));
    await s.reset();
    expect(s.size()).toBe(0);
    await s.refresh();
    expect(s.size()).toBe(0);
    await s.add([0], batch(Float32Array.from([3, 3]), 2));
    expect(s.size()).toBe(1);
  });
});

describe('one table shared by several searches', () => {
  it('a second instance sees what the first adds; size() catches up on refresh()', async () => {
    const a = await open({ dim: 3, index: 'hnsw' });
    const table = a.location.split('.')[1] as string;
    const b = await PgvectorSearch.open({ distance: 'euclidean', pool: db.pool, table });
    expect(b.dim).toBe(3);
    await a.add([0, 1, 2], batch(Float32Array.from([0, 0, 0, 1, 1, 1, 2, 2, 2]), 3));
    expect(b.size()).toBe(0); // what b last saw
    const [r] = await b.lookup(batch(Float32Array.from([1, 1, 1]), 3), 1);
    expect(Array.from(r?.ids ?? [])).toEqual([1]); // lookups always see the table as it is
    await b.refresh();
    expect(b.size()).toBe(3);
    await b.remove([0]);
    await a.refresh();
    expect(a.size()).toBe(2);
    expect(a.supports.shared).toBe(true);
  });

  it('refuses a table made for another distance, another dimension, or by someone else', async () => {
    const a = await open({ distance: 'cosine', dim: 4 });
    const table = a.location.split('.')[1] as string;
    await expectCode(() => PgvectorSearch.open({ distance: 'euclidean', pool: db.pool, table }), 'INVALID_ARGUMENT');
    await expectCode(
      () => PgvectorSearch.open({ distance: 'cosine', dim: 5, pool: db.pool, table }),
      'DIMENSION_MISMATCH',
    );
    const foreign = db.table();
    await db.pool.query(`CREATE TABLE ${foreign} (id integer, name text)`);
    const error = await expectCode(() => open({ table: foreign, dim: 2 }), 'INVALID_ARGUMENT');
    expect(error.message).toMatch(/not a simkit pgvector table/);
    const untouched = await db.pool.query(`SELECT count(*)::int AS n FROM ${foreign}`);
    expect(untouched.rows[0]?.n).toBe(0);
  });
});

describe('input checks', () => {
  it('accepts only plain identifiers, so nothing reaches SQL text unchecked', async () => {
    for (const table of ['x; DROP TABLE users', 'Upper', '1abc', '"quoted"', '', 'a'.repeat(49)]) {
      await expectCode(() => open({ table }), 'INVALID_ARGUMENT');
    }
    await expectCode(() => open({ schema: 'public; --' }), 'INVALID_ARGUMENT');
  });

  it('checks every option with a typed error', async () => {
    await expectCode(() => PgvectorSearch.open({ distance: 'cosine' } as PgvectorSearchOptions), 'INVALID_ARGUMENT');
    await expectCode(
      () => PgvectorSearch.open({ distance: 'cosine', pool: db.pool, connectionString: db.server.url }),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => PgvectorSearch.open({ distance: 'cosine', pool: {} as never }), 'INVALID_ARGUMENT');
    await expectCode(() => open({ index: 'lsh' as never }), 'INVALID_ARGUMENT');
    await expectCode(() => open({ m: 1 }), 'INVALID_ARGUMENT');
    await expectCode(() => open({ m: 16, efConstruction: 20 }), 'INVALID_ARGUMENT');
    await expectCode(() => open({ efSearch: 0 }), 'INVALID_ARGUMENT');
    await expectCode(() => open({ lists: 10, probes: 11 }), 'INVALID_ARGUMENT');
    await expectCode(() => open({ timeoutMs: 0 }), 'INVALID_ARGUMENT');
    await expectCode(() => open({ dim: 16001 }), 'INVALID_ARGUMENT');
    await expectCode(() => open({ deferIndex: 'yes' as never }), 'INVALID_ARGUMENT');
    const s = await open({ dim: 2 });
    await expectCode(() => s.add([0], batch(Float32Array.from([1, 2]), 2), { labels: [0.5] }), 'INVALID_ARGUMENT');
    await expectCode(
      () => s.lookup(batch(Float32Array.from([1, 2]), 2), 1, { filter: 3 as never }),
      'INVALID_ARGUMENT',
    );
    expect(s.size()).toBe(0);
  });

  it('a closed search fails with NOT_READY and leaves the caller’s pool open', async () => {
    const s = await open({ dim: 2 });
    await s.close();
    await expectCode(() => s.lookup(batch(Float32Array.from([1, 2]), 2), 1), 'NOT_READY');
    expect((await db.pool.query('SELECT 1 AS one')).rows[0]?.one).toBe(1);
  });
});
