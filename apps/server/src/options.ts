import { type Logger, describe, invalidArgument, silentLogger } from '@simkit/core';
import type { Indexer } from '@simkit/indexer';
import type { SimilarityModel } from '@simkit/model';

/** Options of `createService`: exactly one of `index` and `model`; everything else has a default. */
export interface ServiceOptions {
  /** The index to serve: requests carry embeddings of its `embeddingSize`. */
  index?: Indexer;
  /** A model with an index (after `compile()`, `createIndex()` or `load()`): requests carry raw model inputs, which the model embeds. */
  model?: SimilarityModel;
  /**
   * Where `close()` saves when the index changed since the start or the last save, and where
   * `POST /save` saves: `indexer.save(dir)` for an index, `model.save(dir)` (model and index, so
   * `SimilarityModel.load(dir)` reads it back) for a model. Without it nothing is saved.
   */
  saveDir?: string;
  /** Interface to listen on. Default `127.0.0.1` (loopback only). */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 8080. */
  port?: number;
  /**
   * Bearer tokens. When any is set, every route but `/healthz` needs one; read tokens may call
   * the read routes, write tokens every route. Default none (no auth).
   */
  tokens?: { read?: string[]; write?: string[] };
  /** Largest `k` a request may ask for. Default 100. */
  maxK?: number;
  /** Most rows (queries, records, calibration examples) in one request. Default 1024. */
  maxBatch?: number;
  /** Largest request body in bytes; larger is 413. Default 16 MiB. */
  bodyLimit?: number;
  /** Requests doing index work at once. Default 64. */
  maxConcurrent?: number;
  /** Requests waiting (first in, first out) beyond `maxConcurrent`; more are 503 OVERLOADED. Default 1024. */
  maxQueue?: number;
  /** Time a request may wait and run before it is answered 503 TIMEOUT. Default 30 000 ms. */
  requestTimeoutMs?: number;
  /** Receives the service's log messages (listen, saves, internal errors). Default silent. */
  logger?: Logger;
}

/** Options after checking, with every default filled in. */
export interface ResolvedOptions {
  readonly index: Indexer | undefined;
  readonly model: SimilarityModel | undefined;
  readonly saveDir: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly readTokens: readonly string[];
  readonly writeTokens: readonly string[];
  readonly maxK: number;
  readonly maxBatch: number;
  readonly bodyLimit: number;
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  readonly requestTimeoutMs: number;
  readonly logger: Logger;
}

const KNOWN = new Set([
  'index',
  'model',
  'saveDir',
  'host',
  'port',
  'tokens',
  'maxK',
  'maxBatch',
  'bodyLimit',
  'maxConcurrent',
  'maxQueue',
  'requestTimeoutMs',
  'logger',
]);

/** setTimeout's largest delay. */
const MAX_TIMEOUT_MS = 0x7fffffff;
/** A token is sent in a header: visible ASCII, no spaces. */
const TOKEN = /^[\x21-\x7e]+$/;

function integer(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(`${name} must be an integer from ${min} to ${max}; got ${describe(value)}.`);
  }
  return value;
}

function tokenList(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw invalidArgument(`tokens.${name} must be an array of strings; got ${describe(value)}.`);
  }
  return value.map((t, i) => {
    if (typeof t !== 'string' || !TOKEN.test(t)) {
      throw invalidArgument(
        `tokens.${name}[${i}] must be a non-empty string of visible ASCII characters without spaces (it travels in an Authorization header).`,
      );
    }
    return t;
  });
}

function isIndexer(x: unknown): x is Indexer {
  const o = x as Record<string, unknown> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.batchLookup === 'function' &&
    typeof o.batchAdd === 'function' &&
    typeof o.embeddingSize === 'number'
  );
}

function isModel(x: unknown): x is SimilarityModel {
  const o = x as Record<string, unknown> | null;
  return typeof o === 'object' && o !== null && typeof o.lookup === 'function' && typeof o.index === 'function';
}

/** Checks every option of `createService` and fills in the defaults. */
export function resolveOptions(options: ServiceOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidArgument(
      `createService(options) needs an options object with an index or a model; got ${describe(options)}.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw invalidArgument(`Unknown option '${key}'; the options are ${[...KNOWN].join(', ')}.`);
    }
  }
  const { index, model } = options;
  if ((index === undefined) === (model === undefined)) {
    throw invalidArgument('Pass exactly one of index (an Indexer) or model (a SimilarityModel with an index).');
  }
  if (index !== undefined && !isIndexer(index)) {
    throw invalidArgument(`index must be an Indexer from @simkit/indexer; got ${describe(index)}.`);
  }
  if (model !== undefined) {
    if (!isModel(model)) {
      throw invalidArgument(`model must be a SimilarityModel from @simkit/model; got ${describe(model)}.`);
    }
    if (!model.hasIndex) {
      throw invalidArgument('The model has no index: call model.compile() or model.createIndex() before serving it.');
    }
  }
  if (options.saveDir !== undefined && (typeof options.saveDir !== 'string' || options.saveDir.length === 0)) {
    throw invalidArgument(`saveDir must be a directory path; got ${describe(options.saveDir)}.`);
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) {
    throw invalidArgument(`host must be a host name or IP address, e.g. '127.0.0.1'; got ${describe(host)}.`);
  }
  const tokens = options.tokens;
  if (tokens !== undefined && (typeof tokens !== 'object' || tokens === null || Array.isArray(tokens))) {
    throw invalidArgument(`tokens must be { read?: string[], write?: string[] }; got ${describe(tokens)}.`);
  }
  for (const key of Object.keys(tokens ?? {})) {
    if (key !== 'read' && key !== 'write') {
      throw invalidArgument(`Unknown tokens key '${key}'; use { read?: string[], write?: string[] }.`);
    }
  }
  const logger = options.logger ?? silentLogger;
  if (typeof logger !== 'object' || logger === null || typeof logger.log !== 'function') {
    throw invalidArgument(
      `logger must be an object with a log(level, message, fields) method; got ${describe(logger)}.`,
    );
  }
  return {
    index,
    model,
    saveDir: options.saveDir,
    host,
    port: integer(options.port, 'port', 0, 65535, 8080),
    readTokens: tokenList(tokens?.read, 'read'),
    writeTokens: tokenList(tokens?.write, 'write'),
    maxK: integer(options.maxK, 'maxK', 1, 1_000_000, 100),
    maxBatch: integer(options.maxBatch, 'maxBatch', 1, 10_000_000, 1024),
    bodyLimit: integer(options.bodyLimit, 'bodyLimit', 1, 2 ** 31 - 1, 16 * 1024 * 1024),
    maxConcurrent: integer(options.maxConcurrent, 'maxConcurrent', 1, 1_000_000, 64),
    maxQueue: integer(options.maxQueue, 'maxQueue', 0, 10_000_000, 1024),
    requestTimeoutMs: integer(options.requestTimeoutMs, 'requestTimeoutMs', 1, MAX_TIMEOUT_MS, 30_000),
    logger,
  };
}
