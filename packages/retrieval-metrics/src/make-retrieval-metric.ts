import {
  type ComponentConfig,
  SimkitError,
  checkOptions,
  describe,
  invalidArgument,
  isComponentConfig,
} from '@simkit/core';
import { BNDCG } from './bndcg.js';
import { MapAtK } from './map-at-k.js';
import { PrecisionAtK, type PrecisionAtKOptions } from './precision-at-k.js';
import { RecallAtK } from './recall-at-k.js';
import type { RetrievalMetric } from './retrieval-metric.js';

const BUILDERS: Readonly<Record<string, (options: PrecisionAtKOptions) => RetrievalMetric>> = Object.freeze({
  recall: (o) => new RecallAtK(o),
  precision: (o) => new PrecisionAtK(o),
  map: (o) => new MapAtK(o),
  ndcg: (o) => new BNDCG(o),
  bndcg: (o) => new BNDCG(o),
});

/** Base names `makeRetrievalMetric` accepts (each optionally followed by `@k`). */
export const RETRIEVAL_METRIC_NAMES: readonly string[] = Object.freeze(Object.keys(BUILDERS));

/** True when `value` has the shape of a RetrievalMetric. */
export function isRetrievalMetric(value: unknown): value is RetrievalMetric {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return typeof m.name === 'string' && typeof m.k === 'number' && typeof m.compute === 'function';
}

/**
 * A retrieval metric from a name such as `recall`, `recall@10`, `precision@5`,
 * `map@5`, `ndcg@5` (case-insensitive; `@k` sets k) plus options, or a metric
 * object used as is.
 */
export function makeRetrievalMetric(
  metric: string | RetrievalMetric,
  metricOptions?: PrecisionAtKOptions,
): RetrievalMetric {
  const options = checkOptions(metricOptions, 'retrieval metric options');
  if (typeof metric !== 'string') {
    if (!isRetrievalMetric(metric)) {
      throw invalidArgument(`Expected a retrieval metric name or object; got ${describe(metric)}.`);
    }
    return metric;
  }
  const match = /^\s*([a-z_]+)\s*(?:@\s*(\d+))?\s*$/i.exec(metric);
  const base = match?.[1]?.toLowerCase();
  const build = base !== undefined && Object.hasOwn(BUILDERS, base) ? BUILDERS[base] : undefined;
  if (match === null || build === undefined) {
    throw invalidArgument(
      `Unknown retrieval metric '${metric}'. Use one of ${RETRIEVAL_METRIC_NAMES.join(', ')}, optionally with @k (e.g. 'recall@5'), or pass a RetrievalMetric object.`,
      { metric },
    );
  }
  const fromName = match[2] === undefined ? undefined : Number(match[2]);
  if (fromName !== undefined && options.k !== undefined && options.k !== fromName) {
    throw invalidArgument(`'${metric}' says k = ${fromName} but options.k is ${options.k}; give k once.`);
  }
  return build(fromName === undefined ? options : { ...options, k: fromName });
}

/** Rebuilds a built-in retrieval metric from its `toConfig()` output. */
export function retrievalMetricFromConfig(config: ComponentConfig): RetrievalMetric {
  if (!isComponentConfig(config)) {
    throw invalidArgument(`Expected a { type, version, config } retrieval metric config; got ${describe(config)}.`);
  }
  switch (config.type) {
    case RecallAtK.type:
      return RecallAtK.fromConfig(config);
    case PrecisionAtK.type:
      return PrecisionAtK.fromConfig(config);
    case MapAtK.type:
      return MapAtK.fromConfig(config);
    case BNDCG.type:
      return BNDCG.fromConfig(config);
    default:
      throw new SimkitError(
        'MISSING_COMPONENT',
        `'${config.type}' is not a built-in retrieval metric (${[RecallAtK.type, PrecisionAtK.type, MapAtK.type, BNDCG.type].join(', ')}); rebuild your own metric with its own fromConfig.`,
      );
  }
}
