import { SimkitError, type SimkitErrorCode } from '@simkit/core';

/**
 * The stable `code` of an error response: the SimkitError codes of `@simkit/core` plus the
 * codes only the service produces. Codes never change between versions; messages may.
 */
export type ServiceErrorCode =
  | SimkitErrorCode
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'OVERLOADED'
  | 'TIMEOUT'
  | 'INTERNAL';

/** The JSON body of every error response. */
export interface ErrorBody {
  readonly error: { readonly code: ServiceErrorCode; readonly message: string };
}

/** An error the service answers with a given HTTP status, code and headers. */
export class ServiceError extends Error {
  /** The stable code sent as `error.code`. */
  readonly code: ServiceErrorCode;
  /** The HTTP status of the response. */
  readonly status: number;
  /** Extra response headers, e.g. `Retry-After` or `WWW-Authenticate`. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: ServiceErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ServiceError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** HTTP status of each SimkitError code. */
const STATUS: Readonly<Record<SimkitErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  DIMENSION_MISMATCH: 400,
  NOT_FOUND: 404,
  NOT_CALIBRATED: 409,
  EMPTY_INDEX: 409,
  UNSUPPORTED: 409,
  NOT_READY: 409,
  LOCKED: 409,
  UNAVAILABLE: 503,
  CORRUPT_INDEX: 500,
  MISSING_COMPONENT: 500,
  IO_ERROR: 500,
};

/** What an error becomes on the wire; `internal` marks failures that belong in the server log. */
export interface HttpError {
  readonly status: number;
  readonly code: ServiceErrorCode;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly internal: boolean;
}

/** Fastify's own request errors that are the client's fault. */
const FASTIFY_CLIENT_ERRORS: Readonly<Record<string, [number, ServiceErrorCode, string]>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE', 'The request body is larger than the bodyLimit'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    'Send Content-Type: application/json or application/octet-stream',
  ],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'INVALID_ARGUMENT', 'The body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'INVALID_ARGUMENT', 'The body is empty; send a JSON object'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'INVALID_ARGUMENT', 'Content-Length does not match the body'],
};

/**
 * Maps anything thrown while serving a request to a status, a stable code and a message.
 * Internal failures keep their details out of the response (the caller logs them).
 */
export function toHttpError(error: unknown, bodyLimit: number): HttpError {
  if (error instanceof ServiceError) {
    return { status: error.status, code: error.code, message: error.message, headers: error.headers, internal: false };
  }
  if (SimkitError.isInstance(error)) {
    const status = STATUS[error.code] ?? 500;
    if (status >= 500 && error.code !== 'UNAVAILABLE') {
      return {
        status,
        code: error.code,
        message: `The server could not complete the request (${error.code}); its log has the details.`,
        headers: {},
        internal: true,
      };
    }
    return { status, code: error.code, message: error.message, headers: {}, internal: false };
  }
  const e = error as {
    code?: unknown;
    statusCode?: unknown;
    validation?: unknown;
    validationContext?: unknown;
    message?: unknown;
  };
  if (typeof e === 'object' && e !== null) {
    if (Array.isArray(e.validation)) {
      return {
        status: 400,
        code: 'INVALID_ARGUMENT',
        message: describeValidation(
          e.validation as ValidationIssue[],
          String(e.message ?? ''),
          typeof e.validationContext === 'string' ? e.validationContext : 'body',
        ),
        headers: {},
        internal: false,
      };
    }
    const known = typeof e.code === 'string' ? FASTIFY_CLIENT_ERRORS[e.code] : undefined;
    if (known !== undefined) {
      const [status, code, text] = known;
      const limit = status === 413 ? ` (${bodyLimit} bytes); send fewer rows per request` : '';
      return { status, code, message: `${text}${limit}.`, headers: {}, internal: false };
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return {
        status: e.statusCode,
        code: 'INVALID_ARGUMENT',
        message: typeof e.message === 'string' ? e.message : 'Bad request.',
        headers: {},
        internal: false,
      };
    }
  }
  return {
    status: 500,
    code: 'INTERNAL',
    message: 'Internal server error; the server log has the details.',
    headers: {},
    internal: true,
  };
}

/** One schema-validation issue as fastify reports it (an Ajv error). */
interface ValidationIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

/**
 * One message for a failed schema validation. Of the issues behind an `anyOf` (a flat query
 * or rows of queries), the one that got deepest into the body says most; too many rows wins.
 */
function describeValidation(issues: readonly ValidationIssue[], fallback: string, part: string): string {
  const specific = issues.filter((i) => i.keyword !== 'anyOf');
  if (specific.length === 0) return `${fallback}. The request schemas are in GET /openapi.json.`;
  const tooMany = specific.find((i) => i.keyword === 'maxItems' && /^\/(embeddings|inputs)$/.test(i.instancePath));
  const depth = (i: ValidationIssue) => i.instancePath.split('/').length;
  const best = tooMany ?? specific.reduce((a, b) => (depth(b) > depth(a) ? b : a));
  const where = best.instancePath === '' ? `The ${part}` : `${part}.${best.instancePath.slice(1).replaceAll('/', '.')}`;
  const extra =
    best.keyword === 'additionalProperties' && typeof best.params?.additionalProperty === 'string'
      ? ` ('${best.params.additionalProperty}')`
      : '';
  const hint = tooMany ? ' (maxBatch); split the request' : '';
  return `${where} ${best.message ?? 'is invalid'}${extra}${hint}. The request schemas are in GET /openapi.json.`;
}
