import {
  type Distance,
  type Logger,
  type LookupOptions,
  type ProgressHandler,
  SimkitError,
  checkOptions,
  checkTimeout,
  describe,
  invalidArgument,
} from '@simkit/core';
import { resolveDistance } from '@simkit/distances';
import { checkIdentifier } from './sql.js';

/** How the table is searched: a full scan (exact), or a pgvector `hnsw` or `ivfflat` index. */
export type PgvectorIndexKind = 'exact' | 'hnsw' | 'ivfflat';

/** The part of a `pg` query result this package reads. */
export interface PgQueryResult {
  readonly rows: Array<Record<string, unknown>>;
  readonly rowCount: number | null;
}

/** A connection checked out of a pool (a `pg.PoolClient`). */
export interface PgClient {
  /** Runs one statement (several, separated by `;`, without values). */
  query(text: string, values?: unknown[]): Promise<PgQueryResult>;
  /** Returns the connection to its pool; `true` or an error closes it instead. */
  release(destroy?: boolean | Error): void;
}

/** What this package needs of a `pg.Pool`: any object with these methods works. */
export interface PgPool {
  /** Checks a connection out of the pool (for a transaction). */
  connect(): Promise<PgClient>;
  /** Runs one statement on any connection of the pool. */
  query(text: string, values?: unknown[]): Promise<PgQueryResult>;
  /** Closes every connection of the pool. */
  end(): Promise<void>;
}

/** Options of `PgvectorSearch.open`. */
export interface PgvectorSearchOptions {
  /** A distance name (`cosine`, `euclidean`, `squared_euclidean`, `inner_product`, `manhattan`, or an alias) or a Distance. */
  readonly distance: string | Distance;
  /** Vector dimension; when omitted, an existing table's, or the first `add` fixes it. */
  readonly dim?: number;
  /** A `pg.Pool` to use; the search never ends it. Give this or `connectionString`. */
  readonly pool?: PgPool;
  /**
   * A PostgreSQL URL (`postgres://user@host:5432/db`); the search makes its own pool and ends it
   * on `close()`. Without a password in it, `pg` reads `PGPASSWORD` from the environment.
   */
  readonly connectionString?: string;
  /** Table holding the vectors; created on first use. Default `simkit_vectors`. */
  readonly table?: string;
  /** Schema of the table. Default `public`. */
  readonly schema?: string;
  /** `hnsw` (default), `ivfflat` or `exact` (no index: every lookup scans the table). */
  readonly index?: PgvectorIndexKind;
  /** hnsw: links per node (pgvector's `m`, 2–100). Default 16. */
  readonly m?: number;
  /** hnsw: candidate list while building (`ef_construction`, ≥ 2·m, ≤ 1000). Default 64. */
  readonly efConstruction?: number;
  /** hnsw: candidate list while searching (`hnsw.ef_search`, 1–1000), set for each lookup. Default 40. */
  readonly efSearch?: number;
  /** ivfflat: number of lists (1–32768). Default 100. Build the index after loading data: `reindex()`. */
  readonly lists?: number;
  /** ivfflat: lists searched per query (`ivfflat.probes`, 1–lists). Default 10. */
  readonly probes?: number;
  /**
   * Create the table without its hnsw/ivfflat index, for a bulk load: lookups scan exactly until
   * `reindex()` builds the index over the rows present (much faster than growing it row by row,
   * and what ivfflat needs to choose good lists). Default false.
   */
  readonly deferIndex?: boolean;
  /**
   * Iterative index scans (pgvector ≥ 0.8): a filtered lookup keeps scanning the index until it
   * has k results. Default true where the server has them.
   */
  readonly iterativeScan?: boolean;
  /** Milliseconds one call may take, connecting included, before it fails with UNAVAILABLE. Default 30 000. */
  readonly timeoutMs?: number;
  /** Receives debug and warning messages. Default: silent. */
  readonly logger?: Logger;
  /** Receives progress of long adds (`task: 'pgvector-add'`). Default: none. */
  readonly onProgress?: ProgressHandler;
}

/** Options of `PgvectorSearch.lookup`: a JS `filter`, or labels filtered inside PostgreSQL. */
export interface PgvectorLookupOptions extends LookupOptions {
  /**
   * Keep only vectors whose label (given to `add` as `options.labels`, as `Indexer` does) is one
   * of these integers. Filtered inside PostgreSQL, so it costs no over-fetch.
   */
  readonly labels?: ArrayLike<number>;
}

/** How one of our distances runs on pgvector. */
export interface PgvectorSpace {
  /** The pgvector operator, e.g. `<->`. */
  readonly operator: '<->' | '<#>' | '<=>' | '<+>';
  /** Its operator class for index builds. */
  readonly opclass: string;
  /** Vectors and queries are stored and sent as unit-length copies. */
  readonly normalize: boolean;
  /** Our distance from what the operator returned. */
  readonly fromNative: (raw: number) => number;
  /** Oldest pgvector that has the operator, as [major, minor]. */
  readonly since: readonly [number, number];
}

const SPACES: Readonly<Record<string, PgvectorSpace>> = {
  // Unit-length copies under <#> (−q̂·k̂) give 1 − cos without two norms per distance.
  cosine: {
    operator: '<#>',
    opclass: 'vector_ip_ops',
    normalize: true,
    fromNative: (raw) => Math.max(1 + raw, 0),
    since: [0, 5],
  },
  euclidean: { operator: '<->', opclass: 'vector_l2_ops', normalize: false, fromNative: (raw) => raw, since: [0, 5] },
  squared_euclidean: {
    operator: '<->',
    opclass: 'vector_l2_ops',
    normalize: false,
    fromNative: (raw) => raw * raw,
    since: [0, 5],
  },
  // <#> is −q·k; our inner_product distance is 1 − q·k.
  inner_product: {
    operator: '<#>',
    opclass: 'vector_ip_ops',
    normalize: false,
    fromNative: (raw) => 1 + raw,
    since: [0, 5],
  },
  manhattan: { operator: '<+>', opclass: 'vector_l1_ops', normalize: false, fromNative: (raw) => raw, since: [0, 7] },
};

/** The distances this backend offers, by canonical name. */
export const SUPPORTED_DISTANCES = Object.keys(SPACES);

/** Largest vector pgvector's `vector` type holds. */
export const MAX_DIM = 16000;
/** Longest table name: leaves room for the `_hnsw`/`_ivfflat`/`_label` index names within 63 bytes. */
const MAX_TABLE = 48;
export const DEFAULT_TABLE = 'simkit_vectors';
export const DEFAULT_SCHEMA = 'public';
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Checked options with defaults filled in. */
export interface CheckedOptions {
  readonly distance: Distance;
  readonly space: PgvectorSpace;
  readonly dim: number | undefined;
  readonly table: string;
  readonly schema: string;
  readonly index: PgvectorIndexKind;
  readonly m: number;
  readonly efConstruction: number;
  readonly efSearch: number;
  readonly lists: number;
  readonly probes: number;
  readonly iterativeScan: boolean;
  readonly deferIndex: boolean;
  readonly timeoutMs: number;
}

function integer(value: unknown, what: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(`${what} must be an integer from ${min} to ${max}; got ${describe(value)}.`);
  }
  return value;
}

/** The pgvector space of `distance`; UNSUPPORTED for a distance pgvector cannot compute. */
export function spaceOf(distance: Distance): PgvectorSpace {
  const space = SPACES[distance.name];
  if (space === undefined) {
    throw new SimkitError(
      'UNSUPPORTED',
      `PgvectorSearch cannot compute the '${distance.name}' distance; use one of ${SUPPORTED_DISTANCES.join(', ')}, or LinearSearch for it.`,
    );
  }
  return space;
}

/** Checks every option of `PgvectorSearch.open` (connection options apart) and fills in defaults. */
export function checkSearchOptions(options: PgvectorSearchOptions, where: string): CheckedOptions {
  checkOptions(options, where);
  if (options.distance === undefined) {
    throw invalidArgument(`${where}: options.distance is required, e.g. { distance: 'cosine' }.`);
  }
  const distance = resolveDistance(options.distance);
  const space = spaceOf(distance);
  const dim = options.dim === undefined ? undefined : integer(options.dim, `${where}: dim`, 1, MAX_DIM, 0);
  const table = checkIdentifier(options.table ?? DEFAULT_TABLE, `${where}: table`);
  if (table.length > MAX_TABLE) {
    throw invalidArgument(
      `${where}: table names are at most ${MAX_TABLE} characters (its indexes are named after it); got '${table}'.`,
    );
  }
  const schema = checkIdentifier(options.schema ?? DEFAULT_SCHEMA, `${where}: schema`);
  const index = options.index ?? 'hnsw';
  if (index !== 'exact' && index !== 'hnsw' && index !== 'ivfflat') {
    throw invalidArgument(`${where}: index must be 'hnsw', 'ivfflat' or 'exact'; got ${describe(index)}.`);
  }
  if (index === 'ivfflat' && distance.name === 'manhattan') {
    throw new SimkitError(
      'UNSUPPORTED',
      `${where}: pgvector's ivfflat has no manhattan operator class; use index: 'hnsw' or 'exact'.`,
    );
  }
  const m = integer(options.m, `${where}: m`, 2, 100, 16);
  const efConstruction = integer(options.efConstruction, `${where}: efConstruction`, 4, 1000, Math.max(64, 2 * m));
  if (efConstruction < 2 * m) {
    throw invalidArgument(`${where}: efConstruction must be at least 2·m = ${2 * m}; got ${efConstruction}.`);
  }
  const efSearch = integer(options.efSearch, `${where}: efSearch`, 1, 1000, 40);
  const lists = integer(options.lists, `${where}: lists`, 1, 32768, 100);
  const probes = integer(options.probes, `${where}: probes`, 1, lists, Math.min(10, lists));
  if (options.iterativeScan !== undefined && typeof options.iterativeScan !== 'boolean') {
    throw invalidArgument(`${where}: iterativeScan must be true or false; got ${describe(options.iterativeScan)}.`);
  }
  if (options.deferIndex !== undefined && typeof options.deferIndex !== 'boolean') {
    throw invalidArgument(`${where}: deferIndex must be true or false; got ${describe(options.deferIndex)}.`);
  }
  const timeoutMs = checkTimeout(options.timeoutMs, `${where}: timeoutMs`, DEFAULT_TIMEOUT_MS);
  if (options.logger !== undefined && typeof (options.logger as Logger | null)?.log !== 'function') {
    throw invalidArgument(`${where}: logger must have a log(level, message, fields) method.`);
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw invalidArgument(`${where}: onProgress must be a function; got ${describe(options.onProgress)}.`);
  }
  return {
    distance,
    space,
    dim,
    table,
    schema,
    index,
    m,
    efConstruction,
    efSearch,
    lists,
    probes,
    iterativeScan: options.iterativeScan ?? true,
    deferIndex: options.deferIndex ?? false,
    timeoutMs,
  };
}

/** Checks the `labels` lookup option: a non-empty list of integers. */
export function checkLabelFilter(labels: unknown, where: string): number[] | undefined {
  if (labels === undefined) return undefined;
  const list =
    typeof labels === 'object' && labels !== null && 'length' in labels
      ? Array.from(labels as ArrayLike<unknown>)
      : undefined;
  if (
    list === undefined ||
    list.length === 0 ||
    !list.every((v) => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 0x7fffffff)
  ) {
    throw invalidArgument(`${where}: labels must be a non-empty list of 32-bit integers; got ${describe(labels)}.`);
  }
  return list as number[];
}
