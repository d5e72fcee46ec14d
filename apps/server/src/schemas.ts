import type { RowLayout } from './backend.js';

/** A JSON Schema object (draft 7, within what OpenAPI 3.0 describes). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** The request schemas of one route: what fastify validates and what /openapi.json shows. */
export interface RouteSchemas {
  /** Schema of a JSON body (`application/json`). */
  readonly body?: JsonSchema;
  /** Whether the route also takes raw float32 rows (`application/octet-stream`). */
  readonly binary?: boolean;
  readonly querystring?: JsonSchema;
  readonly params?: JsonSchema;
}

/** The limits the schemas encode. */
export interface SchemaLimits {
  readonly maxK: number;
  readonly maxBatch: number;
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

const number: JsonSchema = { type: 'number' };
const label: JsonSchema = { type: 'integer', minimum: INT32_MIN, maximum: INT32_MAX };

/** Nested arrays `depth` deep with numbers inside. */
function nested(depth: number): JsonSchema {
  let s: JsonSchema = number;
  for (let i = 0; i < depth; i++) s = { type: 'array', minItems: 1, items: s };
  return s;
}

/** The rows of a request: embeddings (a flat array is one query) or model inputs (one per row). */
function rowsSchema(layout: RowLayout, maxBatch: number): JsonSchema {
  if (layout.key === 'embeddings') {
    return {
      description: `Embeddings of ${layout.size} numbers: rows of them, or one flat array for a single query.`,
      anyOf: [
        { type: 'array', minItems: 1, maxItems: maxBatch, items: { type: 'array', minItems: 1, items: number } },
        { type: 'array', minItems: 1, items: number },
      ],
    };
  }
  return {
    description: `Model inputs, one per row, each shaped [${layout.shape.join(', ')}].`,
    type: 'array',
    minItems: 1,
    maxItems: maxBatch,
    items: nested(layout.shape.length),
  };
}

/** The request schemas of every route that takes input, built for one service's layout and limits. */
export function buildSchemas(layout: RowLayout, limits: SchemaLimits) {
  const rows = rowsSchema(layout, limits.maxBatch);
  const k: JsonSchema = { type: 'integer', minimum: 1, maximum: limits.maxK, description: 'Neighbours per query.' };
  const key = layout.key;
  const labelsQuery: JsonSchema = {
    type: 'string',
    pattern: '^(-?[0-9]{1,10}|null)?(,(-?[0-9]{1,10}|null)?)*$',
    description: 'Comma-separated integer labels, one per row (empty or null for none); binary bodies only.',
  };
  const object = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
    type: 'object',
    additionalProperties: false,
    ...(required.length > 0 && { required }),
    properties,
  });
  const includeEmbeddings: JsonSchema = {
    type: 'boolean',
    description: 'Return each neighbour’s embedding too.',
  };
  const cutpoint: JsonSchema = {
    type: 'string',
    minLength: 1,
    maxLength: 256,
    description: "Calibrated cutpoint to match with. Default 'optimal'.",
  };
  const noMatchLabel: JsonSchema = { ...label, description: 'Label of queries with no match. Default -1.' };
  const calibrationMetric: JsonSchema = {
    type: 'string',
    minLength: 1,
    maxLength: 64,
    description: 'Metric to optimise, e.g. f1, precision, recall.',
  };
  return {
    lookup: {
      body: object({ [key]: rows, k, includeEmbeddings }, [key]),
      binary: true,
      querystring: object({ k, includeEmbeddings }),
    },
    match: {
      body: object({ [key]: rows, cutpoint, k, noMatchLabel }, [key]),
      binary: true,
      querystring: object({ cutpoint, k, noMatchLabel }),
    },
    index: {
      body: object(
        {
          [key]: rows,
          labels: {
            type: 'array',
            items: { ...label, nullable: true },
            description: 'One integer label (or null) per row.',
          },
          data: { type: 'array', items: {}, description: 'One JSON value per row, returned with lookups.' },
        },
        [key],
      ),
      binary: true,
      querystring: object({ labels: labelsQuery }),
    },
    calibrate: {
      body: object(
        {
          [key]: rows,
          labels: { type: 'array', minItems: 1, items: label, description: 'The integer label of each row.' },
          thresholdsTargets: {
            type: 'object',
            additionalProperties: { type: 'number', minimum: 0, maximum: 1 },
            description: 'Metric name → target value: a cutpoint where the metric first reaches it.',
          },
          k,
          calibrationMetric,
        },
        [key, 'labels'],
      ),
      binary: true,
      querystring: object({ labels: labelsQuery, k, calibrationMetric }),
    },
    remove: {
      params: object({ id: { type: 'string', pattern: '^[0-9]{1,10}$', description: 'Record id.' } }, ['id']),
    },
  } satisfies Record<string, RouteSchemas>;
}

/** The schemas of one service, by route. */
export type ServiceSchemas = ReturnType<typeof buildSchemas>;

/** The fastify `schema.body` of a route: the JSON schema, plus raw float32 rows when it takes them. */
export function bodySchema(route: RouteSchemas): JsonSchema | undefined {
  if (route.body === undefined) return undefined;
  const content: Record<string, { schema: JsonSchema }> = { 'application/json': { schema: route.body } };
  if (route.binary === true) {
    // An annotation only (a Buffer is no JSON type); OpenAPI shows it as format: binary.
    content['application/octet-stream'] = {
      schema: { description: 'Raw little-endian float32 rows, one after another.', contentEncoding: 'binary' },
    };
  }
  return { content };
}
