import {
  type ComponentConfig,
  type ComponentFactory,
  checkData,
  checkedCount,
  checkLabels,
  describe,
  type EmbeddingBatch,
  expectConfig,
  invalidArgument,
  type LabelsInput,
  type Logger,
  type ProgressHandler,
  readReferenceSave,
  SimkitError,
  type Store,
  type StoreRecord,
  type StoreSupports,
  toBatch,
  toIds,
  withoutPassword,
  writeReferenceSave,
} from '@simkit/core';
import { checkPrefix, checkSavedPrefix, IndexKeys } from './index-keys.js';
import { isConnectionError, isErrorReply } from './redis-errors.js';
import { type CheckedConnection, checkConnectionOptions, type RedisConnectionOptions } from './options.js';
import {
  type Arg,
  damaged,
  decodeRecord,
  type EncodedBatch,
  encodeBatch,
  RECORD_FIELDS,
  recordCommand,
} from './record-codec.js';
import {
  clientOpener,
  clientUrl,
  pipeline,
  type RedisConnection,
  ServerLink,
  serverIdentity,
  transaction,
  urlOpener,
} from './server-link.js';
import { checkSize, decodeMeta, EMPTY_META, MAX_IDS, META_FIELDS, metaCommand, type StoreMeta } from './store-meta.js';

/** Options of `RedisStore.open`. */
export interface RedisStoreOptions extends RedisConnectionOptions {
  /**
   * Names the index: every key of it starts with `{prefix}:`. At most 200 printable
   * characters, without spaces, `{` or `}`. Stores opened with the same server and prefix,
   * in any process, share one index.
   */
  readonly prefix: string;
}

/**
 * Options of `RedisStore.factory`: how stores built from a saved config connect. Without
 * `client` or `url` they connect to the URL recorded in the config, with the password from
 * the environment variable `REDIS_PASSWORD` when it is set.
 */
export type RedisStoreFactoryOptions = RedisConnectionOptions;

/** A registry entry that builds RedisStores from configs (for `Indexer.load`). */
export interface RedisStoreFactory extends ComponentFactory<RedisStore> {
  fromConfig(config: ComponentConfig): Promise<RedisStore>;
}

/** The config of a RedisStore: where its index lives. `url` never holds a password. */
export type RedisStoreConfig = { url: string; prefix: string };

const TYPE = 'redis-store';
const CONFIG_VERSION = 1;
const PACKAGE = '@simkit/store-redis';
/** Kind of the save that `save(dir)` writes, and the file in it. */
const SAVE_KIND = 'redis-store';
const SAVE_FILE = 'redis-store.json';
const REFERENCE_FORMAT = 'simkit-redis-store-reference';
const REFERENCE_VERSION = 1;
const OPEN_OPTIONS = ['client', 'url', 'prefix', 'timeoutMs', 'logger', 'onProgress'] as const;
const FACTORY_OPTIONS = ['client', 'url', 'timeoutMs', 'logger', 'onProgress'] as const;
/** Ids per page of entries(), keys per SCAN of reset(), keys per DEL, ZADD or ZREM. */
const PAGE = 1000;
/** Tries of one optimistic transaction before giving up, when other clients keep changing the index. */
const MAX_ATTEMPTS = 50;
/** Scans of one reset() before giving up, when other clients keep adding records during it. */
const MAX_RESET_ROUNDS = 10;
/** Said of writes that fail on a lost connection: EXEC may have run before the reply was lost. */
const WRITE_OUTCOME =
  ' If the connection was lost while the transaction was sent, it may have been applied (as a whole); refresh() shows what the index holds.';

/**
 * A shared, persistent Store on Redis (node-redis). Each record is a hash under the
 * key prefix, ids come from a counter in the index's meta hash, and every add and
 * delete is one MULTI/EXEC transaction guarded by WATCH: all of it happens, or none.
 * Any number of processes may use one index at the same time. Node.js only.
 */
export class RedisStore implements Store {
  readonly supports: StoreSupports = Object.freeze({ delete: true, persistence: true, shared: true });
  private keys: IndexKeys;
  /** What this instance last saw of the meta hash: `size()` and `dim` report it. */
  private meta: StoreMeta = EMPTY_META;
  private readonly link: ServerLink;
  private readonly logger: Logger;
  private readonly onProgress: ProgressHandler;
  /** Writes run one after another, so this instance never races itself for ids. */
  private queue: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;
  /** The write connection WATCHes the meta of `keys` since this instance's last transaction, which read it as `meta`. */
  private primed: { connection: RedisConnection; keys: IndexKeys; meta: StoreMeta } | undefined;

  private constructor(link: ServerLink, prefix: string, options: CheckedConnection) {
    this.link = link;
    this.keys = new IndexKeys(prefix);
    this.logger = options.logger;
    this.onProgress = options.onProgress;
  }

  /**
   * Connects to the server and opens the index `prefix` on it (an index without records
   * until something is added). Fails with UNAVAILABLE when the server cannot be reached
   * within `timeoutMs`, and with CORRUPT_INDEX when the keys under the prefix are not a
   * consistent simkit index.
   */
  static async open(options: RedisStoreOptions): Promise<RedisStore> {
    const checked = checkConnectionOptions(options, 'RedisStore.open', OPEN_OPTIONS, true);
    const prefix = checkPrefix((options as { prefix?: unknown }).prefix, 'RedisStore.open: prefix');
    const { client, url, timeoutMs, logger } = checked;
    const link =
      client !== undefined
        ? new ServerLink(clientOpener(client, timeoutMs), clientUrl(client), timeoutMs, logger)
        : new ServerLink(urlOpener(url as string, timeoutMs), withoutPassword(url as string), timeoutMs, logger);
    const store = new RedisStore(link, prefix, checked);
    try {
      await store.refreshNow('Opening the index');
    } catch (error) {
      await link.close(() => store.closedError());
      throw error;
    }
    logger.log('debug', 'Opened redis store', {
      url: link.server,
      prefix,
      size: store.meta.size,
      dim: store.meta.dim,
    });
    return store;
  }

  /**
   * Builds a store for `Indexer.load` and other config round trips, on the recorded server
   * and prefix: `RedisStore.factory().fromConfig(config)`. The password comes from the
   * environment variable `REDIS_PASSWORD`; use `RedisStore.factory({ url })` or
   * `RedisStore.factory({ client })` to choose the connection.
   */
  static fromConfig(config: ComponentConfig): Promise<RedisStore> {
    return RedisStore.factory().fromConfig(config);
  }

  /**
   * A registry entry whose stores open the recorded prefix through `options.client` or
   * `options.url` when given, otherwise on the recorded URL (password from `REDIS_PASSWORD`).
   */
  static factory(options: RedisStoreFactoryOptions = {}): RedisStoreFactory {
    const checked = checkConnectionOptions(options, 'RedisStore.factory', FACTORY_OPTIONS, false);
    return {
      fromConfig: async (config: ComponentConfig) => {
        expectConfig(config, TYPE, CONFIG_VERSION);
        const recorded = config.config as Record<string, unknown>;
        const prefix = checkPrefix(recorded.prefix, `A '${TYPE}' config's prefix`);
        const common = { prefix, timeoutMs: checked.timeoutMs, logger: checked.logger, onProgress: checked.onProgress };
        if (checked.client !== undefined) return RedisStore.open({ client: checked.client, ...common });
        if (checked.url !== undefined) return RedisStore.open({ url: checked.url, ...common });
        if (typeof recorded.url !== 'string' || recorded.url === '') {
          throw invalidArgument(
            `A '${TYPE}' config has url ${describe(recorded.url)}; expected a Redis URL, or pass { url } or { client } to RedisStore.factory.`,
          );
        }
        return RedisStore.open({ url: withEnvironmentPassword(recorded.url), ...common });
      },
    };
  }

  /** The key prefix of the index this store uses (it changes with `load`). */
  get prefix(): string {
    return this.keys.prefix;
  }

  /** The server, as a URL without password. */
  get url(): string {
    return this.link.server;
  }

  /** Embedding dimension as last seen on the server; undefined while the index is empty. */
  get dim(): number | undefined {
    return this.meta.dim ?? undefined;
  }

  /** Number of live records as last seen on the server: other processes may have changed it since; see `refresh()`. */
  size(): number {
    return this.meta.size;
  }

  /** Reads `size()` and `dim` again from the server. */
  async refresh(): Promise<void> {
    this.assertOpen();
    await this.refreshNow('Refreshing');
  }

  /**
   * Adds records under the next ids of the index, in one MULTI/EXEC transaction: all of them
   * or none. Input is checked (and copied) before anything is sent. The dimension is checked
   * against the server's inside the transaction, so two processes cannot add two dimensions.
   */
  async add(embeddings: EmbeddingBatch, labels?: LabelsInput, data?: ArrayLike<unknown> | null): Promise<Int32Array> {
    this.assertOpen();
    let b: EmbeddingBatch;
    try {
      b = toBatch(embeddings, this.dim);
    } catch (error) {
      if (!SimkitError.isInstance(error, 'DIMENSION_MISMATCH')) throw error;
      // The dimension seen last may be stale: another process may have reset the index since.
      await this.refreshNow('Adding records').catch(() => {
        throw error;
      });
      b = toBatch(embeddings, this.dim);
    }
    const l = checkLabels(labels, b.rows);
    const d = checkData(data, b.rows);
    if (b.rows === 0) return new Int32Array(0);
    const encoded = encodeBatch(b, l, d);
    return this.exclusive(() => this.addEncoded(encoded));
  }

  private addEncoded(batch: EncodedBatch): Promise<Int32Array> {
    const keys = this.keys;
    return this.write('Adding records', keys, async (before) => {
      if (before.dim !== null && before.dim !== batch.dim) {
        throw new SimkitError(
          'DIMENSION_MISMATCH',
          `embeddings: got vectors of dimension ${batch.dim}, expected ${before.dim}. Every vector in an index has the same dimension.`,
          { details: { expected: before.dim, actual: batch.dim } },
        );
      }
      if (before.nextId + batch.rows > MAX_IDS) {
        throw new SimkitError(
          'UNSUPPORTED',
          `The index {${keys.prefix}} has used ${before.nextId} ids and ids stop at 2^31 − 1; reset() it or use a new prefix.`,
        );
      }
      const ids = new Int32Array(batch.rows);
      for (let i = 0; i < batch.rows; i++) ids[i] = before.nextId + i;
      const recordKeys = Array.from(ids, (id) => keys.record(id));
      const commands: Arg[][] = [];
      // Clears whatever a foreign program left under these keys, so each record hash holds exactly its fields.
      for (let i = 0; i < recordKeys.length; i += PAGE) commands.push(['DEL', ...recordKeys.slice(i, i + PAGE)]);
      for (let i = 0; i < batch.rows; i++) commands.push(recordCommand(recordKeys[i] as string, batch, i));
      for (let i = 0; i < ids.length; i += PAGE) {
        const zadd: Arg[] = ['ZADD', keys.ids];
        for (const id of ids.subarray(i, i + PAGE)) {
          const text = String(id);
          zadd.push(text, text);
        }
        commands.push(zadd);
      }
      const after: StoreMeta = { dim: batch.dim, nextId: before.nextId + batch.rows, size: before.size + batch.rows };
      commands.push(metaCommand(keys.meta, after));
      return { commands, after, result: ids };
    });
  }

  /**
   * Records for `ids` in the order asked (repeats allowed), read in one pipelined round trip
   * (and again in one MULTI/EXEC when the replies do not fit together). Unknown or deleted ids
   * fail with NOT_FOUND; a record that cannot be decoded (wrong byte length, not finite, bad
   * label or data) is CORRUPT_INDEX naming its key.
   */
  async get(ids: ArrayLike<number>): Promise<StoreRecord[]> {
    this.assertOpen();
    const checked = toIds(ids);
    if (checked.length === 0) return [];
    const unique = Array.from(new Set(checked));
    const keys = this.keys;
    const found = await this.link.run('reads', 'Reading records', keys.prefix, async (c) => {
      const commands: Arg[][] = [['HMGET', keys.meta, ...META_FIELDS]];
      for (const id of unique) commands.push(['HMGET', keys.record(id), ...RECORD_FIELDS]);
      return readChecked(c, commands, (replies) => {
        const meta = decodeMeta(reply(replies, 0), keys.meta);
        const records = new Map<number, StoreRecord>();
        for (let i = 0; i < unique.length; i++) {
          const id = unique[i] as number;
          const record = decodeRecord(id, keys.record(id), reply(replies, i + 1), meta.dim);
          if (record !== undefined) records.set(id, record);
        }
        return { meta, records };
      });
    });
    this.seen(keys, found.meta);
    const missing = unique.filter((id) => !found.records.has(id));
    if (missing.length > 0) throw this.notFound(missing);
    const out = new Array<StoreRecord>(checked.length);
    const used = new Set<number>();
    for (let i = 0; i < checked.length; i++) {
      const id = checked[i] as number;
      const record = found.records.get(id) as StoreRecord;
      // A repeated id gets its own copy of the embedding, so changing one result leaves the others.
      out[i] = used.has(id) ? { ...record, embedding: record.embedding.slice() } : record;
      used.add(id);
    }
    return out;
  }

  /**
   * Deletes `ids` in one MULTI/EXEC transaction. If any of them is not in the index (checked
   * under the same WATCH), it fails with NOT_FOUND and deletes nothing. Ids are never reused.
   */
  async delete(ids: ArrayLike<number>): Promise<void> {
    this.assertOpen();
    const unique = Array.from(new Set(toIds(ids)));
    if (unique.length === 0) return;
    return this.exclusive(async () => {
      const keys = this.keys;
      await this.write('Deleting records', keys, async (before, c) => {
        const scores = await c.sendCommand(['ZMSCORE', keys.ids, ...unique.map(String)]);
        if (!Array.isArray(scores) || scores.length !== unique.length) {
          throw damaged(keys.ids, 'it cannot be read as a sorted set');
        }
        const missing = unique.filter((_, i) => scores[i] === null);
        if (missing.length > 0) throw this.notFound(missing);
        const commands: Arg[][] = [];
        const recordKeys = unique.map((id) => keys.record(id));
        for (let i = 0; i < unique.length; i += PAGE) {
          commands.push(['DEL', ...recordKeys.slice(i, i + PAGE)]);
          commands.push(['ZREM', keys.ids, ...unique.slice(i, i + PAGE).map(String)]);
        }
        const after: StoreMeta = { ...before, size: before.size - unique.length };
        commands.push(metaCommand(keys.meta, after));
        return { commands, after, result: undefined };
      });
    });
  }

  /**
   * Every live record in id order, read page by page (1000 ids at a time) while other
   * processes may change the index: a record deleted meanwhile is left out, one added
   * meanwhile is included when its id comes after the current page.
   */
  async *entries(): AsyncIterable<StoreRecord> {
    this.assertOpen();
    const keys = this.keys;
    let after = -1;
    for (;;) {
      const ids = await this.link.run('reads', 'Reading records', keys.prefix, async (c) =>
        pageIds(
          await c.sendCommand(['ZRANGE', keys.ids, `(${after}`, '+inf', 'BYSCORE', 'LIMIT', '0', String(PAGE)]),
          after,
          keys.ids,
        ),
      );
      if (ids.length === 0) return;
      const page = await this.link.run('reads', 'Reading records', keys.prefix, async (c) => {
        const commands: Arg[][] = [
          ['HMGET', keys.meta, ...META_FIELDS],
          ['ZMSCORE', keys.ids, ...ids.map(String)],
        ];
        for (const id of ids) commands.push(['HMGET', keys.record(id), ...RECORD_FIELDS]);
        return readChecked(c, commands, (replies) => {
          const meta = decodeMeta(reply(replies, 0), keys.meta);
          const scores = reply(replies, 1);
          const records: StoreRecord[] = [];
          for (let i = 0; i < ids.length; i++) {
            const id = ids[i] as number;
            const record = decodeRecord(id, keys.record(id), reply(replies, i + 2), meta.dim);
            if (record !== undefined) records.push(record);
            else if (Array.isArray(scores) && scores[i] !== null) {
              throw damaged(keys.record(id), `it is missing although ${keys.ids} lists id ${id}`);
            }
          }
          return { meta, records };
        });
      });
      this.seen(keys, page.meta);
      yield* page.records;
      after = ids[ids.length - 1] as number;
    }
  }

  /**
   * Deletes every key of the index; the next add gets id 0 and any dimension. The records go
   * first, page by page, each page with its ids and the meta's size in one transaction; the
   * meta hash and the ids set go last, together. An interrupted reset therefore leaves a
   * consistent index that holds fewer records (and keeps its next id); run reset() again.
   */
  async reset(): Promise<void> {
    this.assertOpen();
    return this.exclusive(async () => {
      const keys = this.keys;
      let deleted = 0;
      this.onProgress({ task: 'redis-store:reset', done: 0 });
      for (let round = 1; ; round++) {
        let cursor = '0';
        do {
          const [next, found] = await this.link.run('writes', 'Resetting', keys.prefix, async (c) =>
            scanPage(await c.sendCommand(['SCAN', cursor, 'MATCH', keys.pattern, 'COUNT', String(PAGE)])),
          );
          cursor = next;
          const doomed = found.filter((key) => {
            const text = key.toString('utf8');
            return text !== keys.meta && text !== keys.ids;
          });
          if (doomed.length > 0) {
            await this.dropKeys(keys, doomed);
            deleted += doomed.length;
            this.onProgress({ task: 'redis-store:reset', done: deleted });
          }
        } while (cursor !== '0');
        const finished = await this.write('Resetting', keys, async (before) => {
          // Records added by others during the scan: scan again rather than orphan them.
          if (before.size > 0) return { commands: null, after: before, result: false };
          return { commands: [['DEL', keys.meta, keys.ids]], after: EMPTY_META, result: true };
        });
        if (finished) break;
        if (round >= MAX_RESET_ROUNDS) throw this.busy('Resetting', MAX_RESET_ROUNDS, 'scans');
      }
      this.logger.log('info', 'Reset redis store', { url: this.url, prefix: keys.prefix, keys: deleted });
    });
  }

  /** Deletes `doomed` keys of the index; records among them leave the ids set and the meta's size with them. */
  private dropKeys(keys: IndexKeys, doomed: Buffer[]): Promise<void> {
    const recordIds: number[] = [];
    for (const key of doomed) {
      const id = keys.recordId(key.toString('utf8'));
      if (id !== undefined) recordIds.push(id);
    }
    return this.write('Resetting', keys, async (before, c) => {
      let live: number[] = [];
      if (recordIds.length > 0) {
        const scores = await c.sendCommand(['ZMSCORE', keys.ids, ...recordIds.map(String)]);
        if (!Array.isArray(scores)) throw damaged(keys.ids, 'it cannot be read as a sorted set');
        live = recordIds.filter((_, i) => scores[i] !== null);
      }
      const commands: Arg[][] = [['DEL', ...doomed]];
      let after = before;
      if (live.length > 0) {
        commands.push(['ZREM', keys.ids, ...live.map(String)]);
        after = { ...before, size: before.size - live.length };
        commands.push(metaCommand(keys.meta, after));
      }
      return { commands, after, result: undefined };
    });
  }

  /**
   * Records where the index lives — not its records. Writes `dir` as an atomic save (core's
   * `writeReferenceSave`) holding `redis-store.json`: the server URL without its password, the
   * prefix, and the size, next id and dimension the server reported. `load(dir)` shows the
   * records as they are then, not as they were at the save: back up Redis itself (RDB, AOF).
   */
  async save(dir: string): Promise<void> {
    this.assertOpen();
    checkDir(dir, 'save');
    return this.exclusive(async () => {
      const meta = await this.refreshNow('Saving');
      await writeReferenceSave(dir, SAVE_KIND, SAVE_FILE, {
        format: REFERENCE_FORMAT,
        version: REFERENCE_VERSION,
        url: this.url,
        prefix: this.keys.prefix,
        size: meta.size,
        nextId: meta.nextId,
        dim: meta.dim,
      });
      this.logger.log('info', 'Saved redis store reference', { url: this.url, prefix: this.keys.prefix, dir });
    });
  }

  /**
   * Switches this store to the index recorded by `save(dir)`, on this store's own connection,
   * and reads its size and dimension: the records are those on the server now. Logs a warning
   * when the save names another server than the one this store is connected to. A directory
   * without a valid save is CORRUPT_INDEX; on any error the store keeps its index.
   */
  async load(dir: string): Promise<void> {
    this.assertOpen();
    checkDir(dir, 'load');
    const reference = await readReferenceSave(dir, SAVE_KIND, SAVE_FILE);
    const where = `${SAVE_FILE} in '${dir}'`;
    const wrong = (what: string) =>
      new SimkitError(
        'CORRUPT_INDEX',
        `${where} ${what}; the save is damaged or was not written by RedisStore. Save the store again.`,
        { details: { dir } },
      );
    if (reference.format !== REFERENCE_FORMAT) throw wrong(`names format ${describe(reference.format)}`);
    const version = checkedCount(reference.version, { min: 1, max: 0x7fffffff, what: `version in ${where}` });
    if (version > REFERENCE_VERSION) {
      throw new SimkitError(
        'UNSUPPORTED',
        `${where} has version ${version}, newer than this package reads (${REFERENCE_VERSION}); upgrade @simkit/store-redis.`,
      );
    }
    if (typeof reference.url !== 'string' || reference.url === '') throw wrong(`has url ${describe(reference.url)}`);
    const url = reference.url;
    const prefix = checkSavedPrefix(reference.prefix, where);
    const nextId = checkedCount(reference.nextId, { max: MAX_IDS, what: `nextId in ${where}` });
    const size = checkedCount(reference.size, { max: nextId, what: `size in ${where}` });
    const dim =
      reference.dim === null ? null : checkedCount(reference.dim, { min: 1, max: MAX_IDS, what: `dim in ${where}` });
    return this.exclusive(async () => {
      if (serverIdentity(url) !== serverIdentity(this.url)) {
        this.logger.log('warn', 'Loading a redis store saved on another server: using the connected server', {
          saved: url,
          connected: this.url,
          prefix,
        });
      }
      const keys = new IndexKeys(prefix);
      const meta = await this.link.run('reads', 'Loading', prefix, (c) => readMeta(c, keys));
      this.keys = keys;
      this.meta = meta;
      if (meta.size !== size || meta.nextId !== nextId || meta.dim !== dim) {
        this.logger.log('info', 'The redis index has changed since it was saved', {
          prefix,
          saved: { size, nextId, dim },
          now: meta,
        });
      }
      this.logger.log('info', 'Loaded redis store reference', { url: this.url, prefix, dir, size: meta.size });
    });
  }

  /** Waits for queued writes, then closes the store's connections (never a client passed in). */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closing = (async () => {
        await this.queue;
        await this.link.close(() => this.closedError());
      })();
    }
    return this.closing;
  }

  toConfig(): ComponentConfig<RedisStoreConfig> {
    return {
      type: TYPE,
      version: CONFIG_VERSION,
      package: PACKAGE,
      config: { url: this.url, prefix: this.keys.prefix },
    };
  }

  /** Reads the meta hash and the size of the ids set (checking that they agree) and remembers them. */
  private async refreshNow(operation: string): Promise<StoreMeta> {
    const keys = this.keys;
    const meta = await this.link.run('reads', operation, keys.prefix, (c) => readMeta(c, keys));
    this.seen(keys, meta);
    return meta;
  }

  /** Remembers what the server said, unless a load has switched the store to another index meanwhile. */
  private seen(keys: IndexKeys, meta: StoreMeta): void {
    if (keys === this.keys) this.meta = meta;
  }

  /**
   * One optimistic write on the write connection: WATCH the meta hash and the ids set, read
   * the meta, let `plan` decide the commands (or none), and run them in MULTI/EXEC. When
   * another client changed the index in between, EXEC aborts and it starts over, up to
   * MAX_ATTEMPTS times. Right behind a successful EXEC, in the same round trip, it WATCHes and
   * reads the meta again for the next write of this instance, which then needs no round trip
   * of its own before its transaction; a change by anyone in between still aborts that EXEC.
   */
  private write<T>(
    operation: string,
    keys: IndexKeys,
    plan: (
      before: StoreMeta,
      connection: RedisConnection,
    ) => Promise<{ commands: Arg[][] | null; after: StoreMeta; result: T }>,
  ): Promise<T> {
    return this.link
      .run('writes', operation, keys.prefix, async (c) => {
        const primed = this.primed;
        this.primed = undefined;
        let watched = primed !== undefined && primed.connection === c && primed.keys === keys ? primed.meta : undefined;
        for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
          let step: { commands: Arg[][] | null; after: StoreMeta; result: T };
          const reused = watched !== undefined;
          try {
            const before = watched ?? (await watchMeta(c, keys));
            watched = undefined;
            this.seen(keys, before);
            step = await plan(before, c);
          } catch (error) {
            // The meta read after the last transaction may be stale by now: judge on a fresh read.
            if (reused && !isConnectionError(error)) continue;
            await c.sendCommand(['UNWATCH']).catch(() => undefined);
            throw error;
          }
          if (step.commands === null) {
            await c.sendCommand(['UNWATCH']);
            return step.result;
          }
          const executed = transaction(c, step.commands);
          // Sent with the transaction (same tick, same write), after its EXEC.
          const next = watchMeta(c, keys);
          next.catch(() => undefined);
          const replies = await executed;
          if (replies !== null) {
            for (const r of replies) if (r instanceof Error) throw r;
            this.seen(keys, step.after);
            const meta = await next.catch(() => undefined);
            if (meta !== undefined) {
              this.seen(keys, meta);
              this.primed = { connection: c, keys, meta };
            } else {
              await c.sendCommand(['UNWATCH']).catch(() => undefined);
            }
            return step.result;
          }
          // Another client changed the index after WATCH: back off a little, then read it again.
          await next.catch(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
        }
        throw this.busy(operation, MAX_ATTEMPTS, 'attempts');
      })
      .catch((error: unknown) => {
        this.primed = undefined;
        if (SimkitError.isInstance(error, 'UNAVAILABLE')) {
          throw new SimkitError('UNAVAILABLE', error.message + WRITE_OUTCOME, {
            cause: error.cause ?? error,
            ...(error.details === undefined ? {} : { details: { ...error.details } }),
          });
        }
        throw error;
      });
  }

  private busy(operation: string, tries: number, what: string): SimkitError {
    return new SimkitError(
      'LOCKED',
      `${operation} failed: other clients changed the index {${this.keys.prefix}} on ${this.url} during each of ${tries} ${what}, so this instance changed nothing. Try again; if it keeps happening, let fewer processes write to one index at once.`,
      { details: { prefix: this.keys.prefix, tries } },
    );
  }

  private notFound(missing: number[]): SimkitError {
    const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, … (${missing.length} in all)` : '');
    return new SimkitError(
      'NOT_FOUND',
      `No record with id ${shown} in the Redis index {${this.keys.prefix}} on ${this.url}; it was never added or has been deleted.`,
      { details: { ids: missing.slice(0, 100) } },
    );
  }

  private closedError(): SimkitError {
    return new SimkitError(
      'NOT_READY',
      `The Redis store {${this.keys.prefix}} on ${this.url} is closed; open it again with RedisStore.open({ url, prefix }).`,
    );
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw this.closedError();
  }

  /** Runs `fn` after every earlier write of this instance has finished. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/** Runs `commands` in MULTI/EXEC (no WATCH, so it always runs): one moment of the index. */
async function exec(c: RedisConnection, commands: Arg[][]): Promise<unknown[]> {
  const replies = await transaction(c, commands);
  if (replies === null) throw new Error('EXEC aborted a transaction without WATCH');
  return replies;
}

/**
 * Sends `commands` pipelined (one round trip) and decodes the replies with `decode`. When that
 * finds anything wrong — an error reply, a damaged or missing key — it reads again in one
 * MULTI/EXEC, one moment of the index, and decodes that: a change by another client between two
 * pipelined replies is never reported as damage, and real damage is reported as found there.
 */
async function readChecked<T>(c: RedisConnection, commands: Arg[][], decode: (replies: unknown[]) => T): Promise<T> {
  let replies: unknown[] | undefined;
  try {
    replies = await pipeline(c, commands);
  } catch (error) {
    if (!isErrorReply(error)) throw error;
  }
  if (replies !== undefined) {
    try {
      return decode(replies);
    } catch (error) {
      if (!isErrorReply(error) && !SimkitError.isInstance(error, 'CORRUPT_INDEX')) throw error;
    }
  }
  return decode(await exec(c, commands));
}

/** Reply `i` of a transaction; an error reply inside it is thrown. */
function reply(replies: unknown[], i: number): unknown {
  const r = replies[i];
  if (r instanceof Error) throw r;
  return r;
}

/**
 * WATCHes the meta hash and the ids set of `keys` (dropping any earlier WATCH of the connection)
 * and reads the meta, checked against the ids set: what a transaction is then planned on.
 */
async function watchMeta(c: RedisConnection, keys: IndexKeys): Promise<StoreMeta> {
  const [, , metaReply, cardinality] = await pipeline(c, [
    ['UNWATCH'],
    ['WATCH', keys.meta, keys.ids],
    ['HMGET', keys.meta, ...META_FIELDS],
    ['ZCARD', keys.ids],
  ]);
  return checkSize(decodeMeta(metaReply, keys.meta), cardinality, keys.meta, keys.ids);
}

/** Meta hash and ids set of `keys`, read in one transaction and checked against each other. */
async function readMeta(c: RedisConnection, keys: IndexKeys): Promise<StoreMeta> {
  const replies = await exec(c, [
    ['HMGET', keys.meta, ...META_FIELDS],
    ['ZCARD', keys.ids],
  ]);
  return checkSize(decodeMeta(reply(replies, 0), keys.meta), reply(replies, 1), keys.meta, keys.ids);
}

/** Ids of one ZRANGE page: increasing integers after `after`, or the ids set is damaged. */
function pageIds(value: unknown, after: number, idsKey: string): number[] {
  if (!Array.isArray(value)) throw damaged(idsKey, 'it cannot be read as a sorted set');
  const ids = new Array<number>(value.length);
  let previous = after;
  for (let i = 0; i < value.length; i++) {
    const member = value[i];
    const text = Buffer.isBuffer(member) ? member.toString('latin1') : String(member);
    const id = /^(0|[1-9]\d{0,9})$/.test(text) ? Number(text) : Number.NaN;
    if (!(id > previous && id < MAX_IDS))
      throw damaged(idsKey, `it lists ${JSON.stringify(text)}, which is not an id in order`);
    ids[i] = id;
    previous = id;
  }
  return ids;
}

/** Cursor and keys of one SCAN reply; keys stay bytes, so a key that is not UTF-8 is deleted as it is. */
function scanPage(value: unknown): [string, Buffer[]] {
  if (!Array.isArray(value) || value.length !== 2 || !Array.isArray(value[1])) {
    throw new Error('SCAN answered something other than [cursor, keys]');
  }
  const keys = (value[1] as unknown[]).map((k) => (Buffer.isBuffer(k) ? k : Buffer.from(String(k))));
  return [Buffer.isBuffer(value[0]) ? value[0].toString('latin1') : String(value[0]), keys];
}

function checkDir(dir: unknown, method: string): asserts dir is string {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw invalidArgument(`${method}: dir must be a non-empty directory path; got ${describe(dir)}.`);
  }
}

/** `url` with the password from `REDIS_PASSWORD`, when that is set and the URL has none. */
function withEnvironmentPassword(url: string): string {
  const password = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    ?.REDIS_PASSWORD;
  if (password === undefined || password === '') return url;
  try {
    const u = new URL(url);
    if (u.password !== '' || u.hostname === '') return url;
    // 'default' is the user that a plain requirepass password belongs to (Redis 6+ ACLs).
    if (u.username === '') u.username = 'default';
    u.password = password;
    return u.toString();
  } catch {
    return url;
  }
}
