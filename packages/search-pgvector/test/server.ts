import { type PgvectorServer, startPgvector } from '@simkit/test-servers';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { PgPool } from '../src/index.js';

/** A pgvector server for one test file, a shared pool on it, and fresh table names. */
export interface TestDatabase {
  readonly server: PgvectorServer;
  readonly pool: PgPool & pg.Pool;
  /** A table name no other test of this file uses. */
  table(): string;
}

let tables = 0;

/** Starts a pgvector server before the file's tests and stops it after them. */
export function useDatabase(): TestDatabase {
  const state: { server?: PgvectorServer; pool?: pg.Pool } = {};
  beforeAll(async () => {
    state.server = await startPgvector();
    state.pool = new pg.Pool({ connectionString: state.server.url, max: 4 });
    state.pool.on('error', () => undefined);
  }, 120_000);
  afterAll(async () => {
    await state.pool?.end();
    await state.server?.stop();
  });
  return {
    get server() {
      return state.server as PgvectorServer;
    },
    get pool() {
      return state.pool as PgPool & pg.Pool;
    },
    table: () => `t${process.pid}_${++tables}`,
  };
}
