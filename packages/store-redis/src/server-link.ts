import { type Logger, type SimkitError, unavailable, withoutPassword, withTimeout } from '@simkit/core';
import { createClient, RESP_TYPES } from 'redis';
import { findSlotOwner, type NodeAddress, nodeName, urlOfNode } from './cluster.js';
import type { RedisClientLike } from './options.js';
import { isConnectionError, isRedirect, redisError } from './redis-errors.js';
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

/** Opens one more (not yet connected) connection: to the server given, or to `node` of its cluster. */
export type Opener = (node?: NodeAddress) => RedisConnection;

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
  return (node) =>
    createClient({
      url: node === undefined ? url : urlOfNode(url, node),
      ...connectionOptions(timeoutMs),
    }) as unknown as RedisConnection;
}

/** Connections with the settings (server, credentials, database, TLS) of the caller's client. */
export function clientOpener(client: RedisClientLike, timeoutMs: number): Opener {
  return (node) => {
    const own = connectionOptions(timeoutMs);
    const socket = (client.options as { socket?: { host?: unknown; path?: unknown } } | undefined)?.socket;
    if (node === undefined)
      return client.duplicate({ ...own, socket: { ...socket, ...own.socket } }) as RedisConnection;
    // Credentials, database and TLS stay the client's; only the address is the node's (its URL would override it).
    const { path: _path, ...tcp } = socket ?? {};
    const host = node.host !== '' ? node.host : tcp.host;
    return client.duplicate({
      ...own,
      url: undefined,
      socket: { ...tcp, ...own.socket, host, port: node.port },
    }) as RedisConnection;
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
  /** The link's `generation` when the connection was opened. */
  generation: number;
}

/**
 * The store's connections to one server: one for reads, one for writes (its WATCH must not
 * be shared). Each call is bounded by `timeoutMs`; a connection that failed or timed out is
 * dropped, and the next call opens a new one, so a restarted server is used again at once.
 *
 * On a Redis Cluster, the server given is only where the link asks which master serves the
 * index's hash slot; the connections go to that master. A call answered MOVED or ASK (after a
 * failover or a resharding) asks again and runs once more.
 */
export class ServerLink {
  /** The server as a URL without password, for messages and saves. */
  readonly server: string;
  private readonly open: Opener;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly reads: Slot = { role: 'reads', connection: undefined, connecting: undefined, generation: 0 };
  private readonly writes: Slot = { role: 'writes', connection: undefined, connecting: undefined, generation: 0 };
  private closed: (() => SimkitError) | undefined;
  /**
   * Where connections go, once asked: `node` is the cluster master that serves the index's
   * slot, undefined for a server that is not a cluster node. Asked again after a lost connection.
   */
  private route: { node: NodeAddress | undefined } | undefined;
  /** Bumped when the slot moved: connections opened before are replaced before their next call. */
  private generation = 0;

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
    let expired = false;
    let generation = this.generation;
    const attempt = async () => {
      const connection = await this.connection(slot, prefix);
      generation = slot.generation;
      return fn(connection);
    };
    const work = (async () => {
      try {
        return await attempt();
      } catch (error) {
        if (!isRedirect(error) || expired) throw error;
        // The slot has moved (failover, resharding). Nothing was applied: the server refused the
        // command, and EXEC discards a transaction any of whose commands it refused.
        this.moved(generation);
        return attempt();
      }
    })();
    try {
      return await withTimeout(work, this.timeoutMs, () => {
        expired = true;
        // Dropped, so nothing this call queued is sent later, and no reply is matched to a later command.
        this.drop(slot);
        this.route = undefined;
        return unavailable(
          `${operation} took longer than ${this.timeoutMs} ms on the Redis server at ${this.server}. Check the server and the network (or raise timeoutMs), then try again; the store reconnects on the next call.`,
          undefined,
          { server: this.server, timeoutMs: this.timeoutMs },
        );
      });
    } catch (error) {
      if (isConnectionError(error)) {
        this.drop(slot);
        this.route = undefined;
      }
      if (isRedirect(error)) this.moved(generation);
      throw redisError(error, operation, this.server, prefix);
    }
  }

  /** A connection of `generation` was answered MOVED or ASK: ask the cluster again, once for all calls. */
  private moved(generation: number): void {
    if (generation !== this.generation) return;
    this.route = undefined;
    this.generation++;
  }

  private connection(slot: Slot, prefix: string): Promise<RedisConnection> {
    if (slot.connecting !== undefined) return slot.connecting;
    const current = slot.connection;
    if (current !== undefined) {
      if (current.isReady && slot.generation === this.generation) return Promise.resolve(current);
      if (current.isReady) {
        // Opened to a master that no longer serves the slot: closed once the replies still due are in.
        slot.connection = undefined;
        withTimeout(current.close(), this.timeoutMs, () => new Error('close timed out')).catch(() => destroy(current));
      } else {
        // Closed by a lost connection: replaced by a new one.
        this.drop(slot);
      }
    }
    slot.generation = this.generation;
    const connecting: Promise<RedisConnection> = this.connect(slot, prefix).catch((error: unknown) => {
      if (slot.connecting === connecting) this.drop(slot);
      throw error;
    });
    slot.connecting = connecting;
    connecting
      .finally(() => {
        if (slot.connecting === connecting) slot.connecting = undefined;
      })
      .catch(() => undefined);
    return connecting;
  }

  /**
   * Opens the slot's connection: where the route says, or else to the server given, which is
   * then asked whether it is a cluster node and which master serves the slot of `{prefix}`.
   */
  private async connect(slot: Slot, prefix: string): Promise<RedisConnection> {
    const route = this.route;
    const first = await this.openOn(slot, route?.node);
    if (route !== undefined) return first;
    const found = await findSlotOwner(first, prefix);
    this.route = { node: found?.owner };
    if (found === undefined) return first;
    this.logger.log('debug', 'Redis Cluster: found the master that serves the index', {
      server: this.server,
      prefix,
      slot: found.slot,
      master: nodeName(found.owner),
    });
    if (found.self) return first;
    // Replaced without drop(), so calls that wait for this connecting keep waiting.
    slot.connection = undefined;
    destroy(first);
    return this.openOn(slot, found.owner);
  }

  private async openOn(slot: Slot, node: NodeAddress | undefined): Promise<RedisConnection> {
    const fresh = this.open(node);
    fresh.on('error', (error) => {
      this.logger.log('warn', 'Redis connection error', {
        server: this.server,
        connection: slot.role,
        error: error instanceof Error ? error.message : String(error),
      });
    });
    slot.connection = fresh;
    await fresh.connect();
    return fresh;
  }

  private drop(slot: Slot): void {
    const connection = slot.connection;
    slot.connection = undefined;
    slot.connecting = undefined;
    if (connection !== undefined) destroy(connection);
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

function destroy(connection: RedisConnection): void {
  try {
    connection.destroy();
  } catch {
    // Already closed.
  }
}
