import { batch, type Neighbors } from '@simkit/core';
import { LinearSearch } from '@simkit/search-linear';
import { PgvectorSearch } from '@simkit/search-pgvector';
import { type PgvectorServer, startPgvector } from '@simkit/test-servers';
import pg from 'pg';
import { median, printTable, type Scenario, unitClusteredData, writeResults } from '../harness.js';

const DIM = 128;
const K = 10;
const CLUSTERS = 100;
const SEED = 11;
/** Labels 0…9, label = id % 10: `{ labels: [3] }` keeps 10% of the rows. */
const LABELS = 10;
const LABEL_FILTER = [3];
/** The JS filter keeps 1% of the ids. */
const ID_FILTER = (id: number) => id % 100 === 0;
const ADD_BATCH = 5_000;
const M = 16;
const EF_CONSTRUCTION = 64;
const EFS = [40, 100] as const;
/** One query per call: this many sequential calls per run. */
const PER_QUERY_CALLS = 200;
/** Queries per call in the batched shape. */
const BATCH_QUERIES = 100;
const REPEAT = 3;
const TABLE = 'bench_vectors';
/** Target: simkit's time per lookup at most this multiple of raw pg sending the same statements. */
const TARGET_OVERHEAD = 1.2;
/** The index build on a single-threaded wasm server takes minutes; simkit's default call timeout is 30 s. */
const TIMEOUT_MS = 60 * 60 * 1000;

// The statements PgvectorSearch sends for an hnsw lookup of one batch (its `withSettings` and
// `search`), copied from packages/search-pgvector/src/pgvector-search.ts for table bench_vectors
// and cosine (unit-length vectors under <#>).
const beginSql = (ef: number) =>
  `BEGIN; SET LOCAL hnsw.ef_search = ${Math.min(1000, Math.max(ef, K))}; SET LOCAL hnsw.iterative_scan = strict_order`;
const lookupSql = (where: string) =>
  'SELECT (q.n - 1)::int AS q, r.id, r.d FROM unnest($1::vector[]) WITH ORDINALITY AS q(v, n) ' +
  `CROSS JOIN LATERAL (SELECT t.id, t.embedding <#> q.v AS d FROM "public"."${TABLE}" t${where} ORDER BY t.embedding <#> q.v LIMIT $2) r`;
const LOOKUP_SQL = lookupSql('');
const LABEL_LOOKUP_SQL = lookupSql(' WHERE t.label = ANY($3::int[])');

/** recall@k: the share of the exact ids that a method returned (per query, over the queries given). */
function recall(got: Neighbors[], exact: Neighbors[]): number {
  let hits = 0;
  let total = 0;
  for (let q = 0; q < got.length; q++) {
    const found = new Set(got[q]?.ids ?? []);
    for (const id of exact[q]?.ids ?? []) if (found.has(id)) hits++;
    total += exact[q]?.ids.length ?? 0;
  }
  return total === 0 ? 1 : hits / total;
}

/** Share of queries that got all k neighbours. */
const complete = (got: Neighbors[]) => got.filter((n) => n.ids.length === K).length / got.length;

/** Share of queries whose ids (in order) are the same in both answers. */
function sameIds(a: Neighbors[], b: Neighbors[]): number {
  let same = 0;
  for (let q = 0; q < a.length; q++) {
    const x = a[q]?.ids ?? [];
    const y = b[q]?.ids ?? [];
    if (x.length === y.length && x.every((id, i) => id === y[i])) same++;
  }
  return same / a.length;
}

// ------------------------------------------------------------------------------------------------
// The raw peer: node-postgres sending the statements by hand.

/** A PostgreSQL array literal of pgvector texts, `{"[x,…]","[x,…]"}`, of queries `from`…`from + rows`. */
function arrayLiteral(queries: Float32Array, from: number, rows: number): string {
  const parts = new Array<string>(rows);
  for (let i = 0; i < rows; i++) parts[i] = `"[${queries.subarray((from + i) * DIM, (from + i + 1) * DIM).join(',')}]"`;
  return `{${parts.join(',')}}`;
}

/** Rows (q, id, d), which arrive ordered by distance per query, as per-query ids and cosine distances. */
function toNeighbors(rows: Array<Record<string, unknown>>, queries: number): Neighbors[] {
  const ids = Array.from({ length: queries }, () => [] as number[]);
  const distances = Array.from({ length: queries }, () => [] as number[]);
  for (const row of rows) {
    const q = row.q as number;
    ids[q]?.push(row.id as number);
    distances[q]?.push(Math.max(1 + (row.d as number), 0));
  }
  return ids.map((list, q) => ({ ids: Int32Array.from(list), distances: Float32Array.from(distances[q] as number[]) }));
}

/** What PgvectorSearch sends for one lookup: BEGIN with the settings, the LATERAL statement, COMMIT, on one checked-out client. */
async function rawLookup(
  pool: pg.Pool,
  queries: Float32Array,
  from: number,
  rows: number,
  ef: number,
  labels?: number[],
): Promise<Neighbors[]> {
  const client = await pool.connect();
  try {
    await client.query(beginSql(ef));
    const params: unknown[] = [arrayLiteral(queries, from, rows), K];
    if (labels !== undefined) params.push(labels);
    const result = await client.query(labels === undefined ? LOOKUP_SQL : LABEL_LOOKUP_SQL, params);
    await client.query('COMMIT');
    client.release();
    return toNeighbors(result.rows, rows);
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
}

/** The cheapest raw client: the LATERAL statement alone, on a client whose session settings were made once. */
async function selectOnly(client: pg.PoolClient, queries: Float32Array, from: number, rows: number) {
  const result = await client.query(LOOKUP_SQL, [arrayLiteral(queries, from, rows), K]);
  return toNeighbors(result.rows, rows);
}

// ------------------------------------------------------------------------------------------------

type Shape = 'per query' | 'batched';

/** One measured way of answering the queries of a shape; returns the answers of one run. */
interface Contender {
  readonly label: string;
  readonly shape: Shape;
  run(): Promise<Neighbors[]>;
}

/** One warm-up round, then REPEAT rounds, each running every contender once in turn. */
async function rounds(contenders: Contender[]): Promise<{ ms: number[]; runs: number[][]; answers: Neighbors[][] }> {
  const times = contenders.map(() => [] as number[]);
  const answers: Neighbors[][] = contenders.map(() => []);
  for (let rep = -1; rep < REPEAT; rep++) {
    for (let i = 0; i < contenders.length; i++) {
      const t0 = performance.now();
      const got = await (contenders[i] as Contender).run();
      const ms = performance.now() - t0;
      if (rep >= 0) (times[i] as number[]).push(ms);
      answers[i] = got;
    }
  }
  return { ms: times.map((t) => median(t)), runs: times, answers };
}

/** Calls `one(from, rows)` over `count` queries, `per` at a time, in order; concatenates the answers. */
async function calls(
  count: number,
  per: number,
  one: (from: number, rows: number) => Promise<Neighbors[]>,
): Promise<Neighbors[]> {
  const out: Neighbors[] = [];
  for (let from = 0; from < count; from += per) out.push(...(await one(from, Math.min(per, count - from))));
  return out;
}

interface SpeedRow {
  readonly system: string;
  readonly shape: Shape;
  readonly queries: number;
  readonly qps: number;
  /** Wall time of each timed run. */
  readonly runsMs: number[];
  /** This system's time ÷ the raw peer's time on the same statements (simkit rows only). */
  readonly overheadVsRaw: number | null;
  /** This system's time ÷ the SELECT-only raw client's time (simkit rows only). */
  readonly overheadVsSelectOnly: number | null;
}

async function runScenario(quick: boolean) {
  const n = quick ? 10_000 : 100_000;
  const queryCount = quick ? 200 : 1_000;
  const perQueryCalls = Math.min(PER_QUERY_CALLS, queryCount);
  const started = performance.now();
  const { data, queries } = unitClusteredData(n, queryCount, DIM, CLUSTERS, SEED);
  const ids = Int32Array.from({ length: n }, (_, i) => i);
  const labels = Int32Array.from({ length: n }, (_, i) => i % LABELS);
  const queryBatch = batch(queries, DIM);
  const single = Array.from({ length: queryCount }, (_, q) => batch(queries.subarray(q * DIM, (q + 1) * DIM), DIM));

  // Exact neighbours: LinearSearch over the same unit vectors, unfiltered and with each filter.
  const linear = new LinearSearch({ distance: 'cosine', dim: DIM });
  await linear.add(ids, batch(data, DIM));
  const exact = await linear.lookup(queryBatch, K);
  const exactLabel = await linear.lookup(queryBatch, K, {
    filter: (id) => LABEL_FILTER.includes(labels[id] as number),
  });
  const exactIds = await linear.lookup(queryBatch, K, { filter: ID_FILTER });
  await linear.close();

  let server: PgvectorServer | undefined;
  let pool: pg.Pool | undefined;
  const searches: PgvectorSearch[] = [];
  const held: pg.PoolClient[] = [];
  // Ctrl-C or a kill while the server runs: stop it before leaving.
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`${signal}: stopping the pgvector server`);
    void (server?.kill() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const t0 = performance.now();
    server = await startPgvector();
    const startSeconds = (performance.now() - t0) / 1000;
    pool = new pg.Pool({ connectionString: server.url, max: 4 });
    // An idle connection the server drops emits 'error'; without a listener that would end the process.
    pool.on('error', () => undefined);
    // Notices of the server (pgvector reports an index build that outgrows maintenance_work_mem).
    const notices: string[] = [];
    pool.on('connect', (client) => client.on('notice', (notice) => notices.push(notice.message ?? String(notice))));
    const memory = String((await pool.query('SHOW maintenance_work_mem')).rows[0]?.maintenance_work_mem);
    const open = async (efSearch: number) => {
      const s = await PgvectorSearch.open({
        distance: 'cosine',
        dim: DIM,
        pool: pool as pg.Pool,
        table: TABLE,
        index: 'hnsw',
        m: M,
        efConstruction: EF_CONSTRUCTION,
        efSearch,
        deferIndex: true,
        timeoutMs: TIMEOUT_MS,
      });
      searches.push(s);
      return s;
    };

    // Load in batches of ADD_BATCH with labels, then build the deferred hnsw index.
    const loader = await open(EFS[0]);
    const version = loader.stats().pgvector;
    const tLoad = performance.now();
    for (let from = 0; from < n; from += ADD_BATCH) {
      const to = Math.min(n, from + ADD_BATCH);
      await loader.add(ids.subarray(from, to), batch(data.subarray(from * DIM, to * DIM), DIM), {
        labels: labels.subarray(from, to),
      });
    }
    const loadSeconds = (performance.now() - tLoad) / 1000;
    const noticesBefore = notices.length;
    const tBuild = performance.now();
    await loader.reindex();
    const buildSeconds = (performance.now() - tBuild) / 1000;
    const buildNotices = notices.slice(noticesBefore);
    const sizes = await pool.query(
      `SELECT pg_relation_size('"public"."${TABLE}_hnsw"') AS index, pg_total_relation_size('"public"."${TABLE}"') AS total`,
    );
    const indexBytes = Number(sizes.rows[0]?.index);
    const totalBytes = Number(sizes.rows[0]?.total);
    console.log(`pgvector ${version} on PGlite (server started in ${startSeconds.toFixed(1)} s)`);
    printTable(`pgvector: load and build, ${n} × ${DIM}, cosine, m = ${M}, efConstruction = ${EF_CONSTRUCTION}`, [
      {
        step: `add, ${n / ADD_BATCH} calls of ${ADD_BATCH} with labels`,
        seconds: loadSeconds,
        'vectors/s': Math.round(n / loadSeconds),
      },
      { step: 'reindex() (hnsw build)', seconds: buildSeconds, 'vectors/s': Math.round(n / buildSeconds) },
    ]);
    console.log(
      `hnsw index ${(indexBytes / n).toFixed(0)} B/vector; table with its indexes ${(totalBytes / n).toFixed(0)} B/vector; maintenance_work_mem ${memory}`,
    );
    for (const notice of buildNotices) console.log(`server notice during the build: ${notice}`);

    // Whether the planner uses the hnsw index for the statements measured (checked once, not timed).
    const plan = async (sql: string, params: unknown[]) => {
      const client = await (pool as pg.Pool).connect();
      try {
        await client.query(beginSql(EFS[0] as number));
        const result = await client.query(`EXPLAIN ${sql}`, params);
        await client.query('COMMIT');
        return result.rows.map((r) => String(r['QUERY PLAN'])).join('\n');
      } finally {
        client.release();
      }
    };
    const lookupPlan = await plan(LOOKUP_SQL, [arrayLiteral(queries, 0, 1), K]);
    const labelPlan = await plan(LABEL_LOOKUP_SQL, [arrayLiteral(queries, 0, 1), K, LABEL_FILTER]);
    const usesHnsw = (text: string) => text.includes(`${TABLE}_hnsw`);
    console.log(
      `plans: lookup uses the hnsw index: ${usesHnsw(lookupPlan)}; with labels filter: ${usesHnsw(labelPlan)}`,
    );

    const perEf = [];
    const speedRows: SpeedRow[] = [];
    for (const ef of EFS) {
      const search = ef === EFS[0] ? loader : await open(ef);
      // The SELECT-only client: its settings made once per session, before anything is timed.
      const cheap = await pool.connect();
      held.push(cheap);
      await cheap.query(`SET hnsw.ef_search = ${Math.min(1000, Math.max(ef, K))}`);
      await cheap.query('SET hnsw.iterative_scan = strict_order');
      const contenders: Contender[] = [
        {
          label: 'simkit PgvectorSearch',
          shape: 'per query',
          run: () => calls(perQueryCalls, 1, (from) => search.lookup(single[from] as (typeof single)[number], K)),
        },
        {
          label: 'raw pg, same statements',
          shape: 'per query',
          run: () => calls(perQueryCalls, 1, (from, rows) => rawLookup(pool as pg.Pool, queries, from, rows, ef)),
        },
        {
          label: 'raw pg, SELECT only (SET once per session)',
          shape: 'per query',
          run: () => calls(perQueryCalls, 1, (from, rows) => selectOnly(cheap, queries, from, rows)),
        },
        {
          label: 'simkit PgvectorSearch',
          shape: 'batched',
          run: () =>
            calls(queryCount, BATCH_QUERIES, (from, rows) =>
              search.lookup(batch(queries.subarray(from * DIM, (from + rows) * DIM), DIM), K),
            ),
        },
        {
          label: 'raw pg, same statements',
          shape: 'batched',
          run: () =>
            calls(queryCount, BATCH_QUERIES, (from, rows) => rawLookup(pool as pg.Pool, queries, from, rows, ef)),
        },
        {
          label: 'raw pg, SELECT only (SET once per session)',
          shape: 'batched',
          run: () => calls(queryCount, BATCH_QUERIES, (from, rows) => selectOnly(cheap, queries, from, rows)),
        },
      ];
      const { ms, runs, answers } = await rounds(contenders);
      await cheap.query('RESET hnsw.ef_search');
      await cheap.query('RESET hnsw.iterative_scan');
      held.splice(held.indexOf(cheap), 1);
      cheap.release();

      const rows: SpeedRow[] = contenders.map((c, i) => {
        const count = c.shape === 'per query' ? perQueryCalls : queryCount;
        const simkit = c.label.startsWith('simkit');
        const base = i - (i % 3);
        return {
          system: c.label,
          shape: c.shape,
          queries: count,
          qps: (count * 1000) / (ms[i] as number),
          runsMs: runs[i] as number[],
          overheadVsRaw: simkit ? (ms[i] as number) / (ms[base + 1] as number) : null,
          overheadVsSelectOnly: simkit ? (ms[i] as number) / (ms[base + 2] as number) : null,
        };
      });
      speedRows.push(...rows);
      const simkitAll = answers[3] as Neighbors[];
      const rawAll = answers[4] as Neighbors[];
      const selectAll = answers[5] as Neighbors[];
      const result = {
        ef,
        rows,
        recall: {
          simkit: recall(simkitAll, exact),
          rawSameStatements: recall(rawAll, exact),
          rawSelectOnly: recall(selectAll, exact),
          simkitPerQuery: recall(answers[0] as Neighbors[], exact),
        },
        /** Share of queries where simkit returned the same ids in the same order as each raw client. */
        sameAsRaw: sameIds(simkitAll, rawAll),
        sameAsSelectOnly: sameIds(simkitAll, selectAll),
        complete: complete(simkitAll),
      };
      perEf.push(result);
      printTable(
        `pgvector: efSearch ${ef}, k = ${K}, ${n} × ${DIM} (median of ${REPEAT} after a warm-up, contenders taking turns; overhead = simkit time ÷ peer time)`,
        rows.map((r) => ({
          shape:
            r.shape === 'per query'
              ? `1 query/call × ${r.queries}`
              : `${BATCH_QUERIES}/call × ${r.queries / BATCH_QUERIES}`,
          system: r.system,
          'q/s': Math.round(r.qps),
          'vs same SQL': r.overheadVsRaw === null ? '' : `${r.overheadVsRaw.toFixed(2)}×`,
          'vs SELECT only': r.overheadVsSelectOnly === null ? '' : `${r.overheadVsSelectOnly.toFixed(2)}×`,
        })),
      );
      console.log(
        `recall@${K} vs exact (${queryCount} queries): simkit ${result.recall.simkit.toFixed(4)}, raw same statements ${result.recall.rawSameStatements.toFixed(4)}, raw SELECT only ${result.recall.rawSelectOnly.toFixed(4)}; simkit's ids equal raw's for ${(100 * result.sameAsRaw).toFixed(1)}% of queries`,
      );
    }

    // Filtered lookups at efSearch 40, batched: labels pushed down (with its raw peer), and a JS filter.
    const filterSearch = loader;
    const widenedBefore = filterSearch.stats().widenedLookups;
    const filterContenders: Contender[] = [
      {
        label: `simkit, labels: [${LABEL_FILTER.join(', ')}] (10%)`,
        shape: 'batched',
        run: () =>
          calls(queryCount, BATCH_QUERIES, (from, rows) =>
            filterSearch.lookup(batch(queries.subarray(from * DIM, (from + rows) * DIM), DIM), K, {
              labels: LABEL_FILTER,
            }),
          ),
      },
      {
        label: 'raw pg, same statements with WHERE t.label = ANY($3)',
        shape: 'batched',
        run: () =>
          calls(queryCount, BATCH_QUERIES, (from, rows) =>
            rawLookup(pool as pg.Pool, queries, from, rows, EFS[0], LABEL_FILTER),
          ),
      },
      {
        label: 'simkit, JS filter id % 100 === 0 (1%)',
        shape: 'batched',
        run: () =>
          calls(queryCount, BATCH_QUERIES, (from, rows) =>
            filterSearch.lookup(batch(queries.subarray(from * DIM, (from + rows) * DIM), DIM), K, {
              filter: ID_FILTER,
            }),
          ),
      },
    ];
    const filteredRun = await rounds(filterContenders);
    const widenedCalls = filterSearch.stats().widenedLookups - widenedBefore;
    const unfilteredQps = speedRows.find((r) => r.shape === 'batched' && r.system === 'simkit PgvectorSearch')?.qps;
    const filteredExact = [exactLabel, exactLabel, exactIds];
    const filtered = filterContenders.map((c, i) => {
      const got = filteredRun.answers[i] as Neighbors[];
      const qps = (queryCount * 1000) / (filteredRun.ms[i] as number);
      return {
        system: c.label,
        qps,
        runsMs: filteredRun.runs[i] as number[],
        complete: complete(got),
        recall: recall(got, filteredExact[i] as Neighbors[]),
        vsUnfiltered: unfilteredQps === undefined ? null : qps / unfilteredQps,
      };
    });
    const labelOverhead = (filteredRun.ms[0] as number) / (filteredRun.ms[1] as number);
    printTable(
      `pgvector: filtered lookups, efSearch ${EFS[0]}, ${BATCH_QUERIES} queries/call, ${queryCount} queries (median of ${REPEAT}; recall against exact filtered search)`,
      filtered.map((f) => ({
        system: f.system,
        'q/s': Math.round(f.qps),
        'all k found': `${(100 * f.complete).toFixed(1)}%`,
        [`recall@${K}`]: f.recall,
        'q/s ÷ unfiltered': f.vsUnfiltered === null ? '' : f.vsUnfiltered.toFixed(3),
      })),
    );
    console.log(
      `labels filter: simkit time ÷ raw time = ${labelOverhead.toFixed(2)}×; JS filter: ${widenedCalls} of ${(REPEAT + 1) * Math.ceil(queryCount / BATCH_QUERIES)} calls had to widen`,
    );

    const simkitRows = speedRows.filter((r) => r.overheadVsRaw !== null);
    const worst = Math.max(...simkitRows.map((r) => r.overheadVsRaw as number), labelOverhead);
    const verdict = `simkit time ÷ raw pg time on the same statements, worst of every efSearch and shape and the labels filter: ${worst.toFixed(2)}× ≤ ${TARGET_OVERHEAD}: ${worst <= TARGET_OVERHEAD ? 'met' : 'MISSED'}`;
    console.log(`target: ${verdict}`);
    const totalSeconds = (performance.now() - started) / 1000;
    console.log(`pgvector scenario took ${(totalSeconds / 60).toFixed(1)} min`);
    return {
      n,
      queries: queryCount,
      perQueryCalls,
      pgvector: version,
      serverStartSeconds: startSeconds,
      load: { seconds: loadSeconds, vectorsPerSecond: n / loadSeconds, batch: ADD_BATCH },
      build: {
        seconds: buildSeconds,
        vectorsPerSecond: n / buildSeconds,
        maintenanceWorkMem: memory,
        notices: buildNotices,
      },
      indexBytesPerVector: indexBytes / n,
      tableBytesPerVector: totalBytes / n,
      plans: { lookup: lookupPlan, labels: labelPlan },
      perEf,
      filtered: { efSearch: EFS[0], rows: filtered, labelsOverheadVsRaw: labelOverhead, widenedCalls },
      worstOverheadVsRaw: worst,
      verdict,
      totalSeconds,
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const client of held) client.release();
    for (const s of searches) await s.close().catch(() => undefined);
    await pool?.end().catch(() => undefined);
    await server?.stop();
  }
}

export const pgvector: Scenario = {
  name: 'pgvector',
  description: `PgvectorSearch (hnsw, cosine, k=${K}, dim ${DIM}, m=${M}, efConstruction=${EF_CONSTRUCTION}, efSearch ${EFS.join('/')}) on PostgreSQL + pgvector (PGlite) vs raw pg sending the same SQL, recall against LinearSearch`,
  async run({ quick }) {
    const results = await runScenario(quick);
    const file = writeResults('pgvector', {
      dim: DIM,
      k: K,
      clusters: CLUSTERS,
      seed: SEED,
      labels: LABELS,
      m: M,
      efConstruction: EF_CONSTRUCTION,
      efSearch: EFS,
      batchQueries: BATCH_QUERIES,
      repeat: REPEAT,
      server: 'PGlite (PostgreSQL in wasm, single-threaded) behind the wire protocol, @simkit/test-servers',
      quick,
      targets: { overheadVsRaw: TARGET_OVERHEAD },
      results,
    });
    console.log(`results written to ${file}`);
  },
};
