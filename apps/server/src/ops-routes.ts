import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from './context.js';
import { ServiceError } from './errors.js';

/** The operational routes: info, stats, metrics, health, the OpenAPI document and save. */
export function registerOpsRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const { backend, gate, writes, metrics, options, auth } = ctx;

  app.get(
    '/healthz',
    { config: { access: 'public' }, schema: { summary: 'Liveness', security: [] } },
    async (_request, reply) => {
      if (ctx.closing()) {
        reply.code(503);
        return { status: 'closing' };
      }
      return { status: 'ok' };
    },
  );

  app.get(
    '/info',
    { config: { access: 'read' }, schema: { summary: 'What is served and with which limits' } },
    async () => {
      const indexer = backend.indexer;
      return {
        mode: backend.mode,
        size: indexer.size(),
        embeddingSize: indexer.embeddingSize,
        ...(backend.mode === 'model' && { inputShape: backend.layout.shape }),
        distance: indexer.distance.name,
        search: indexer.search.toConfig(),
        store: indexer.store.toConfig(),
        durable: indexer.search.supports.persistence && indexer.store.supports.persistence,
        isCalibrated: indexer.isCalibrated,
        cutpoints: indexer.cutpoints ?? null,
        limits: {
          maxK: options.maxK,
          maxBatch: options.maxBatch,
          bodyLimit: options.bodyLimit,
          maxConcurrent: options.maxConcurrent,
          maxQueue: options.maxQueue,
          requestTimeoutMs: options.requestTimeoutMs,
        },
        auth: auth.enabled,
        saveDir: options.saveDir !== undefined,
      };
    },
  );

  app.get(
    '/stats',
    { config: { access: 'read' }, schema: { summary: 'Index statistics and service counters' } },
    async () => ({
      ...backend.indexer.stats(),
      service: {
        ...metrics.counters(),
        rejected: gate.rejected,
        timedOut: gate.timedOut,
        inFlight: gate.running,
        queued: gate.queued,
        changed: writes.changed,
        saves: writes.saves,
      },
    }),
  );

  app.get(
    '/metrics',
    { config: { access: 'read' }, schema: { summary: 'Prometheus metrics (text format 0.0.4)' } },
    async (_request, reply) => {
      reply.type('text/plain; version=0.0.4; charset=utf-8');
      return metrics.render({
        indexSize: backend.indexer.size(),
        inFlight: gate.running,
        queued: gate.queued,
        rejected: gate.rejected,
      });
    },
  );

  app.get('/openapi.json', { config: { access: 'read' }, schema: { summary: 'This OpenAPI 3 document' } }, async () =>
    app.swagger(),
  );

  app.post('/save', { config: { access: 'write' }, schema: { summary: 'Save the index to saveDir now' } }, async () => {
    const dir = options.saveDir;
    if (dir === undefined) {
      throw new ServiceError(
        409,
        'UNSUPPORTED',
        'This service has no saveDir: start it with createService({ saveDir }) to save.',
      );
    }
    await gate.run(() => writes.save(dir, true));
    return { saved: true, size: backend.indexer.size() };
  });
}
