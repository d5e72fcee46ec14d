import {
  type ComponentConfig,
  type Configurable,
  SimkitError,
  checkOptions,
  describe,
  expectConfig,
  invalidArgument,
} from '@simkit/core';
import { pythonFloat } from './python-float.js';

/** How per-query values are averaged: over queries, or over query labels. */
export type Average = 'micro' | 'macro';

/**
 * What a retrieval metric sees: for `n = queryLabels.length` queries, a
 * row-major `n × m` mask with 1 where the lookup's label equals the query's,
 * and (for metrics that use a distance threshold) the `n × m` distances.
 */
export interface RetrievalMetricInput {
  readonly queryLabels: Int32Array;
  readonly matchMask: Uint8Array;
  readonly m: number;
  readonly distances?: Float64Array;
}

/** A metric over the top-k lookups of each query, averaged into one number. */
export interface RetrievalMetric extends Configurable {
  /** Result key, e.g. `recall@5`. */
  readonly name: string;
  /** e.g. `recall@k`. */
  readonly canonicalName: string;
  readonly k: number;
  readonly distanceThreshold: number;
  readonly average: Average;
  readonly dropClosestLookup: boolean;
  /** The metric over all queries: per-query values averaged as `average` says. */
  compute(input: RetrievalMetricInput): number;
}

/** Options shared by every retrieval metric. */
export interface RetrievalMetricOptions {
  /** Number of lookups the metric looks at (default 5). */
  readonly k?: number;
  /** Lookups farther than this are not relevant (default +∞; only ndcg uses it). */
  readonly distanceThreshold?: number;
  /** `micro` (default): mean over queries; `macro`: mean over query labels of the per-label mean. */
  readonly average?: Average;
  /** Skip the closest lookup, for when the queries are themselves indexed (default false). */
  readonly dropClosestLookup?: boolean;
  /** Base of the metric name (default `recall`, `precision`, `map`, `ndcg`). */
  readonly name?: string;
}

/** The `config` part of a retrieval metric's `toConfig()`. `distance_threshold: null` means +∞. */
export interface RetrievalMetricConfig extends Record<string, unknown> {
  readonly name: string;
  readonly canonical_name: string;
  readonly k: number;
  readonly distance_threshold: number | null;
  readonly average: Average;
  readonly drop_closest_lookup: boolean;
}

/** Config `version` written by this package's metrics. */
export const RETRIEVAL_METRIC_CONFIG_VERSION = 1;

/** Shared options, naming, input checks and averaging of the retrieval metrics. */
export abstract class RetrievalMetricBase implements RetrievalMetric {
  /** Config `type`, e.g. `recall-at-k`. */
  abstract readonly type: string;
  readonly baseName: string;
  readonly canonicalName: string;
  readonly k: number;
  readonly distanceThreshold: number;
  readonly average: Average;
  readonly dropClosestLookup: boolean;

  constructor(defaultName: string, canonicalName: string, metricOptions?: RetrievalMetricOptions) {
    const options = checkOptions(metricOptions, 'retrieval metric options');
    const {
      k = 5,
      distanceThreshold = Number.POSITIVE_INFINITY,
      average = 'micro',
      dropClosestLookup = false,
    } = options;
    const name = options.name ?? defaultName;
    if (typeof name !== 'string' || name.length === 0) {
      throw invalidArgument(`name must be a non-empty string; got ${describe(name)}.`);
    }
    if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1) {
      throw invalidArgument(`k must be an integer ≥ 1; got ${describe(k)}.`);
    }
    if (typeof distanceThreshold !== 'number' || Number.isNaN(distanceThreshold)) {
      throw invalidArgument(
        `distanceThreshold must be a number (+Infinity for none); got ${describe(distanceThreshold)}.`,
      );
    }
    if (average !== 'micro' && average !== 'macro') {
      throw invalidArgument(`average must be 'micro' or 'macro'; got ${describe(average)}.`);
    }
    if (typeof dropClosestLookup !== 'boolean') {
      throw invalidArgument(`dropClosestLookup must be true or false; got ${describe(dropClosestLookup)}.`);
    }
    this.baseName = name;
    this.canonicalName = canonicalName;
    this.k = k;
    this.distanceThreshold = distanceThreshold;
    this.average = average;
    this.dropClosestLookup = dropClosestLookup;
  }

  /** `{base}@{k}`, plus ` : distance_threshold@{t}` for a finite, non-zero threshold. */
  get name(): string {
    const t = this.distanceThreshold;
    const base = `${this.baseName}@${this.k}`;
    return t !== 0 && Number.isFinite(t) ? `${base} : distance_threshold@${pythonFloat(t)}` : base;
  }

  /** First column the metric reads: 1 when dropping the closest lookup. */
  protected get start(): number {
    return this.dropClosestLookup ? 1 : 0;
  }

  /** True for metrics that read `input.distances`. */
  protected readonly needsDistances: boolean = false;

  compute(input: RetrievalMetricInput): number {
    const n = this.checkInput(input, this.needsDistances);
    const perQuery = this.perQuery(input, n);
    return this.average === 'micro' ? mean(perQuery) : macroMean(input.queryLabels, perQuery);
  }

  /** The metric of each query (length n); the input is already checked. */
  protected abstract perQuery(input: RetrievalMetricInput, n: number): Float64Array;

  /** Checks shapes and returns the number of queries. */
  protected checkInput(input: RetrievalMetricInput, needDistances = false): number {
    if (typeof input !== 'object' || input === null) {
      throw invalidArgument(`${this.name}: input must be { queryLabels, matchMask, m }; got ${describe(input)}.`);
    }
    const { queryLabels, matchMask, m, distances } = input;
    if (!(queryLabels instanceof Int32Array)) {
      throw invalidArgument(`${this.name}: queryLabels must be an Int32Array; got ${describe(queryLabels)}.`);
    }
    if (!(matchMask instanceof Uint8Array)) {
      throw invalidArgument(
        `${this.name}: matchMask must be a Uint8Array (n × m, row-major); got ${describe(matchMask)}.`,
      );
    }
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 0) {
      throw invalidArgument(`${this.name}: m (lookups per query) must be an integer ≥ 0; got ${describe(m)}.`);
    }
    const n = queryLabels.length;
    if (n === 0) {
      throw invalidArgument(`${this.name}: there are no queries; pass at least one query label.`);
    }
    if (matchMask.length !== n * m) {
      throw invalidArgument(
        `${this.name}: matchMask has ${matchMask.length} entries but ${n} queries × ${m} lookups need ${n * m}; pass one row of m entries per query.`,
        { rows: m === 0 ? undefined : matchMask.length / m, queries: n },
      );
    }
    if (m < this.k) {
      throw invalidArgument(
        `${this.name}: each query has ${m} lookups but the metric needs k = ${this.k}; look up at least ${this.k} neighbours.`,
        { m, k: this.k },
      );
    }
    if (needDistances || distances !== undefined) {
      if (!(distances instanceof Float64Array)) {
        throw invalidArgument(
          `${this.name}: distances must be a Float64Array (n × m, row-major); got ${describe(distances)}.`,
        );
      }
      if (distances.length !== n * m) {
        throw invalidArgument(
          `${this.name}: distances has ${distances.length} entries but ${n} queries × ${m} lookups need ${n * m}.`,
        );
      }
    }
    return n;
  }

  /** The shared options in their saved (snake_case) form. */
  protected baseConfig(): RetrievalMetricConfig {
    return {
      name: this.baseName,
      canonical_name: this.canonicalName,
      k: this.k,
      distance_threshold: Number.isFinite(this.distanceThreshold) ? this.distanceThreshold : null,
      average: this.average,
      drop_closest_lookup: this.dropClosestLookup,
    };
  }

  toConfig(): ComponentConfig<RetrievalMetricConfig> {
    return {
      type: this.type,
      version: RETRIEVAL_METRIC_CONFIG_VERSION,
      package: '@simkit/retrieval-metrics',
      config: this.baseConfig(),
    };
  }

  toString(): string {
    return this.name;
  }
}

/** Reads the shared options back from a config written by `toConfig()`. */
export function optionsFromConfig(
  config: ComponentConfig,
  type: string,
): RetrievalMetricOptions & Record<string, unknown> {
  expectConfig(config, type, RETRIEVAL_METRIC_CONFIG_VERSION);
  const c = config.config;
  const t = c.distance_threshold;
  if (t !== null && t !== undefined && typeof t !== 'number') {
    throw new SimkitError(
      'CORRUPT_INDEX',
      `${type} config: distance_threshold must be a number or null; got ${describe(t)}.`,
    );
  }
  return {
    ...(typeof c.name === 'string' ? { name: c.name } : {}),
    ...(typeof c.k === 'number' ? { k: c.k } : {}),
    distanceThreshold: typeof t === 'number' ? t : Number.POSITIVE_INFINITY,
    ...(c.average === 'micro' || c.average === 'macro' ? { average: c.average } : {}),
    ...(typeof c.drop_closest_lookup === 'boolean' ? { dropClosestLookup: c.drop_closest_lookup } : {}),
  };
}

function mean(values: Float64Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] as number;
  return s / values.length;
}

/** Mean over distinct labels (in order of first occurrence) of the per-label mean. */
function macroMean(labels: Int32Array, values: Float64Array): number {
  const sums = new Map<number, [number, number]>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i] as number;
    const acc = sums.get(l);
    if (acc === undefined) sums.set(l, [values[i] as number, 1]);
    else {
      acc[0] += values[i] as number;
      acc[1] += 1;
    }
  }
  let total = 0;
  for (const [s, c] of sums.values()) total += s / c;
  return total / sums.size;
}
