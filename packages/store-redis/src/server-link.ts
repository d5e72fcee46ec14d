import { type Logger, type SimkitError, unavailable, withoutPassword, withTimeout } from '@simkit/core';
import { createClient, RESP_TYPES } from 'redis';
import type { RedisClientLike } from './options.js';
import { isConnectionError, redisError } from './redis-errors.js';
import type { Arg } from './record-codec.js';

/** The part of a node-redis connection the store uses. */
export interface RedisConnection {
  connect(): Promise<unknown>;
  sendCommand(args: Arg[]): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  readonly isOpen: boolean;
  readonly isReady: boolean;
}

/** Opens one more (not yet connected) connection to the server. */
export type Opener = () => RedisConnection;

/**
 * Settings of every connection the store opens, whatever the caller's client uses: RESP2
 * replies with strings as Buffers (records are binary); commands fail at once while the
 * connection is down instead of waiting in an offline queue; no reconnection in the
 * background (the next call opens a new connection); no key prefix, client-side cache or
 * per-command timer of node-redis (the store bounds each call itself).
 */
function connectionOptions(timeoutMs: number) {
  return {
    RESP: 2 as const,
    disableOfflineQueue: true,
    maintNotifications: 'disabled' as const,
    keyPrefix: undefined,
    clientSideCache: undefined,
    emitInvalidate: undefined,
    commandOptions: { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer }, timeout: 0 },
    socket: { connectTimeout: timeoutMs, reconnectStrategy: false as const },
  };
}

/** Connections to the server at `url` (`redis://`, `rediss://` or `unix://`). */
export function urlOpener(url: string, timeoutMs: number): Opener {
  return () => createClient({ url, ...connectionOptions(timeoutMs) }) as unknown as RedisConnection;
}

/** Connections with the settings (server, credentials, database, TLS) of the caller's client. */
export function clientOpener(client: RedisClientLike, timeoutMs: number): Opener {
  return () => {
    const own = connectionOptions(timeoutMs);
    const socket = (client.options as { socket?: object } | undefined)?.socket;
    return client.duplicate({ ...own, socket: { ...socket, ...own.socket } }) as RedisConnection;
  };
}

/** The server a client connects to, as a URL without password: `redis://user@host:port/db`. */
export function clientUrl(client: RedisClientLike): string {
  const o = (client.options ?? {}) as {
    url?: unknown;
    username?: unknown;
    database?: unknown;
    socket?: { host?: unknown; port?: unknown; path?: unknown; tls?: unknown };
  };
  if (typeof o.url === 'string' && o.url !== '') return withoutPassword(o.url);
  const db = typeof o.database === 'number' && o.database !== 0 ? o.database : undefined;
  const path = o.socket?.path;
  if (typeof path === 'string') return `unix://${path}${db === undefined ? '' : `?db=${db}`}`;
  const host = typeof o.socket?.host === 'string' && o.socket.host !== '' ? o.socket.host : 'localhost';
  const port = typeof o.socket?.port === 'number' ? o.socket.port : 6379;
  const user = typeof o.username === 'string' && o.username !== '' ? `${encodeURIComponent(o.username)}@` : '';
  const scheme = o.socket?.tls === true ? 'rediss' : 'redis';
  return `${scheme}://${user}${host.includes(':') ? `[${host}]` : host}:${port}${db === undefined ? '' : `/${db}`}`;
}

/** Host, port and database of a server URL, to tell whether two URLs name the same server. */
export function serverIdentity(url: string): string {
  if (url.startsWith('unix:')) {
    const [path, query] = url.replace(/^unix:\/\/([^@/]*@)?/, '').split('?');
    return `unix:${path} db ${new URLSearchParams(query ?? '').get('db') ?? '0'}`;
  }
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}:${u.port || '6379'} db ${u.pathname.slice(1) || '0'}`;
  } catch {
    return url;
  }
}

/** Sends `commands` as one MULTI/EXEC; resolves with EXEC's replies, or null when a WATCH aborted it. */
export async function transaction(connection: RedisConnection, commands: Arg[][]): Promise<unknown[] | null> {
  // Issued in one synchronous run, so no other command of this connection can come between them.
  const sent = [connection.sendCommand(['MULTI'])];
  for (const command of commands) sent.push(connection.sendCommand(command));
  sent.push(connection.sendCommand(['EXEC']));
  const replies = await Promise.all(sent);
  const result = replies[replies.length - 1];
  if (result === null) return null;
  if (!Array.isArray(result) || result.length !== commands.length) {
    throw new Error(`EXEC answered ${Array.isArray(result) ? `${result.length} replies` : String(result)}`);
  }
  return result;
}

/** Sends `commands` together (one round trip) and resolves with their replies. */
export function pipeline(connection: RedisConnection, commands: Arg[][]): Promise<unknown[]> {
  return Promise.all(commands.map((command) => connection.sendCommand(command)));
}

/** One connection the link keeps for one kind of work. */
interface Slot {
  readonly role: 'reads' | 'writes';
  connection: RedisConnection | undefined;
  connecting: Promise<RedisConnection> | undefined;
}

/**
 * The store's connections to one server: one for reads, one for writes (its WATCH must not
 * be shared). Each call is bounded by `timeoutMs`; a connection that failed or timed out is
 * dropped, and the next call opens a new one, so a restarted server is used again at once.
 */
export class ServerLink {
  /** The server as a URL without password, for messages and saves. */
  readonly server: string;
  private readonly open: Opener;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly reads: Slot = { role: 'reads', connection: undefined, connecting: undefined };
  private readonly writes: Slot = { role: 'writes', connection: undefined, connecting: undefined };
  private closed: (() => SimkitError) | undefined;

  constructor(open: Opener, server: string, timeoutMs: number, logger: Logger) {
    this.open = open;
    this.server = server;
    this.timeoutMs = timeoutMs;
    this.logger = logger;
  }

  /**
   * Runs `fn` on the read or write connection (opened first when needed), within `timeoutMs`.
   * Failures become SimkitErrors: UNAVAILABLE for the connection and for timeouts.
   */
  async run<T>(
    role: 'reads' | 'writes',
    operation: string,
    prefix: string,
    fn: (connection: RedisConnection) => Promise<T>,
  ): Promise<T> {
    if (this.closed !== undefined) throw this.closed();
    const slot = role === 'reads' ? this.reads : this.writes;
    const work = (async () => fn(await this.connection(slot)))();
    try {
      return await withTimeout(work, this.timeoutMs, () => {
        // Dropped, so nothing this call queued is sent later, and no reply is matched to a later command.
        this.drop(slot);
        return unavailable(
          `${operation} took longer than ${this.timeoutMs} ms on the Redis server at ${this.server}. Check the server and the network (or raise timeoutMs), then try again; the store reconnects on the next call.`,
          undefined,
          { server: this.server, timeoutMs: this.timeoutMs },
        );
      });
    } catch (error) {
      if (isConnectionError(error)) this.drop(slot);
      throw redisError(error, operation, this.server, prefix);
    }
  }

  private async connection(slot: Slot): Promise<RedisConnection> {
    const current = slot.connection;
    if (current !== undefined) {
      if (current.isReady) return current;
      if (slot.connecting !== undefined) return slot.connecting;
      // Closed by a lost connection: replaced by a new one.
      this.drop(slot);
    }
    const fresh = this.open();
    fresh.on('error', (error) => {
      this.logger.log('warn', 'Redis connection error', {
        server: this.server,
        connection: slot.role,
        error: error instanceof Error ? error.message : String(error),
      });
    });
    slot.connection = fresh;
    const connecting = fresh.connect().then(
      () => fresh,
      (error: unknown) => {
        if (slot.connection === fresh) this.drop(slot);
        throw error;
      },
    );
    slot.connecting = connecting;
    connecting
      .finally(() => {
        if (slot.connecting === connecting) slot.connecting = undefined;
      })
      .catch(() => undefined);
    return connecting;
  }

  private drop(slot: Slot): void {
    const connection = slot.connection;
    slot.connection = undefined;
    slot.connecting = undefined;
    if (connection === undefined) return;
    try {
      connection.destroy();
    } catch {
      // Already closed.
    }
  }

  /** Closes both connections (waiting for replies still due); calls made afterwards throw `closed()`. */
  async close(closed: () => SimkitError): Promise<void> {
    this.closed = closed;
    await Promise.all([this.reads, this.writes].map((slot) => this.closeSlot(slot)));
  }

  private async closeSlot(slot: Slot): Promise<void> {
    const connection = slot.connection;
    if (connection === undefined) return;
    if (slot.connecting !== undefined || !connection.isReady) {
      this.drop(slot);
      return;
    }
    try {
      await withTimeout(connection.close(), this.timeoutMs, () => new Error('close timed out'));
      slot.connection = undefined;
    } catch {
      this.drop(slot);
    }
  }
}
