import {
  type ComponentConfig,
  type Configurable,
  SimkitError,
  checkOptions,
  describe,
  invalidArgument,
} from '@simkit/core';

/** Per-threshold confusion counts: entry `i` counts the queries at threshold `i`; `count` is the number of queries. */
export interface ClassificationCounts {
  readonly tp: Float64Array;
  readonly fp: Float64Array;
  readonly tn: Float64Array;
  readonly fn: Float64Array;
  readonly count: number;
}

/**
 * A metric computed from match counts at each distance threshold.
 * `maximize`: calibration looks for its largest value (else its smallest).
 * `increasing`: the metric grows as the distance threshold grows.
 */
export interface ClassificationMetric {
  /** Display and result key, e.g. `f1`. */
  readonly name: string;
  /** Stable identity used in saved configs, e.g. `f1_score`. */
  readonly canonicalName: string;
  readonly maximize: boolean;
  readonly increasing: boolean;
  /** One value per threshold, same length as the counts. */
  compute(counts: ClassificationCounts): Float64Array;
}

/** The serialised form: the same fields TensorFlow Similarity's `get_config` writes. */
export interface ClassificationMetricConfig extends Record<string, unknown> {
  readonly name: string;
  readonly canonical_name: string;
  readonly maximize: boolean;
  readonly increasing: boolean;
}

/** Config `type` of every classification metric. */
export const CLASSIFICATION_METRIC_TYPE = 'classification-metric';
/** Config `version` written by this package. */
export const CLASSIFICATION_METRIC_CONFIG_VERSION = 1;

/** What a metric is called and which way it improves; `maximize` and `increasing` default to true. */
export interface ClassificationMetricOptions {
  readonly name: string;
  readonly canonicalName: string;
  readonly maximize?: boolean;
  readonly increasing?: boolean;
}

/**
 * Base class for classification metrics. Subclasses implement `computeValues`;
 * `compute` checks the counts first and the shape of what comes back.
 */
export abstract class ClassificationMetricBase implements ClassificationMetric, Configurable {
  readonly name: string;
  readonly canonicalName: string;
  readonly maximize: boolean;
  readonly increasing: boolean;

  constructor(metricOptions: ClassificationMetricOptions) {
    const options = checkOptions(metricOptions, 'metric options { name, canonicalName }');
    this.name = checkName(options.name, 'name');
    this.canonicalName = checkName(options.canonicalName, 'canonicalName');
    this.maximize = checkFlag(options.maximize ?? true, 'maximize');
    this.increasing = checkFlag(options.increasing ?? true, 'increasing');
  }

  compute(counts: ClassificationCounts): Float64Array {
    const length = checkCounts(counts);
    const out = this.computeValues(counts);
    if (!(out instanceof Float64Array) || out.length !== length) {
      throw new SimkitError(
        'INVALID_ARGUMENT',
        `metric '${this.name}' returned ${describe(out)} of length ${(out as { length?: number })?.length ?? '?'} for ${length} thresholds; computeValues must return a Float64Array with one value per threshold.`,
      );
    }
    return out;
  }

  /** The metric at every threshold; `counts` is already checked. */
  protected abstract computeValues(counts: ClassificationCounts): Float64Array;

  toConfig(): ComponentConfig<ClassificationMetricConfig> {
    return {
      type: CLASSIFICATION_METRIC_TYPE,
      version: CLASSIFICATION_METRIC_CONFIG_VERSION,
      package: '@simkit/classification-metrics',
      config: {
        name: this.name,
        canonical_name: this.canonicalName,
        maximize: this.maximize,
        increasing: this.increasing,
      },
    };
  }

  toString(): string {
    return this.name;
  }
}

/** `a / b`, or 0 when `b` is 0 (TensorFlow's `divide_no_nan`). */
export function div0(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/**
 * Checks per-threshold counts: four Float64Arrays of one length holding finite
 * values ≥ 0, and a count ≥ 0. Returns the number of thresholds.
 */
export function checkCounts(counts: ClassificationCounts): number {
  if (typeof counts !== 'object' || counts === null) {
    throw invalidArgument(`counts must be an object { tp, fp, tn, fn, count }; got ${describe(counts)}.`);
  }
  const { tp, fp, tn, fn, count } = counts;
  const arrays: Array<[string, unknown]> = [
    ['tp', tp],
    ['fp', fp],
    ['tn', tn],
    ['fn', fn],
  ];
  for (const [key, a] of arrays) {
    if (!(a instanceof Float64Array)) {
      throw invalidArgument(`counts.${key} must be a Float64Array (one count per threshold); got ${describe(a)}.`);
    }
  }
  const length = tp.length;
  for (const [key, a] of arrays) {
    const arr = a as Float64Array;
    if (arr.length !== length) {
      throw invalidArgument(
        `counts.${key} has ${arr.length} values but counts.tp has ${length}; pass one count per threshold in every array.`,
      );
    }
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i] as number;
      if (!(v >= 0) || v === Number.POSITIVE_INFINITY) {
        throw invalidArgument(`counts.${key}[${i}] = ${v} is not a finite count ≥ 0.`);
      }
    }
  }
  if (typeof count !== 'number' || !(count >= 0) || !Number.isFinite(count)) {
    throw invalidArgument(`counts.count must be the number of queries (a finite number ≥ 0); got ${describe(count)}.`);
  }
  return length;
}

/** True when `value` has the shape of a ClassificationMetric. */
export function isClassificationMetric(value: unknown): value is ClassificationMetric {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    typeof m.name === 'string' &&
    typeof m.canonicalName === 'string' &&
    typeof m.maximize === 'boolean' &&
    typeof m.increasing === 'boolean' &&
    typeof m.compute === 'function'
  );
}

function checkName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw invalidArgument(`metric ${what} must be a non-empty string; got ${describe(value)}.`);
  }
  return value;
}

function checkFlag(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') {
    throw invalidArgument(`metric ${what} must be true or false; got ${describe(value)}.`);
  }
  return value;
}
