import { type Command, intOption, stringOption } from '../command.js';
import { openIndex } from '../open-index.js';

/** Tokens from a repeatable flag plus a comma-separated environment variable. */
function tokens(flag: unknown, env: string | undefined): string[] {
  const fromFlag = Array.isArray(flag) ? (flag as string[]) : [];
  const fromEnv = (env ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return [...fromFlag, ...fromEnv];
}

/** `simkit serve`: the HTTP similarity service on a saved index or model. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve a saved index (or model) over HTTP: lookups, matches, adds, removes, metrics',
  usage: '<index-dir> [options]',
  positionals: [1, 1],
  options: {
    host: { type: 'string', value: 'HOST', help: 'address to bind (default 127.0.0.1: this machine only)' },
    port: { type: 'string', short: 'p', value: 'N', help: 'port (default 8080; 0 = any free port)' },
    'read-token': {
      type: 'string',
      multiple: true,
      value: 'T',
      help: 'bearer token allowed to read (or SIMKIT_READ_TOKENS=a,b)',
    },
    'write-token': {
      type: 'string',
      multiple: true,
      value: 'T',
      help: 'bearer token allowed to read and write (or SIMKIT_WRITE_TOKENS=a,b)',
    },
    'max-k': { type: 'string', value: 'N', help: 'largest k a request may ask for (default 100)' },
    'max-batch': { type: 'string', value: 'N', help: 'most rows in one request (default 1024)' },
    'body-limit': { type: 'string', value: 'BYTES', help: 'largest request body (default 16777216)' },
    'max-concurrent': { type: 'string', value: 'N', help: 'requests working at once (default 64)' },
    'max-queue': { type: 'string', value: 'N', help: 'requests waiting beyond that before 503 (default 1024)' },
    timeout: { type: 'string', value: 'MS', help: 'request timeout in milliseconds (default 30000)' },
    'no-save': { type: 'boolean', help: 'do not save changes back to <index-dir> on shutdown' },
  },
  details: `Without tokens the service needs no authentication: keep it on loopback, or set tokens. Tokens given
in the environment stay out of the process list. SIGTERM or SIGINT stops accepting requests, lets running
ones finish, saves the index when it changed (unless --no-save) and exits.

Example:
  SIMKIT_WRITE_TOKENS=secret simkit serve my-index --port 8080
  curl -s localhost:8080/lookup -H 'authorization: Bearer secret' -H 'content-type: application/json' \\
       -d '{"embeddings": [[0.1, 0.2, 0.3]], "k": 3}'`,
  async run(ctx) {
    const dir = ctx.positionals[0] as string;
    const read = tokens(ctx.values['read-token'], ctx.io.env.SIMKIT_READ_TOKENS);
    const write = tokens(ctx.values['write-token'], ctx.io.env.SIMKIT_WRITE_TOKENS);
    const maxK = intOption(ctx, 'max-k', undefined, 1, 1_000_000);
    const maxBatch = intOption(ctx, 'max-batch', undefined, 1, 10_000_000);
    const bodyLimit = intOption(ctx, 'body-limit', undefined, 1024, 2 ** 31 - 1);
    const maxConcurrent = intOption(ctx, 'max-concurrent', undefined, 1, 100_000);
    const maxQueue = intOption(ctx, 'max-queue', undefined, 0, 10_000_000);
    const requestTimeoutMs = intOption(ctx, 'timeout', undefined, 1, 3_600_000);
    const port = intOption(ctx, 'port', 8080, 0, 65535);
    const { createService, installSignalHandlers } = await import('@simkit/server');
    const opened = await openIndex(dir, { logger: ctx.logger, onProgress: ctx.onProgress });
    let service: Awaited<ReturnType<typeof createService>>;
    try {
      service = await createService({
        ...(opened.model !== undefined ? { model: opened.model } : { index: opened.indexer }),
        ...(ctx.values['no-save'] !== true && { saveDir: dir }),
        host: stringOption(ctx, 'host') ?? '127.0.0.1',
        port,
        ...(read.length + write.length > 0 && { tokens: { read, write } }),
        ...(maxK !== undefined && { maxK }),
        ...(maxBatch !== undefined && { maxBatch }),
        ...(bodyLimit !== undefined && { bodyLimit }),
        ...(maxConcurrent !== undefined && { maxConcurrent }),
        ...(maxQueue !== undefined && { maxQueue }),
        ...(requestTimeoutMs !== undefined && { requestTimeoutMs }),
        logger: ctx.logger,
      });
    } catch (error) {
      await opened.close();
      throw error;
    }
    const closed = new Promise<void>((resolve) => {
      installSignalHandlers(service, {
        onClosed: () => {
          ctx.status('stopped');
          opened.close().finally(resolve);
        },
      });
    });
    const url = await service.listen();
    // The one line a script waits for: where the service listens (on stdout, even with --quiet).
    ctx.io.stdout.write(
      `${ctx.format === 'json' ? JSON.stringify({ url, dir, size: opened.indexer.size() }) : `listening on ${url}`}\n`,
    );
    ctx.status(`serving ${opened.kind} ${dir} (${opened.indexer.size()} records); SIGTERM or Ctrl-C stops`);
    await closed;
  },
};
