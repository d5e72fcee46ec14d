import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess } from './child.js';
import { ask, freePort, waitFor } from './ports.js';

/** Options of `startRedis`. */
export interface RedisServerOptions {
  /** `appendfsync` of the append-only file: 'always' makes every acknowledged write durable. Default 'everysec'. */
  readonly appendfsync?: 'always' | 'everysec' | 'no';
  /** Milliseconds to wait for the server to answer PING; default 20 000. */
  readonly startTimeoutMs?: number;
}

/** A running redis-server of the caller's own. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Its working directory (append-only file). */
  readonly dir: string;
  /** The server's process id while it runs. */
  readonly pid: number | undefined;
  /** SIGKILL: no shutdown, no final save; the append-only file is what survives. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory and waits until it has loaded its data. */
  restart(): Promise<void>;
  /** Stops it and deletes its directory. */
  stop(): Promise<void>;
}

/**
 * Arguments of a `redis-server` on 127.0.0.1:`port` keeping an append-only file (no RDB
 * snapshots) in `dir`, in the foreground, followed by `extra`.
 */
export function redisServerArgs(port: number, dir: string, extra: readonly string[]): string[] {
  return [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'],
    ...['--daemonize', 'no', '--protected-mode', 'no'],
    ...extra,
  ];
}

/** Resolves once the redis-server on `port` has loaded its data: PING answers -LOADING until then, +PONG after. */
export function redisAnswers(port: number, timeoutMs: number): Promise<void> {
  return waitFor(async () => (await ask(port, 'PING\r\n')).startsWith('+PONG'), timeoutMs, 'redis-server');
}

/**
 * Starts Debian's `redis-server` (7.x) on a free loopback port, persisting to an append-only
 * file in a fresh temporary directory (no RDB snapshots). Fails, never skips, when
 * `redis-server` is not installed: `apt-get install redis-server`.
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'simkit-redis-'));
  const args = redisServerArgs(port, dir, ['--appendfsync', options.appendfsync ?? 'everysec']);
  const process = new ServerProcess('redis-server', args, `redis-server on port ${port}`);
  const timeout = options.startTimeoutMs ?? 20_000;
  const ready = () => redisAnswers(port, timeout);
  try {
    await process.start(ready);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
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
