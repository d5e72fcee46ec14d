import { SimkitError, unavailable } from '@simkit/core';

/** node-redis errors that mean the connection is gone or never came up. */
const CONNECTION_ERRORS = new Set([
  'AbortError',
  'ClientClosedError',
  'ClientOfflineError',
  'ConnectionTimeoutError',
  'DisconnectsClientError',
  'ReconnectStrategyError',
  'SocketClosedUnexpectedlyError',
  'SocketTimeoutError',
  'TimeoutError',
]);

/** errno codes of a socket that could not connect or was cut. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOENT',
]);

/** Error replies after which the server will answer again later. */
const RETRY_LATER = ['LOADING', 'BUSY', 'MASTERDOWN', 'TRYAGAIN', 'CLUSTERDOWN'];

function className(error: unknown): string {
  const ctor = (error as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof ctor === 'string' ? ctor : '';
}

/** True for a failure of the connection itself, after which the connection is dropped. */
export function isConnectionError(error: unknown): boolean {
  if (CONNECTION_ERRORS.has(className(error))) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SOCKET_CODES.has(code);
}

/** A Redis Cluster redirection (`-MOVED …`, `-ASK …`): the node does not serve the key's slot. */
export function isRedirect(error: unknown): boolean {
  return isErrorReply(error) && /^(MOVED|ASK) /.test(error.message);
}

/** An error reply of the server (`-WRONGTYPE …`), as node-redis reports it. */
export function isErrorReply(error: unknown): error is Error {
  const name = className(error);
  return name === 'SimpleError' || name === 'BlobError' || name === 'ErrorReply';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Turns whatever a Redis call threw into a SimkitError. `operation` says what was being done
 * ("Adding records"), `server` names the server without its password, `prefix` the index.
 */
export function redisError(error: unknown, operation: string, server: string, prefix: string): SimkitError {
  if (SimkitError.isInstance(error)) return error;
  const message = messageOf(error);
  if (isConnectionError(error)) {
    return unavailable(
      `${operation} failed: the Redis server at ${server} could not be reached or the connection was lost (${message}). Check that the server is running and reachable, then try again; the store reconnects on the next call.`,
      error,
      { server },
    );
  }
  if (isErrorReply(error)) {
    const word = message.split(' ', 1)[0] ?? '';
    if (RETRY_LATER.includes(word)) {
      return unavailable(
        `${operation} failed: the Redis server at ${server} cannot answer yet (${message}). Try again in a moment.`,
        error,
        { server },
      );
    }
    if (word === 'READONLY') {
      return unavailable(
        `${operation} failed: ${server} is a read-only replica (${message}). Connect the store to the master.`,
        error,
        { server },
      );
    }
    if (word === 'MOVED' || word === 'ASK' || word === 'CROSSSLOT') {
      return unavailable(
        `${operation} failed: the Redis Cluster at ${server} still did not serve the hash slot of {${prefix}} on the master it named after it was asked again (${message}); the slot is being moved (resharding or failover). Try again in a moment.`,
        error,
        { server },
      );
    }
    if (word === 'NOAUTH' || word === 'WRONGPASS') {
      return unavailable(
        `${operation} failed: the Redis server at ${server} refused the credentials (${message}). Pass the right user and password in the URL (redis://user:password@host:port) or in the client.`,
        error,
        { server },
      );
    }
    if (word === 'NOPERM') {
      return unavailable(
        `${operation} failed: the Redis user may not do this (${message}). Allow it the hash, sorted set, transaction and SCAN commands on the keys {${prefix}}:*.`,
        error,
        { server },
      );
    }
    if (word === 'WRONGTYPE') {
      return new SimkitError(
        'CORRUPT_INDEX',
        `${operation} failed: a key of the index {${prefix}} holds the wrong kind of value (${message}); another program wrote to it. Inspect the keys {${prefix}}:* with redis-cli, or reset() the index.`,
        { cause: error, details: { server, prefix } },
      );
    }
    return new SimkitError(
      'IO_ERROR',
      `${operation} failed: the Redis server at ${server} answered with an error (${message}). Fix the server's condition (e.g. maxmemory) and try again.`,
      { cause: error, details: { server } },
    );
  }
  return new SimkitError('IO_ERROR', `${operation} failed on the Redis server at ${server}: ${message}.`, {
    cause: error,
    details: { server },
  });
}
