/**
 * `@simkit/search-pgvector`: nearest-neighbour search for simkit on PostgreSQL + pgvector,
 * through node-postgres. Several processes share one index by connecting to one table.
 *
 * @module index
 */
export {
  PgvectorSearch,
  type PgvectorSearchFactory,
  type PgvectorSearchFactoryOptions,
  type PgvectorSearchStats,
} from './pgvector-search.js';
export {
  SUPPORTED_DISTANCES,
  type PgClient,
  type PgPool,
  type PgQueryResult,
  type PgvectorIndexKind,
  type PgvectorLookupOptions,
  type PgvectorSearchOptions,
} from './pgvector-options.js';
