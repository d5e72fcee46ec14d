import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServerProcess } from './child.js';
import { ask, freePort, waitFor } from './ports.js';

/** Options of `startPgvector`. */
export interface PgvectorServerOptions {
  /** Milliseconds to wait for the server to answer; default 60 000. */
  readonly startTimeoutMs?: number;
}

/** A running PostgreSQL + pgvector server (PGlite) of the caller's own. */
export interface PgvectorServer {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (PGlite accepts any password). */
  readonly url: string;
  /** Its data directory. */
  readonly dir: string;
  readonly pid: number | undefined;
  /** SIGKILL: connections drop at once. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  /** Stops it and deletes its data directory. */
  stop(): Promise<void>;
}

/** An SSLRequest packet: a Postgres server answers it with one byte, 'N' or 'S'. */
const SSL_REQUEST = String.fromCharCode(0, 0, 0, 8, 4, 210, 22, 47);

/**
 * Starts PostgreSQL with the `vector` extension created (PGlite + pgvector 0.8) in a child
 * Node process, served over the Postgres wire protocol on a free loopback port, with its data
 * in a fresh temporary directory. Plain `pg` clients connect to `url`.
 */
export async function startPgvector(options: PgvectorServerOptions = {}): Promise<PgvectorServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'simkit-pgvector-'));
  const script = fileURLToPath(new URL('./pgvector-server.js', import.meta.url));
  const process = new ServerProcess(
    globalThis.process.execPath,
    [script, String(port), join(dir, 'data')],
    `pgvector server on port ${port}`,
  );
  const timeout = options.startTimeoutMs ?? 60_000;
  const ready = () => waitFor(async () => (await ask(port, SSL_REQUEST)) === 'N', timeout, 'pgvector server');
  try {
    await process.start(ready);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    get pid() {
      return process.pid;
    },
    kill: () => process.signal('SIGKILL'),
    restart: async () => {
      await process.signal('SIGKILL');
      await process.start(ready);
    },
    stop: async () => {
      await process.signal('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
