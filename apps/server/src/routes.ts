import { SimkitError, checkData, checkLabels, invalidArgument } from '@simkit/core';
import type { Lookup } from '@simkit/indexer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Access } from './auth.js';
import type { Rows } from './backend.js';
import { coerceQuery, decodeRows, parseLabelList } from './body.js';
import type { ServiceContext } from './context.js';
import { bodySchema } from './schemas.js';

/** Default `k` of lookups (capped by maxK). */
const DEFAULT_K = 5;

interface RequestFields {
  k?: number;
  includeEmbeddings?: boolean;
  cutpoint?: string;
  noMatchLabel?: number;
  labels?: Array<number | null> | string;
  data?: unknown[];
  thresholdsTargets?: Record<string, number>;
  calibrationMetric?: string;
}

/** The settings of a request: from the JSON body, else from the query string (binary bodies). */
function fields(request: FastifyRequest): RequestFields {
  const query = (request.query ?? {}) as RequestFields;
  const body = request.body;
  if (typeof body !== 'object' || body === null || Buffer.isBuffer(body)) return query;
  return { ...query, ...(body as RequestFields) };
}

/** The labels of a request (JSON array or `?labels=1,2,3`), checked against the row count. */
function labelsOf(f: RequestFields, rows: number): Array<number | null> | undefined {
  if (f.labels === undefined) return undefined;
  const labels = typeof f.labels === 'string' ? parseLabelList(f.labels) : f.labels;
  if (labels.length !== rows) {
    throw invalidArgument(`Got ${labels.length} labels for ${rows} rows; send one label per row.`);
  }
  checkLabels(labels, rows);
  return labels;
}

function lookupJson(l: Lookup, withEmbedding: boolean) {
  return {
    rank: l.rank,
    id: l.id,
    distance: l.distance,
    label: l.label,
    data: l.data,
    ...(withEmbedding && { embedding: Array.from(l.embedding) }),
  };
}

/** The routes that read or change the index: lookup, match, index, remove, calibrate. */
export function registerIndexRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const { backend, gate, writes, schemas, options } = ctx;
  const { layout } = backend;
  const rowsOf = (request: FastifyRequest): Rows => decodeRows(request.body, layout, options.maxBatch);
  const config = (access: Access) => ({ access });
  const preValidation = async (request: FastifyRequest) => coerceQuery(request.query);

  app.post(
    '/lookup',
    {
      config: config('read'),
      preValidation,
      schema: {
        summary: 'Nearest neighbours of each query',
        body: bodySchema(schemas.lookup),
        querystring: schemas.lookup.querystring,
      },
    },
    async (request) => {
      const f = fields(request);
      const rows = rowsOf(request);
      const k = f.k ?? Math.min(DEFAULT_K, options.maxK);
      const lookups = await gate.run(() => backend.lookup(rows, k));
      const withEmbedding = f.includeEmbeddings === true;
      return { lookups: lookups.map((row) => row.map((l) => lookupJson(l, withEmbedding))) };
    },
  );

  app.post(
    '/match',
    {
      config: config('read'),
      preValidation,
      schema: {
        summary: 'Label of each query within the calibrated distance, or noMatchLabel',
        body: bodySchema(schemas.match),
        querystring: schemas.match.querystring,
      },
    },
    async (request) => {
      const f = fields(request);
      const rows = rowsOf(request);
      const name = f.cutpoint ?? 'optimal';
      if (name === 'all') throw invalidArgument("Name one cutpoint (default 'optimal'); 'all' is not served.");
      return gate.run(async () => {
        const indexer = backend.indexer;
        const cutpoints = indexer.cutpoints;
        if (cutpoints === undefined) {
          throw new SimkitError('NOT_CALIBRATED', 'The index is not calibrated: POST /calibrate before /match.');
        }
        const cutpoint = cutpoints[name];
        if (cutpoint === undefined) {
          throw invalidArgument(
            `Unknown cutpoint '${name}'; the calibrated ones are ${Object.keys(cutpoints).join(', ')}.`,
          );
        }
        const labels = await backend.match(rows, { cutpoint: name, k: f.k ?? 1, noMatchLabel: f.noMatchLabel ?? -1 });
        return { labels: Array.from(labels), cutpoint: { name, distance: cutpoint.distance } };
      });
    },
  );

  app.post(
    '/index',
    {
      config: config('write'),
      preValidation,
      schema: {
        summary: 'Add records (rows with optional labels and data)',
        body: bodySchema(schemas.index),
        querystring: schemas.index.querystring,
      },
    },
    async (request, reply) => {
      const f = fields(request);
      const rows = rowsOf(request);
      const labels = labelsOf(f, rows.rows);
      if (f.data !== undefined) {
        if (f.data.length !== rows.rows) {
          throw invalidArgument(`Got ${f.data.length} data entries for ${rows.rows} rows; send one per row.`);
        }
        checkData(f.data, rows.rows);
      }
      const ids = await gate.run(() => writes.write(() => backend.add(rows, labels, f.data)));
      reply.code(201);
      return { ids: Array.from(ids) };
    },
  );

  app.delete(
    '/records/:id',
    {
      config: config('write'),
      schema: { summary: 'Remove one record', params: schemas.remove.params },
    },
    async (request) => {
      const id = Number((request.params as { id: string }).id);
      if (id > 0x7fffffff) throw new SimkitError('NOT_FOUND', `No record has id ${id}.`);
      await gate.run(() => writes.write(() => backend.remove(id)));
      return { removed: id };
    },
  );

  app.post(
    '/calibrate',
    {
      config: config('write'),
      preValidation,
      schema: {
        summary: 'Calibrate the match distance on labelled examples',
        body: bodySchema(schemas.calibrate),
        querystring: schemas.calibrate.querystring,
      },
    },
    async (request) => {
      const f = fields(request);
      const rows = rowsOf(request);
      const labels = labelsOf(f, rows.rows);
      if (labels === undefined || labels.some((l) => l === null)) {
        throw invalidArgument(
          'Calibration needs an integer label for every row (labels, or ?labels= for binary bodies).',
        );
      }
      const result = await gate.run(() =>
        writes.write(() =>
          backend.calibrate(rows, labels as number[], {
            ...(f.thresholdsTargets !== undefined && { thresholdsTargets: f.thresholdsTargets }),
            ...(f.k !== undefined && { k: f.k }),
            ...(f.calibrationMetric !== undefined && { calibrationMetric: f.calibrationMetric }),
          }),
        ),
      );
      return { cutpoints: result.cutpoints };
    },
  );
}
