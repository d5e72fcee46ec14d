import {
  checkTimeout,
  describe,
  invalidArgument,
  type Logger,
  noProgress,
  type ProgressHandler,
  silentLogger,
} from '@simkit/core';

/**
 * A node-redis client (`createClient()` of the `redis` package): the store opens connections
 * of its own with its settings (`duplicate()`), and never sends a command through it.
 */
export interface RedisClientLike {
  /** A new, unconnected client with the same settings (and `overrides`). */
  duplicate(overrides?: object): unknown;
  /** The settings the client was created with (`createClient(options)`). */
  readonly options?: object | undefined;
}

/** Default bound of every call to the server. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Where and how a store connects; shared by `RedisStore.open` and `RedisStore.factory`. */
export interface RedisConnectionOptions {
  /**
   * A node-redis client (`createClient()` of `redis`) whose settings the store connects with:
   * it opens two connections of its own with them (`client.duplicate()`) and never sends a
   * command through, changes or closes this client. Pass `client` or `url`, not both.
   */
  readonly client?: RedisClientLike;
  /**
   * The server, e.g. `redis://localhost:6379`, `rediss://user:password@host:6380/2` or
   * `unix:///run/redis.sock`; the store opens its own connections and closes them on `close()`.
   * The password never leaves the store: configs, saves, logs and messages show the URL without it.
   */
  readonly url?: string;
  /** Bound of each call to the server, in milliseconds (1 to 2³¹ − 1); 10 000 by default. */
  readonly timeoutMs?: number;
  /** Receives debug, info and warn messages (connection errors, a load from another server); silent by default. */
  readonly logger?: Logger;
  /** Receives the progress of reset(); silent by default. */
  readonly onProgress?: ProgressHandler;
}

/** Checked connection options, with defaults filled in. */
export interface CheckedConnection {
  readonly client: RedisClientLike | undefined;
  readonly url: string | undefined;
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly onProgress: ProgressHandler;
}

const URL_SCHEMES = /^(rediss?|unix):\/\//;

function checkUrl(value: unknown, where: string): string {
  const hint = `${where}: url must be a Redis URL such as 'redis://localhost:6379' (also rediss:// for TLS, unix:///path/to.sock)`;
  if (typeof value !== 'string' || !URL_SCHEMES.test(value)) {
    // The value may hold a password: it is described, never shown.
    throw invalidArgument(`${hint}; got ${typeof value === 'string' ? 'another string' : describe(value)}.`);
  }
  if (!value.startsWith('unix:')) {
    try {
      const u = new URL(value);
      if (u.hostname === '') throw new Error('no host');
      if (u.pathname.length > 1 && !/^\/\d+$/.test(u.pathname)) throw new Error('bad database');
    } catch {
      throw invalidArgument(
        `${hint}, with a host and at most a database number as its path; got a string that is not.`,
      );
    }
  }
  return value;
}

function checkClient(value: unknown, where: string): RedisClientLike {
  const c = value as Record<string, unknown> | null;
  if (typeof c !== 'object' || c === null || typeof c.duplicate !== 'function' || typeof c.sendCommand !== 'function') {
    throw invalidArgument(
      `${where}: client must be a node-redis client from createClient() of the 'redis' package; got ${describe(value)}.`,
    );
  }
  if ('masters' in c && 'slots' in c) {
    throw invalidArgument(
      `${where}: client is a Redis Cluster client (createCluster()); pass the url of any node of the cluster instead (or a createClient() client of one): the store finds the master that serves the index's hash slot itself.`,
    );
  }
  return value as RedisClientLike;
}

/**
 * Checks the options of `where`: an object without unknown keys, `client` or `url` (both
 * optional when `needServer` is false, never both), a timeout, a logger and a progress handler.
 */
export function checkConnectionOptions(
  options: unknown,
  where: string,
  known: readonly string[],
  needServer: boolean,
): CheckedConnection {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidArgument(`${where}: options must be an object; got ${describe(options)}.`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) {
      throw invalidArgument(`${where}: unknown option '${key}'; the options are ${known.join(', ')}.`);
    }
  }
  if (o.client !== undefined && o.url !== undefined) {
    throw invalidArgument(`${where}: pass either client or url, not both.`);
  }
  if (needServer && o.client === undefined && o.url === undefined) {
    throw invalidArgument(
      `${where}: say which server to use: { url: 'redis://localhost:6379' } or { client } (a node-redis client).`,
    );
  }
  const client = o.client === undefined ? undefined : checkClient(o.client, where);
  const url = o.url === undefined ? undefined : checkUrl(o.url, where);
  const timeoutMs = checkTimeout(o.timeoutMs, `${where}: timeoutMs`, DEFAULT_TIMEOUT_MS);
  if (o.logger !== undefined && typeof (o.logger as Logger | null)?.log !== 'function') {
    throw invalidArgument(
      `${where}: logger must have a log(level, message, fields) method; got ${describe(o.logger)}.`,
    );
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    throw invalidArgument(`${where}: onProgress must be a function; got ${describe(o.onProgress)}.`);
  }
  return {
    client,
    url,
    timeoutMs,
    logger: (o.logger as Logger | undefined) ?? silentLogger,
    onProgress: (o.onProgress as ProgressHandler | undefined) ?? noProgress,
  };
}
