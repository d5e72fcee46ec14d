import { SimkitError, describe, invalidArgument, unavailable, withoutPassword } from '@simkit/core';

/** Longest identifier PostgreSQL keeps (NAMEDATALEN − 1). */
const MAX_IDENTIFIER = 63;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Checks a table or schema name: lower-case letters, digits and underscores, starting with a
 * letter or underscore, at most 63 bytes. Only such names ever reach SQL text (quoted);
 * everything else travels as bound parameters.
 */
export function checkIdentifier(value: unknown, what: string): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value) || value.length > MAX_IDENTIFIER) {
    throw invalidArgument(
      `${what} must be a PostgreSQL name of lower-case letters, digits and underscores that starts with a letter or underscore, at most ${MAX_IDENTIFIER} characters (e.g. 'simkit_vectors'); got ${describe(value)}.`,
    );
  }
  return value;
}

/** `"schema"."table"` for names that passed `checkIdentifier`. */
export function qualified(schema: string, table: string): string {
  return `"${schema}"."${table}"`;
}

/** pgvector's text form of row `row` of `data`: `[x0,x1,…]`. Float32 values print exactly. */
export function vectorText(data: Float32Array, row: number, dim: number): string {
  const parts = new Array<string>(dim);
  const base = row * dim;
  for (let j = 0; j < dim; j++) parts[j] = String(data[base + j]);
  return `[${parts.join(',')}]`;
}

/** A PostgreSQL array literal of vectors: `{"[…]","[…]"}`, bound as `$n::vector[]`. */
export function vectorArrayText(data: Float32Array, rows: number, dim: number, from = 0): string {
  const parts = new Array<string>(rows);
  for (let i = 0; i < rows; i++) parts[i] = `"${vectorText(data, from + i, dim)}"`;
  return `{${parts.join(',')}}`;
}

/** Parses pgvector's text form `[x0,x1,…]` into `out` at `offset`; false when it is not one of `dim` numbers. */
export function parseVectorText(text: unknown, dim: number, out: Float32Array, offset: number): boolean {
  if (typeof text !== 'string' || text.length < 2 || text[0] !== '[' || text[text.length - 1] !== ']') return false;
  const parts = text.slice(1, -1).split(',');
  if (parts.length !== dim) return false;
  for (let j = 0; j < dim; j++) {
    const v = Number(parts[j]);
    if (!Number.isFinite(v)) return false;
    out[offset + j] = v;
  }
  return true;
}

/** Node's socket error codes that mean the server is out of reach. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** True for a failure to reach or keep a connection, as opposed to an error the server reported. */
export function isConnectionFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (SOCKET_CODES.has(code)) return true;
  // SQLSTATE class 08 (connection exception), 57P01–57P03 (shutdown, crash, cannot connect now).
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable|Client was closed/i.test(
    message,
  );
}

/**
 * Turns what `pg` threw while doing `operation` into a SimkitError: connection failures are
 * UNAVAILABLE, a full disk or exhausted resources (SQLSTATE class 53) IO_ERROR, a missing
 * table NOT_FOUND, anything else the server refused IO_ERROR with its SQLSTATE.
 */
export function databaseError(error: unknown, operation: string, server: string): SimkitError {
  if (SimkitError.isInstance(error)) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = typeof e.code === 'string' ? e.code : undefined;
  const where = withoutPassword(server);
  if (isConnectionFailure(error)) {
    return unavailable(
      `${operation} failed: the PostgreSQL server at ${where} cannot be reached or closed the connection (${message}). Check that it is running; the next call tries again.`,
      error,
      { server: where },
    );
  }
  if (code === '42P01') {
    return new SimkitError(
      'NOT_FOUND',
      `${operation} failed: its table no longer exists on ${where} (${message}). It was dropped by someone else; open the search again to create it.`,
      { cause: error, details: { server: where, sqlstate: code } },
    );
  }
  return new SimkitError(
    'IO_ERROR',
    `${operation} failed: PostgreSQL at ${where} refused it (${message}${code === undefined ? '' : `, SQLSTATE ${code}`}).${code?.startsWith('53') ? ' The server is out of disk space, memory or connections.' : ''}`,
    { cause: error, details: { server: where, ...(code === undefined ? {} : { sqlstate: code }) } },
  );
}
