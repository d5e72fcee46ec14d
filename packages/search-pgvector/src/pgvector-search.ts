import {
  type AddOptions,
  type ComponentConfig,
  type Distance,
  type EmbeddingBatch,
  type Logger,
  type Neighbors,
  type ProgressHandler,
  type Search,
  type SearchSupports,
  SimkitError,
  checkAddInput,
  checkLabels,
  checkLookupInput,
  checkOptions,
  checkTimeout,
  checkedCount,
  describe,
  expectConfig,
  invalidArgument,
  noProgress,
  readReferenceSave,
  silentLogger,
  toBatch,
  toIds,
  unavailable,
  withTimeout,
  withoutPassword,
  writeReferenceSave,
} from '@simkit/core';
import { normalizeRows } from '@simkit/distances';
import pg from 'pg';
import {
  type CheckedOptions,
  DEFAULT_TIMEOUT_MS,
  MAX_DIM,
  type PgClient,
  type PgPool,
  type PgvectorIndexKind,
  type PgvectorLookupOptions,
  type PgvectorSearchOptions,
  type PgvectorSpace,
  checkLabelFilter,
  checkSearchOptions,
} from './pgvector-options.js';
import { checkIdentifier, databaseError, isConnectionFailure, qualified, vectorArrayText } from './sql.js';

const TYPE = 'pgvector-search';
const CONFIG_VERSION = 1;
const PACKAGE = '@simkit/search-pgvector';
const SAVE_KIND = 'pgvector-search';
const SAVE_FILE = 'pgvector-search.json';
const SAVE_FORMAT = 'simkit-pgvector-search';
const SAVE_VERSION = 1;
/** The table recording which distance each simkit table was made for. */
const REGISTRY_TABLE = 'simkit_pgvector_tables';
/** Components sent per INSERT statement of an add (about 10 MB of text). */
const COMPONENTS_PER_STATEMENT = 1 << 20;
/** Queries per lookup statement. */
const QUERIES_PER_STATEMENT = 256;
/** A JS filter over-fetches at most this many candidates per query before scanning exactly. */
const MAX_OVERFETCH = 4000;
const INT32_MAX = 0x7fffffff;
/** Default timeout of `reindex()`: index builds of millions of rows take many minutes. */
const BUILD_TIMEOUT_MS = 3_600_000;

/** Options of `PgvectorSearch.factory`: how searches built from saved configs connect. */
export interface PgvectorSearchFactoryOptions {
  /** The pool to use (never ended by the searches). */
  readonly pool?: PgPool;
  /** A URL to connect to instead of the one recorded in the config (which has no password: `PGPASSWORD` supplies it). */
  readonly connectionString?: string;
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  readonly onProgress?: ProgressHandler;
}

/** A registry entry that builds PgvectorSearches from configs. */
export interface PgvectorSearchFactory {
  /** Opens a PgvectorSearch on the server and table `config` records (see `PgvectorSearch.factory`). */
  fromConfig(config: ComponentConfig): Promise<PgvectorSearch>;
}

/** What `stats()` reports. */
export interface PgvectorSearchStats {
  /** The table, as `schema.table`. */
  readonly table: string;
  readonly index: PgvectorIndexKind;
  /** pgvector's version on the server. */
  readonly pgvector: string;
  /** Lookups with a JS filter that had to fetch more candidates, or scan exactly, to find k. */
  readonly widenedLookups: number;
}

interface Connection {
  readonly pool: PgPool;
  /** True when this search made the pool, and so ends it on close(). */
  readonly owned: boolean;
  /** Where the server is, without a password, for messages, configs and saves. */
  readonly server: string;
}

/**
 * Nearest-neighbour search on PostgreSQL + pgvector through `pg` (node-postgres). Vectors live
 * in a table (`id integer primary key, embedding vector(dim), label integer, seq bigint`) that
 * every process connected to the same database shares: one process adds, another looks up.
 * Lookups of a batch are one statement (a `LATERAL` join over the queries); each add is one
 * transaction. See the package README for index kinds, filters and saves.
 */
export class PgvectorSearch implements Search {
  readonly supports: SearchSupports;
  readonly distance: Distance;
  private readonly space: PgvectorSpace;
  private readonly options: CheckedOptions;
  private readonly connection: Connection;
  private readonly logger: Logger;
  private readonly onProgress: ProgressHandler;
  private schema: string;
  private table: string;
  private currentDim: number | undefined;
  private count = 0;
  private tableReady = false;
  private readonly pgvectorVersion: string;
  private readonly iterative: boolean;
  private widened = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(options: CheckedOptions, connection: Connection, version: string, extra: PgvectorSearchOptions) {
    this.options = options;
    this.distance = options.distance;
    this.space = options.space;
    this.connection = connection;
    this.schema = options.schema;
    this.table = options.table;
    this.currentDim = options.dim;
    this.pgvectorVersion = version;
    this.iterative = options.iterativeScan && atLeast(version, [0, 8]);
    this.logger = extra.logger ?? silentLogger;
    this.onProgress = extra.onProgress ?? noProgress;
    this.supports = Object.freeze({
      delete: true,
      filter: true,
      persistence: true,
      exact: options.index === 'exact',
      shared: true,
    });
  }

  /**
   * Connects, checks that pgvector is there (creating the extension when allowed), and opens the
   * table: an existing one is checked (columns, dimension, distance) and counted; a missing one
   * is created now when `dim` is known, else by the first `add`.
   */
  static async open(options: PgvectorSearchOptions): Promise<PgvectorSearch> {
    const checked = checkSearchOptions(options, 'PgvectorSearch.open');
    const connection = makeConnection(options, 'PgvectorSearch.open', checked.timeoutMs);
    try {
      const version = await bounded(
        ensureExtension(connection),
        checked.timeoutMs,
        'Connecting to PostgreSQL',
        connection.server,
      );
      if (!atLeast(version, checked.space.since)) {
        throw new SimkitError(
          'UNSUPPORTED',
          `The '${checked.distance.name}' distance needs pgvector ${checked.space.since.join('.')} or newer; the server at ${connection.server} has ${version}. Upgrade pgvector or pick another distance.`,
        );
      }
      const search = new PgvectorSearch(checked, connection, version, options);
      await search.refresh();
      if (!search.tableReady && search.currentDim !== undefined) {
        await search.call('Creating the table', () => search.ensureTable(search.currentDim as number));
      }
      return search;
    } catch (error) {
      if (connection.owned) await connection.pool.end().catch(() => undefined);
      throw error;
    }
  }

  /** A registry entry for `Indexer.load`: searches reconnect to the server and table their config records. */
  static factory(options: PgvectorSearchFactoryOptions = {}): PgvectorSearchFactory {
    checkOptions(options, 'PgvectorSearch.factory options');
    if (options.timeoutMs !== undefined)
      checkTimeout(options.timeoutMs, 'PgvectorSearch.factory: timeoutMs', DEFAULT_TIMEOUT_MS);
    return {
      fromConfig: async (config: ComponentConfig) => {
        expectConfig(config, TYPE, CONFIG_VERSION);
        const c = config.config as Record<string, unknown>;
        const optional = <T>(value: unknown) => (value === null ? undefined : (value as T | undefined));
        if (typeof c.distance !== 'string') {
          throw invalidArgument(`A ${TYPE} config needs a distance name; got ${describe(c.distance)}.`);
        }
        const recorded = typeof c.server === 'string' ? c.server : undefined;
        const connectionString = options.pool === undefined ? (options.connectionString ?? recorded) : undefined;
        if (options.pool === undefined && connectionString === undefined) {
          throw invalidArgument(
            `A ${TYPE} config records no server; pass PgvectorSearch.factory({ pool }) or { connectionString }.`,
          );
        }
        return PgvectorSearch.open({
          distance: c.distance,
          dim: optional<number>(c.dim),
          table: optional<string>(c.table),
          schema: optional<string>(c.schema),
          index: optional<PgvectorIndexKind>(c.index),
          m: optional<number>(c.m),
          efConstruction: optional<number>(c.efConstruction),
          efSearch: optional<number>(c.efSearch),
          lists: optional<number>(c.lists),
          probes: optional<number>(c.probes),
          ...(options.pool !== undefined ? { pool: options.pool } : { connectionString: connectionString as string }),
          ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
          ...(options.logger !== undefined && { logger: options.logger }),
          ...(options.onProgress !== undefined && { onProgress: options.onProgress }),
        });
      },
    };
  }

  /** `PgvectorSearch.factory().fromConfig(config)`: reconnects to the server the config records. */
  static fromConfig(config: ComponentConfig): Promise<PgvectorSearch> {
    return PgvectorSearch.factory().fromConfig(config);
  }

  get dim(): number | undefined {
    return this.currentDim;
  }

  /** Number of vectors in the table when this instance last looked (see `refresh`). */
  size(): number {
    return this.count;
  }

  /** Where the vectors live, as `schema.table`. */
  get location(): string {
    return `${this.schema}.${this.table}`;
  }

  /** Counts the table's rows and reads its dimension again (other processes may have written to it). */
  async refresh(): Promise<void> {
    this.assertOpen();
    await this.call('Reading the table', async () => {
      const info = await this.inspectTable();
      this.tableReady = info !== undefined;
      this.count = info?.count ?? 0;
      if (info !== undefined) this.currentDim = info.dim;
    });
  }

  /**
   * Adds vectors under `ids` in one transaction (all or nothing); an id already in the table is
   * replaced. `options.labels` fills the `label` column that `lookup(…, { labels })` filters on.
   */
  async add(ids: ArrayLike<number>, embeddings: EmbeddingBatch, options?: AddOptions): Promise<void> {
    this.assertOpen();
    const checkedIds = checkAddInput(ids, embeddings, this.currentDim);
    const b = toBatch(embeddings, this.currentDim);
    const { labels } = checkOptions(options, 'PgvectorSearch.add options');
    const checkedLabels = checkLabels(labels, b.rows);
    if (b.rows === 0) return;
    if (b.dim > MAX_DIM)
      throw invalidArgument(`pgvector holds vectors of at most ${MAX_DIM} dimensions; got ${b.dim}.`);
    // Copied (and normalised for cosine) now, so the caller may reuse its arrays at once.
    const data = this.space.normalize ? normalizeRows(b.data, b.dim) : Float32Array.from(b.data);
    const labelValues: Array<number | null> = Array.from(checkedIds, (_, i) =>
      checkedLabels === null || checkedLabels.present[i] === 0 ? null : (checkedLabels.values[i] as number),
    );
    return this.serial('Adding vectors', async () => {
      await this.ensureTable(b.dim);
      const perStatement = Math.max(1, Math.floor(COMPONENTS_PER_STATEMENT / b.dim));
      const added = await this.transaction(async (client) => {
        const replaced = await client.query(`DELETE FROM ${this.name()} WHERE id = ANY($1::int[])`, [
          Array.from(checkedIds),
        ]);
        for (let start = 0; start < b.rows; start += perStatement) {
          const end = Math.min(b.rows, start + perStatement);
          await client.query(
            `INSERT INTO ${this.name()} (id, embedding, label) SELECT * FROM unnest($1::int[], $2::vector[], $3::int[])`,
            [
              Array.from(checkedIds.subarray(start, end)),
              vectorArrayText(data, end - start, b.dim, start),
              labelValues.slice(start, end),
            ],
          );
          this.onProgress({ task: 'pgvector-add', done: end, total: b.rows });
        }
        return b.rows - (replaced.rowCount ?? 0);
      });
      this.count += added;
    });
  }

  /** Removes `ids` in one transaction; when any id is not in the table, NOT_FOUND and nothing is removed. */
  async remove(ids: ArrayLike<number>): Promise<void> {
    this.assertOpen();
    const unique = Array.from(new Set(toIds(ids)));
    if (unique.length === 0) return;
    return this.serial('Removing vectors', async () => {
      if (!this.tableReady) throw notFound(unique, this.location);
      await this.transaction(async (client) => {
        const result = await client.query(`DELETE FROM ${this.name()} WHERE id = ANY($1::int[]) RETURNING id`, [
          unique,
        ]);
        if (result.rows.length !== unique.length) {
          const gone = new Set(result.rows.map((r) => r.id as number));
          throw notFound(
            unique.filter((id) => !gone.has(id)),
            this.location,
          );
        }
      });
      this.count -= unique.length;
    });
  }

  /**
   * The k nearest neighbours of each query, closest first. `options.labels` filters inside
   * PostgreSQL (with iterative index scans where the server has them); `options.filter` runs in
   * JS on over-fetched candidates, widening up to an exact scan when too few pass.
   */
  async lookup(queries: EmbeddingBatch, k: number, options?: PgvectorLookupOptions): Promise<Neighbors[]> {
    this.assertOpen();
    checkLookupInput(queries, k, this.currentDim);
    const o = checkOptions(options, 'PgvectorSearch.lookup options');
    if (o.filter !== undefined && typeof o.filter !== 'function') {
      throw invalidArgument(`lookup: options.filter must be a function (id) => boolean; got ${describe(o.filter)}.`);
    }
    const labels = checkLabelFilter(o.labels, 'lookup');
    const b = toBatch(queries, undefined, 'queries');
    if (b.rows === 0) return [];
    if (!this.tableReady) {
      await this.refresh();
      if (!this.tableReady) return emptyRows(b.rows);
    }
    const data = this.space.normalize ? normalizeRows(b.data, b.dim) : b.data;
    return this.call('Looking up', async () => {
      if (o.filter === undefined) return this.nearest(data, b.rows, b.dim, k, labels);
      return this.filtered(data, b.rows, b.dim, k, labels, o.filter);
    });
  }

  /** Forgets every vector (TRUNCATE); the table, its indexes and its dimension stay. */
  async reset(): Promise<void> {
    this.assertOpen();
    return this.serial('Resetting', async () => {
      if (this.tableReady) await this.query(`TRUNCATE ${this.name()}`);
      this.count = 0;
    });
  }

  /**
   * Builds the table's hnsw or ivfflat index over the rows present: creates it when it is
   * missing (after `deferIndex`), rebuilds it (`REINDEX`) otherwise, then runs `ANALYZE` so the
   * planner knows the table's size and labels. An ivfflat index should be built once the data is
   * loaded, since its lists are chosen from the rows present then. A build of many rows takes
   * minutes, so it has its own timeout: `options.timeoutMs`, by default one hour (or the search's
   * `timeoutMs` when that is longer); a connection lost meanwhile still fails at once.
   */
  async reindex(options?: { readonly timeoutMs?: number }): Promise<void> {
    this.assertOpen();
    const o = checkOptions(options, 'reindex options');
    const timeoutMs = checkTimeout(
      o.timeoutMs,
      'reindex: timeoutMs',
      Math.max(BUILD_TIMEOUT_MS, this.options.timeoutMs),
    );
    return this.serial(
      'Building the index',
      async () => {
        if (!this.tableReady) return;
        if (this.options.index !== 'exact') {
          const exists = await this.query('SELECT to_regclass($1) IS NOT NULL AS present', [
            `"${this.schema}"."${this.indexName()}"`,
          ]);
          if (exists.rows[0]?.present === true)
            await this.query(`REINDEX INDEX "${this.schema}"."${this.indexName()}"`);
          else await this.query(this.createIndexSql());
        }
        await this.query(`ANALYZE ${this.name()}`);
      },
      timeoutMs,
    );
  }

  /**
   * Records where the vectors live (server without password, schema, table, distance, index
   * options) in `dir`, atomically (core's `writeSave`). It does not copy the vectors: back the
   * database up with its own tools (pg_dump, replicas). `load(dir)` reconnects to the table.
   */
  async save(dir: string): Promise<void> {
    this.assertOpen();
    checkDir(dir, 'save');
    await this.refresh();
    await writeReferenceSave(dir, SAVE_KIND, SAVE_FILE, {
      format: SAVE_FORMAT,
      version: SAVE_VERSION,
      server: this.connection.server,
      schema: this.schema,
      table: this.table,
      distance: this.distance.name,
      dim: this.currentDim ?? null,
      index: this.options.index,
      size: this.count,
    });
  }

  /**
   * Points this search at the table a `save(dir)` recorded, on this search's own connection, and
   * counts it: the vectors are the table's as they are now. A table for another distance, or
   * one that no longer exists, is CORRUPT_INDEX.
   */
  async load(dir: string): Promise<void> {
    this.assertOpen();
    checkDir(dir, 'load');
    const saved = await readReferenceSave(dir, SAVE_KIND, SAVE_FILE);
    const damaged = (what: string) =>
      new SimkitError('CORRUPT_INDEX', `The pgvector save in ${dir} is damaged (${what}); save the search again.`, {
        details: { dir },
      });
    if (saved.format !== SAVE_FORMAT) throw damaged(`${SAVE_FILE} is not a ${SAVE_FORMAT} reference`);
    if (typeof saved.version === 'number' && saved.version > SAVE_VERSION) {
      throw new SimkitError(
        'UNSUPPORTED',
        `The pgvector save in ${dir} was written by a newer @simkit/search-pgvector; upgrade to load it.`,
      );
    }
    if (saved.version !== SAVE_VERSION) throw damaged('its version is not valid');
    let schema: string;
    let table: string;
    try {
      schema = checkIdentifier(saved.schema, 'schema');
      table = checkIdentifier(saved.table, 'table');
    } catch {
      throw damaged('its schema or table name is not valid');
    }
    if (saved.distance !== this.distance.name) {
      throw damaged(`it records the '${String(saved.distance)}' distance, this search uses '${this.distance.name}'`);
    }
    if (saved.dim !== null) checkedCount(saved.dim, { min: 1, max: MAX_DIM, what: `dim in ${SAVE_FILE} of ${dir}` });
    checkedCount(saved.size, { min: 0, max: INT32_MAX, what: `size in ${SAVE_FILE} of ${dir}` });
    if (typeof saved.server === 'string' && saved.server !== this.connection.server) {
      this.logger.log('warn', 'Loading a pgvector save recorded on another server; using this search’s connection.', {
        recorded: saved.server,
        connected: this.connection.server,
      });
    }
    return this.serial('Loading', async () => {
      const before = { schema: this.schema, table: this.table };
      this.schema = schema;
      this.table = table;
      try {
        const info = await this.inspectTable();
        if (info === undefined) {
          throw new SimkitError(
            'CORRUPT_INDEX',
            `The pgvector save in ${dir} names the table ${schema}.${table}, which does not exist on ${this.connection.server}. It was dropped, or the save belongs to another database.`,
          );
        }
        this.tableReady = true;
        this.count = info.count;
        this.currentDim = info.dim;
      } catch (error) {
        this.schema = before.schema;
        this.table = before.table;
        throw error;
      }
    });
  }

  /** Counts of this instance: table, index kind, pgvector version, widened lookups. */
  stats(): PgvectorSearchStats {
    return {
      table: this.location,
      index: this.options.index,
      pgvector: this.pgvectorVersion,
      widenedLookups: this.widened,
    };
  }

  toConfig(): ComponentConfig {
    const o = this.options;
    return {
      type: TYPE,
      version: CONFIG_VERSION,
      package: PACKAGE,
      config: {
        distance: this.distance.name,
        dim: this.currentDim ?? null,
        server: this.connection.server,
        schema: this.schema,
        table: this.table,
        index: o.index,
        m: o.m,
        efConstruction: o.efConstruction,
        efSearch: o.efSearch,
        lists: o.lists,
        probes: o.probes,
      },
    };
  }

  /** Waits for running writes, then ends the pool when this search made it. The table stays. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    if (this.connection.owned) await this.connection.pool.end().catch(() => undefined);
  }

  // ---------------------------------------------------------------------------------------------

  private name(): string {
    return qualified(this.schema, this.table);
  }

  private indexName(): string {
    return `${this.table}_${this.options.index}`;
  }

  /** Looks up without a JS filter: one statement per QUERIES_PER_STATEMENT queries. */
  private async nearest(
    data: Float32Array,
    rows: number,
    dim: number,
    k: number,
    labels: number[] | undefined,
  ): Promise<Neighbors[]> {
    const out: Neighbors[] = [];
    for (let start = 0; start < rows; start += QUERIES_PER_STATEMENT) {
      const end = Math.min(rows, start + QUERIES_PER_STATEMENT);
      out.push(...(await this.search(data, start, end, dim, k, { labels, exact: this.options.index === 'exact' })));
    }
    return out;
  }

  /**
   * Looks up with a JS filter: fetches max(4k, ef) candidates per query, keeps those the filter
   * accepts, and for queries still short of k fetches 4× more, up to MAX_OVERFETCH; past that,
   * an exact scan over the ids the filter accepts.
   */
  private async filtered(
    data: Float32Array,
    rows: number,
    dim: number,
    k: number,
    labels: number[] | undefined,
    filter: (id: number) => boolean,
  ): Promise<Neighbors[]> {
    const out = new Array<Neighbors>(rows);
    let pending = Array.from({ length: rows }, (_, i) => i);
    let width = Math.min(Math.max(4 * k, this.options.efSearch), MAX_OVERFETCH);
    let widened = false;
    const exact = this.options.index === 'exact';
    for (;;) {
      const next: number[] = [];
      for (let start = 0; start < pending.length; start += QUERIES_PER_STATEMENT) {
        const part = pending.slice(start, start + QUERIES_PER_STATEMENT);
        const packed = pack(data, part, dim);
        const found = await this.search(packed, 0, part.length, dim, width, { labels, exact });
        for (let i = 0; i < part.length; i++) {
          const q = part[i] as number;
          const all = found[i] as Neighbors;
          const kept = keep(all, k, filter);
          // Fewer rows than asked means the table (or label set) is exhausted, when the scan was
          // exact or iterative; an index scan without iterative scans may just stop early.
          const exhausted = all.ids.length < width && (exact || this.iterative);
          if (kept.ids.length >= k || exhausted) out[q] = kept;
          else if (width < MAX_OVERFETCH && all.ids.length === width) next.push(q);
          else next.push(-1 - q);
        }
      }
      const exactRest = next.filter((q) => q < 0).map((q) => -1 - q);
      pending = next.filter((q) => q >= 0);
      if (next.length > 0) widened = true;
      if (exactRest.length > 0) {
        const accepted = await this.acceptedIds(filter, labels);
        const packed = pack(data, exactRest, dim);
        for (let start = 0; start < exactRest.length; start += QUERIES_PER_STATEMENT) {
          const end = Math.min(exactRest.length, start + QUERIES_PER_STATEMENT);
          const found = await this.search(packed, start, end, dim, k, { labels, exact: true, ids: accepted });
          for (let i = start; i < end; i++) out[exactRest[i] as number] = found[i - start] as Neighbors;
        }
      }
      if (pending.length === 0) break;
      width = Math.min(width * 4, MAX_OVERFETCH);
    }
    if (widened) this.widened++;
    return out;
  }

  /** Every id of the table that the filter accepts (for the exact fallback of a filtered lookup). */
  private async acceptedIds(filter: (id: number) => boolean, labels: number[] | undefined): Promise<number[]> {
    const result = await this.query(
      `SELECT id FROM ${this.name()}${labels === undefined ? '' : ' WHERE label = ANY($1::int[])'}`,
      labels === undefined ? [] : [labels],
    );
    const out: number[] = [];
    for (const row of result.rows) if (filter(row.id as number)) out.push(row.id as number);
    return out;
  }

  /**
   * One statement for queries `start`…`end` of `data`: a LATERAL join over the queries, ordered
   * by the pgvector operator (index order), or, when `exact`, by its value plus 0 and insertion
   * order, which no index can serve, so PostgreSQL scans and sorts exactly.
   */
  private async search(
    data: Float32Array,
    start: number,
    end: number,
    dim: number,
    k: number,
    how: { labels: number[] | undefined; exact: boolean; ids?: number[] },
  ): Promise<Neighbors[]> {
    const op = this.space.operator;
    const params: unknown[] = [vectorArrayText(data, end - start, dim, start), k];
    const where: string[] = [];
    if (how.labels !== undefined) {
      params.push(how.labels);
      where.push(`t.label = ANY($${params.length}::int[])`);
    }
    if (how.ids !== undefined) {
      params.push(how.ids);
      where.push(`t.id = ANY($${params.length}::int[])`);
    }
    const order = how.exact ? `(t.embedding ${op} q.v) + 0, t.seq` : `t.embedding ${op} q.v`;
    const sql =
      `SELECT (q.n - 1)::int AS q, r.id, r.d FROM unnest($1::vector[]) WITH ORDINALITY AS q(v, n) ` +
      `CROSS JOIN LATERAL (SELECT t.id, t.embedding ${op} q.v AS d FROM ${this.name()} t` +
      `${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT $2) r`;
    const settings = how.exact ? [] : this.settings(k);
    const result =
      settings.length === 0 ? await this.query(sql, params) : await this.withSettings(settings, sql, params);
    return collect(result.rows, end - start, this.space);
  }

  /** The pgvector settings of an index lookup asking for `k` rows. */
  private settings(k: number): Array<[string, string]> {
    const o = this.options;
    if (o.index === 'hnsw') {
      const s: Array<[string, string]> = [['hnsw.ef_search', String(Math.min(1000, Math.max(o.efSearch, k)))]];
      if (this.iterative) s.push(['hnsw.iterative_scan', 'strict_order']);
      return s;
    }
    if (o.index === 'ivfflat') {
      const s: Array<[string, string]> = [['ivfflat.probes', String(o.probes)]];
      if (this.iterative) s.push(['ivfflat.iterative_scan', 'relaxed_order']);
      return s;
    }
    return [];
  }

  /**
   * Runs `sql` in a transaction whose pgvector settings are `settings`: `BEGIN` and the `SET LOCAL`s
   * go as one message (the values are integers this search computed and pgvector's mode names,
   * never input), so a lookup costs three round trips, and the pool's connections keep their own
   * settings.
   */
  private async withSettings(settings: Array<[string, string]>, sql: string, params: unknown[]) {
    const begin = ['BEGIN', ...settings.map(([name, value]) => `SET LOCAL ${name} = ${value}`)].join('; ');
    return this.transaction(async (client) => client.query(sql, params), begin);
  }

  /** The table's row count and dimension, or undefined when it does not exist; a foreign table is INVALID_ARGUMENT. */
  private async inspectTable(): Promise<{ count: number; dim: number } | undefined> {
    const columns = await this.query(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
       WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [this.name()],
    );
    if (columns.rows.length === 0) return undefined;
    const shape = columns.rows.map((r) => `${String(r.name)} ${String(r.type)}`);
    const match = /^embedding vector\((\d+)\)$/.exec(shape[1] ?? '');
    if (
      shape.length !== 4 ||
      shape[0] !== 'id integer' ||
      match === null ||
      shape[2] !== 'label integer' ||
      shape[3] !== 'seq bigint'
    ) {
      throw invalidArgument(
        `The table ${this.location} on ${this.connection.server} exists and is not a simkit pgvector table (its columns are ${shape.join(', ')}). Pick another table name.`,
      );
    }
    const dim = Number(match[1]);
    if (this.currentDim !== undefined && this.currentDim !== dim) {
      throw new SimkitError(
        'DIMENSION_MISMATCH',
        `The table ${this.location} holds vectors of dimension ${dim}, but this search was opened with dim ${this.currentDim}.`,
        { details: { expected: this.currentDim, actual: dim } },
      );
    }
    await this.checkRegisteredDistance();
    const count = await this.query(`SELECT count(*)::int AS n FROM ${this.name()}`);
    return { count: count.rows[0]?.n as number, dim };
  }

  /** A table made for one distance is never searched with another (its index would not match). */
  private async checkRegisteredDistance(): Promise<void> {
    const registry = await this.query(`SELECT distance FROM "${this.schema}"."${REGISTRY_TABLE}" WHERE tbl = $1`, [
      this.table,
    ]).catch((error: unknown) => {
      if ((error as { code?: unknown }).code === '42P01') return { rows: [], rowCount: 0 };
      throw error;
    });
    const recorded = registry.rows[0]?.distance;
    if (recorded !== undefined && recorded !== this.distance.name) {
      throw invalidArgument(
        `The table ${this.location} was made for the '${String(recorded)}' distance, not '${this.distance.name}'. Open it with that distance, or use another table.`,
      );
    }
  }

  /** Creates the table, its indexes and its registry row when missing (idempotent, safe from several processes). */
  private async ensureTable(dim: number): Promise<void> {
    if (this.tableReady) return;
    const o = this.options;
    const s = `"${this.schema}"`;
    await this.transaction(async (client) => {
      // One creator at a time per table name, so concurrent first adds from two processes do not collide.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.name()]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${s}."${REGISTRY_TABLE}" (tbl text PRIMARY KEY, distance text NOT NULL, created timestamptz NOT NULL DEFAULT now())`,
      );
      await client.query(
        `INSERT INTO ${s}."${REGISTRY_TABLE}" (tbl, distance) VALUES ($1, $2) ON CONFLICT (tbl) DO NOTHING`,
        [this.table, this.distance.name],
      );
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${this.name()} (id integer PRIMARY KEY, embedding vector(${dim}) NOT NULL, label integer, seq bigint GENERATED ALWAYS AS IDENTITY)`,
      );
      await client.query(`CREATE INDEX IF NOT EXISTS "${this.table}_label" ON ${this.name()} (label)`);
      if (o.index !== 'exact' && !o.deferIndex) await client.query(this.createIndexSql());
    });
    const info = await this.inspectTable();
    if (info === undefined)
      throw new SimkitError(
        'IO_ERROR',
        `The table ${this.location} was not created; check the user's rights on ${this.connection.server}.`,
      );
    this.currentDim = info.dim;
    this.count = info.count;
    this.tableReady = true;
  }

  /** CREATE INDEX for the hnsw or ivfflat index (its numbers are checked integers). */
  private createIndexSql(): string {
    const o = this.options;
    const using =
      o.index === 'hnsw'
        ? `hnsw (embedding ${this.space.opclass}) WITH (m = ${o.m}, ef_construction = ${o.efConstruction})`
        : `ivfflat (embedding ${this.space.opclass}) WITH (lists = ${o.lists})`;
    return `CREATE INDEX IF NOT EXISTS "${this.indexName()}" ON ${this.name()} USING ${using}`;
  }

  /** One statement on any pooled connection. */
  private query(sql: string, params: unknown[] = []) {
    return this.connection.pool.query(sql, params);
  }

  /**
   * Runs `fn` in `begin` (BEGIN, with anything to run first in the same message) … COMMIT on one
   * connection; any failure rolls back (or drops a broken connection).
   */
  private async transaction<T>(fn: (client: PgClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    const client = await this.connection.pool.connect();
    let broken = false;
    try {
      await client.query(begin);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken = isConnectionFailure(error);
      if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Runs a call with this search's timeout (or `timeoutMs`); pg and timeout failures become SimkitErrors. */
  private call<T>(operation: string, fn: () => Promise<T>, timeoutMs = this.options.timeoutMs): Promise<T> {
    return bounded(fn(), timeoutMs, operation, this.connection.server);
  }

  /** Runs writes of this instance one after another (each bounded by the timeout). */
  private serial<T>(operation: string, fn: () => Promise<T>, timeoutMs?: number): Promise<T> {
    const run = this.queue.then(
      () => this.call(operation, fn, timeoutMs),
      () => this.call(operation, fn, timeoutMs),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new SimkitError(
        'NOT_READY',
        `The pgvector search on ${this.location} is closed; open it again with PgvectorSearch.open.`,
      );
    }
  }
}

/** `work` bounded by `timeoutMs`; what pg throws becomes a SimkitError naming `operation`. */
async function bounded<T>(work: Promise<T>, timeoutMs: number, operation: string, server: string): Promise<T> {
  try {
    return await withTimeout(work, timeoutMs, () =>
      unavailable(
        `${operation} took longer than ${timeoutMs} ms: the PostgreSQL server at ${server} does not answer. Check that it is running and reachable, or raise timeoutMs.`,
        undefined,
        { server, timeoutMs },
      ),
    );
  } catch (error) {
    throw databaseError(error, operation, server);
  }
}

function makeConnection(options: PgvectorSearchOptions, where: string, timeoutMs: number): Connection {
  const { pool, connectionString } = options;
  if ((pool === undefined) === (connectionString === undefined)) {
    throw invalidArgument(
      `${where}: pass either pool (a pg.Pool) or connectionString (a postgres:// URL), not ${pool === undefined ? 'neither' : 'both'}.`,
    );
  }
  if (pool !== undefined) {
    if (
      typeof pool !== 'object' ||
      pool === null ||
      typeof pool.connect !== 'function' ||
      typeof pool.query !== 'function'
    ) {
      throw invalidArgument(
        `${where}: pool must be a pg.Pool (an object with connect() and query()); got ${describe(pool)}.`,
      );
    }
    return { pool, owned: false, server: describePool(pool) };
  }
  if (typeof connectionString !== 'string' || connectionString.length === 0) {
    throw invalidArgument(`${where}: connectionString must be a postgres:// URL; got ${describe(connectionString)}.`);
  }
  const made = new pg.Pool({ connectionString, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, max: 4 });
  // An idle connection the server drops emits 'error'; without a listener that would end the process.
  made.on('error', () => undefined);
  return { pool: made as unknown as PgPool, owned: true, server: withoutPassword(connectionString) };
}

/** `postgres://user@host:port/database` of a pg.Pool, from its options (no password). */
function describePool(pool: PgPool): string {
  const o = (pool as { options?: Record<string, unknown> }).options;
  if (o === undefined) return 'a PostgreSQL pool';
  if (typeof o.connectionString === 'string') return withoutPassword(o.connectionString);
  const host = typeof o.host === 'string' ? o.host : 'localhost';
  const port = typeof o.port === 'number' || typeof o.port === 'string' ? String(o.port) : '5432';
  const user = typeof o.user === 'string' ? `${o.user}@` : '';
  const database = typeof o.database === 'string' ? o.database : '';
  return `postgres://${user}${host}:${port}/${database}`;
}

/** The server's pgvector version, creating the extension when it is missing (needs the right to). */
async function ensureExtension(connection: Connection): Promise<string> {
  const read = async () =>
    (await connection.pool.query("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).rows[0]?.extversion;
  let version = await read();
  if (version === undefined) {
    try {
      await connection.pool.query('CREATE EXTENSION IF NOT EXISTS vector');
    } catch (cause) {
      if (isConnectionFailure(cause)) throw cause;
      throw new SimkitError(
        'UNSUPPORTED',
        `The PostgreSQL server at ${connection.server} has no pgvector extension and it could not be created (${String((cause as Error).message ?? cause)}). Install pgvector on the server, or have an administrator run CREATE EXTENSION vector.`,
        { cause },
      );
    }
    version = await read();
  }
  return String(version);
}

function atLeast(version: string, [major, minor]: readonly [number, number]): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

function checkDir(dir: unknown, what: string): asserts dir is string {
  if (typeof dir !== 'string' || dir.length === 0)
    throw invalidArgument(`${what}(dir) needs a directory path; got ${describe(dir)}.`);
}

function notFound(ids: number[], location: string): SimkitError {
  const shown = ids.slice(0, 5).join(', ') + (ids.length > 5 ? `, … (${ids.length} in all)` : '');
  return new SimkitError('NOT_FOUND', `No vector with id ${shown} in ${location}; it was never added or was removed.`, {
    details: { ids: ids.slice(0, 100) },
  });
}

function emptyRows(rows: number): Neighbors[] {
  return Array.from({ length: rows }, () => ({ ids: new Int32Array(0), distances: new Float32Array(0) }));
}

/** Groups result rows by query and sorts each group by distance (stable: ties keep the order PostgreSQL gave). */
function collect(rows: Array<Record<string, unknown>>, queries: number, space: PgvectorSpace): Neighbors[] {
  const groups: Array<Array<{ id: number; d: number }>> = Array.from({ length: queries }, () => []);
  for (const row of rows) groups[row.q as number]?.push({ id: row.id as number, d: space.fromNative(row.d as number) });
  return groups.map((g) => {
    g.sort((a, b) => a.d - b.d);
    return { ids: Int32Array.from(g, (x) => x.id), distances: Float32Array.from(g, (x) => x.d) };
  });
}

/** The first k neighbours that `filter` accepts. */
function keep(n: Neighbors, k: number, filter: (id: number) => boolean): Neighbors {
  const ids: number[] = [];
  const distances: number[] = [];
  for (let j = 0; j < n.ids.length && ids.length < k; j++) {
    const id = n.ids[j] as number;
    if (filter(id)) {
      ids.push(id);
      distances.push(n.distances[j] as number);
    }
  }
  return { ids: Int32Array.from(ids), distances: Float32Array.from(distances) };
}

/** Rows `which` of `data` packed one after another. */
function pack(data: Float32Array, which: number[], dim: number): Float32Array {
  const out = new Float32Array(which.length * dim);
  for (let i = 0; i < which.length; i++) {
    const q = which[i] as number;
    out.set(data.subarray(q * dim, (q + 1) * dim), i * dim);
  }
  return out;
}
