import { type ComponentConfig, SimkitError, describe, invalidArgument } from '@simkit/core';
import {
  RetrievalMetricBase,
  type RetrievalMetricConfig,
  type RetrievalMetricInput,
  type RetrievalMetricOptions,
  optionsFromConfig,
} from './retrieval-metric.js';

/** Label → number of relevant items in the index, as a Map or a plain object keyed by label. */
export type RelevantCounts = ReadonlyMap<number, number> | Readonly<Record<number, number>>;

/** Options of PrecisionAtK and MapAtK. */
export interface PrecisionAtKOptions extends RetrievalMetricOptions {
  /** Relevant items per label; default k for every label. A label missing here scores 0. */
  readonly r?: RelevantCounts;
  /** Count only the first R[label] lookups (R-precision; MAP@R for map). Default false. */
  readonly clipAtR?: boolean;
}

export interface PrecisionAtKConfig extends RetrievalMetricConfig {
  /** Label (as a string key) → relevant count, or null for "k for every label". */
  readonly r: Record<string, number> | null;
  readonly clip_at_r: boolean;
}

/** Default and canonical name of a metric family. */
export interface MetricNames {
  readonly name: string;
  readonly canonicalName: string;
}

const PRECISION_NAMES: MetricNames = { name: 'precision', canonicalName: 'precision@k' };

/**
 * Precision@k: matches among columns `[s, k)` (s = 1 when dropping the closest
 * lookup) divided by R[label], where R defaults to k (minus 1 when dropping).
 */
export class PrecisionAtK extends RetrievalMetricBase {
  static readonly type: string = 'precision-at-k';
  readonly type: string = PrecisionAtK.type;
  readonly r: ReadonlyMap<number, number> | undefined;
  readonly clipAtR: boolean;

  /** `names` lets a subclass (map@k) keep these rules under its own names. */
  constructor(options: PrecisionAtKOptions = {}, names: MetricNames = PRECISION_NAMES) {
    super(names.name, names.canonicalName, options);
    this.r = options.r === undefined || options.r === null ? undefined : toRelevantMap(options.r);
    const clip = options.clipAtR ?? false;
    if (typeof clip !== 'boolean') throw invalidArgument(`clipAtR must be true or false; got ${describe(clip)}.`);
    this.clipAtR = clip;
  }

  /** With `clipAtR` the name is the base alone (`precision`, `map`). */
  override get name(): string {
    return this.clipAtR ? this.baseName : super.name;
  }

  /** Turns the 0/1 relevance slice into what is summed; precision sums the matches as they are. */
  protected weigh(_slice: Float64Array, _width: number): void {
    // Precision counts every match as 1: nothing to change.
  }

  protected perQuery({ queryLabels, matchMask, m }: RetrievalMetricInput, n: number): Float64Array {
    const out = new Float64Array(n);
    const from = this.start;
    const width = Math.max(0, Math.min(this.k, m) - from);
    const slice = new Float64Array(width);
    const relevant = this.relevantFor();
    for (let q = 0; q < n; q++) {
      const row = q * m + from;
      for (let j = 0; j < width; j++) slice[j] = matchMask[row + j] !== 0 ? 1 : 0;
      this.weigh(slice, width);
      const r = relevant(queryLabels[q] as number);
      const upto = this.clipAtR ? Math.min(r, width) : width;
      let sum = 0;
      for (let j = 0; j < upto; j++) sum += slice[j] as number;
      out[q] = r === 0 ? 0 : sum / r;
    }
    return out;
  }

  /** R per label: the `r` option or k, minus one (not below 0) when dropping the closest lookup. */
  private relevantFor(): (label: number) => number {
    const drop = this.dropClosestLookup ? 1 : 0;
    if (this.r === undefined) {
      const r = Math.max(0, this.k - drop);
      return () => r;
    }
    const table = this.r;
    return (label) => {
      const r = table.get(label);
      return r === undefined ? 0 : Math.max(0, r - drop);
    };
  }

  override toConfig(): ComponentConfig<PrecisionAtKConfig> {
    const base = super.toConfig();
    return { ...base, config: { ...base.config, r: relevantToRecord(this.r), clip_at_r: this.clipAtR } };
  }

  /** A PrecisionAtK from the config its `toConfig` wrote. */
  static fromConfig(config: ComponentConfig): PrecisionAtK {
    return new PrecisionAtK(precisionOptionsFromConfig(config, PrecisionAtK.type));
  }
}

export function precisionOptionsFromConfig(config: ComponentConfig, type: string): PrecisionAtKOptions {
  const base = optionsFromConfig(config, type);
  const c = config.config;
  const r = c.r;
  if (r !== null && r !== undefined && (typeof r !== 'object' || Array.isArray(r))) {
    throw new SimkitError('CORRUPT_INDEX', `${type} config: r must be an object of label → count or null.`);
  }
  return {
    ...base,
    ...(r ? { r: r as Record<number, number> } : {}),
    ...(typeof c.clip_at_r === 'boolean' ? { clipAtR: c.clip_at_r } : {}),
  };
}

function toRelevantMap(r: RelevantCounts): ReadonlyMap<number, number> {
  if (typeof r !== 'object' || r === null) {
    throw invalidArgument(`r must be a Map or an object of label → relevant count; got ${describe(r)}.`);
  }
  const entries: Array<[unknown, unknown]> =
    r instanceof Map ? Array.from(r.entries()) : Object.entries(r as Record<string, number>);
  const out = new Map<number, number>();
  for (const [key, value] of entries) {
    // Object keys are strings: only the canonical text of an integer ('7', '-2') names a label, not '0x7' or ' 7'.
    const label = typeof key === 'string' && String(Number(key)) === key ? Number(key) : key;
    if (typeof label !== 'number' || !Number.isInteger(label)) {
      throw invalidArgument(`r: key ${describe(key)} is not an integer label.`);
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw invalidArgument(`r[${label}] = ${describe(value)} is not a count (an integer ≥ 0).`);
    }
    out.set(label, value);
  }
  return out;
}

function relevantToRecord(r: ReadonlyMap<number, number> | undefined): Record<string, number> | null {
  if (r === undefined) return null;
  const out: Record<string, number> = {};
  for (const [label, count] of r) out[String(label)] = count;
  return out;
}
