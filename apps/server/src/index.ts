/**
 * `@simkit/server`: an HTTP similarity service on fastify for a simkit Indexer or
 * SimilarityModel — lookups, matches, adds, removes and calibration over JSON or raw float32
 * bodies, with bearer-token auth, request limits, Prometheus metrics, an OpenAPI document and
 * graceful shutdown.
 *
 * @module index
 */
export { createService, type SimilarityService } from './service.js';
export type { ServiceOptions } from './options.js';
export { installSignalHandlers, type SignalHandlerOptions } from './signals.js';
export { ServiceError, type ErrorBody, type ServiceErrorCode } from './errors.js';
