import { describeSearch } from '@simkit/core/testing';
import { PgvectorSearch } from '../src/index.js';
import { useDatabase } from './server.js';

const db = useDatabase();

describeSearch('PgvectorSearch (exact)', {
  factory: (dim) =>
    PgvectorSearch.open({ distance: 'euclidean', dim, pool: db.pool, table: db.table(), index: 'exact' }),
});

describeSearch('PgvectorSearch (hnsw)', {
  factory: (dim) =>
    PgvectorSearch.open({ distance: 'euclidean', dim, pool: db.pool, table: db.table(), index: 'hnsw' }),
});
