import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { type Access, TokenAuth } from './auth.js';
import { type Backend, indexBackend, modelBackend } from './backend.js';
import type { ServiceContext } from './context.js';
import { ServiceError, toHttpError } from './errors.js';
import { ConcurrencyGate } from './limits.js';
import { ServiceMetrics } from './metrics.js';
import { registerOpsRoutes } from './ops-routes.js';
import { type ResolvedOptions, type ServiceOptions, resolveOptions } from './options.js';
import { registerIndexRoutes } from './routes.js';
import { buildSchemas } from './schemas.js';
import { VERSION } from './version.js';
import { WriteLog } from './writes.js';

/** A running similarity service; see `createService`. */
export interface SimilarityService {
  /** The fastify instance, e.g. for `app.inject(...)` in tests. */
  readonly app: FastifyInstance;
  /** Starts listening on `host:port`; resolves to the base URL, e.g. `http://127.0.0.1:8080`. */
  listen(): Promise<string>;
  /**
   * Shuts down gracefully: refuses new requests (503; `/healthz` says `closing`), lets the
   * requests in flight finish, stops listening, then saves to `saveDir` when the index changed.
   * Idempotent: every call returns the same promise. The index or model is not closed: it is yours.
   */
  close(): Promise<void>;
  /** True when the index changed (writes were acknowledged) since the start or the last save. */
  readonly changed: boolean;
}

/** Counts requests from arrival until their response is closed, so close() can wait for them. */
class OpenRequests {
  private open = 0;
  private waiters: Array<() => void> = [];

  begin(reply: FastifyReply): void {
    this.open++;
    reply.raw.once('close', () => {
      this.open--;
      if (this.open === 0) {
        const w = this.waiters;
        this.waiters = [];
        for (const f of w) f();
      }
    });
  }

  drained(): Promise<void> {
    if (this.open === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

function accessOf(request: FastifyRequest): Access {
  const access = (request.routeOptions.config as { access?: Access } | undefined)?.access;
  return access ?? 'read';
}

/** The fastify instance with parsers, hooks, error handling, the OpenAPI generator and every route. */
async function buildApp(ctx: ServiceContext, openRequests: OpenRequests): Promise<FastifyInstance> {
  const { options: o, auth, metrics } = ctx;
  const app = Fastify({
    logger: false,
    bodyLimit: o.bodyLimit,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Values must come as they are typed (no null → 0, "1" → 1 in bodies) and unknown fields are refused.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
  }) as unknown as FastifyInstance;
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });

  app.addHook('onRequest', async (request, reply) => {
    openRequests.begin(reply);
    const access = accessOf(request);
    if (ctx.closing() && access !== 'public') {
      throw new ServiceError(503, 'UNAVAILABLE', 'The service is shutting down; retry on another instance.');
    }
    auth.check(request.headers.authorization, access);
  });
  app.addHook('onSend', async (_request, reply) => {
    if (ctx.closing()) reply.header('Connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.observe(request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  app.setErrorHandler(async (error, request, reply) => {
    const e = toHttpError(error, o.bodyLimit);
    if (e.internal) {
      o.logger.log('error', `${request.method} ${request.routeOptions.url ?? request.url} failed`, {
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
    metrics.error(e.code);
    reply.code(e.status).headers(e.headers);
    return { error: { code: e.code, message: e.message } };
  });
  app.setNotFoundHandler(async (request, reply) => {
    metrics.error('NOT_FOUND');
    reply.code(404);
    return {
      error: {
        code: 'NOT_FOUND',
        message: `No route ${request.method} ${request.url}; the routes are listed in GET /openapi.json.`,
      },
    };
  });

  await app.register(swagger, {
    mode: 'dynamic',
    openapi: {
      openapi: '3.0.3',
      info: {
        title: '@simkit/server',
        version: VERSION,
        description: `Similarity service (${ctx.backend.mode} mode): lookups, matches, adds and removes.`,
      },
      ...(auth.enabled && {
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
      }),
    },
  });
  registerIndexRoutes(app, ctx);
  registerOpsRoutes(app, ctx);
  await app.ready();
  return app;
}

class Service implements SimilarityService {
  private closed: Promise<void> | undefined;
  private url: string | undefined;

  constructor(
    readonly app: FastifyInstance,
    private readonly ctx: ServiceContext,
    private readonly openRequests: OpenRequests,
    private readonly markClosing: () => void,
  ) {}

  get changed(): boolean {
    return this.ctx.writes.changed;
  }

  async listen(): Promise<string> {
    if (this.closed !== undefined) {
      throw new ServiceError(503, 'UNAVAILABLE', 'The service was closed; create a new one with createService().');
    }
    if (this.url !== undefined) return this.url;
    const { host, port, logger } = this.ctx.options;
    await this.app.listen({ host, port });
    const address = this.app.server.address();
    const bound = typeof address === 'object' && address !== null ? address.port : port;
    const shown = host.includes(':') ? `[${host}]` : host;
    this.url = `http://${shown}:${bound}`;
    logger.log('info', `listening on ${this.url}`, { mode: this.ctx.backend.mode });
    return this.url;
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    const { options, gate, writes, backend } = this.ctx;
    this.markClosing();
    // Listening: stop accepting connections now; the open ones finish their requests.
    const stopped = this.app.server.listening ? this.app.close() : undefined;
    await this.openRequests.drained();
    await gate.idle();
    await (stopped ?? this.app.close());
    if (options.saveDir !== undefined && writes.changed) {
      await writes.save(options.saveDir, false);
      options.logger.log('info', 'saved the index on close', { size: backend.indexer.size() });
    }
    options.logger.log('info', 'closed');
  }
}

function backendOf(o: ResolvedOptions): Backend {
  if (o.index !== undefined) return indexBackend(o.index);
  return modelBackend(o.model as NonNullable<ResolvedOptions['model']>);
}

/**
 * Creates an HTTP similarity service for an index or for a model with an index: routes,
 * validation, auth, limits, metrics and the OpenAPI document, ready for `app.inject` or
 * `listen()`. Every option is checked first (INVALID_ARGUMENT saying what to fix).
 */
export async function createService(options: ServiceOptions): Promise<SimilarityService> {
  const o = resolveOptions(options);
  const backend = backendOf(o);
  let closing = false;
  const ctx: ServiceContext = {
    backend,
    options: o,
    auth: new TokenAuth(o.readTokens, o.writeTokens),
    gate: new ConcurrencyGate(o.maxConcurrent, o.maxQueue, o.requestTimeoutMs),
    writes: new WriteLog(backend),
    metrics: new ServiceMetrics(),
    schemas: buildSchemas(backend.layout, { maxK: o.maxK, maxBatch: o.maxBatch }),
    closing: () => closing,
  };
  const openRequests = new OpenRequests();
  const app = await buildApp(ctx, openRequests);
  return new Service(app, ctx, openRequests, () => {
    closing = true;
  });
}
