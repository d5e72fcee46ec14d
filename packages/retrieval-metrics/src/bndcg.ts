import type { ComponentConfig } from '@simkit/core';
import {
  RetrievalMetricBase,
  type RetrievalMetricInput,
  type RetrievalMetricOptions,
  optionsFromConfig,
} from './retrieval-metric.js';

/**
 * Binary NDCG: a lookup is relevant when it matches and its distance is within
 * `distanceThreshold`; over columns `[s, s+k)`, `dcg = Σ rel_i / log2(i + 1)`
 * (i from 1), normalised by the same sum with the relevant lookups first.
 */
export class BNDCG extends RetrievalMetricBase {
  static readonly type = 'bndcg';
  readonly type = BNDCG.type;

  constructor(options: RetrievalMetricOptions = {}) {
    super('ndcg', 'ndcg@k', options);
  }

  protected override readonly needsDistances = true;

  protected perQuery({ matchMask, m, distances }: RetrievalMetricInput, n: number): Float64Array {
    const dist = distances as Float64Array;
    const out = new Float64Array(n);
    const from = this.start;
    const width = Math.max(0, Math.min(from + this.k, m) - from);
    const discount = new Float64Array(width);
    for (let i = 0; i < width; i++) discount[i] = 1 / Math.log2(i + 2);
    const t = this.distanceThreshold;
    for (let q = 0; q < n; q++) {
      const row = q * m + from;
      let dcg = 0;
      let relevant = 0;
      for (let i = 0; i < width; i++) {
        if (matchMask[row + i] !== 0 && (dist[row + i] as number) <= t) {
          dcg += discount[i] as number;
          relevant += 1;
        }
      }
      let idcg = 0;
      for (let i = 0; i < relevant; i++) idcg += discount[i] as number;
      out[q] = idcg === 0 ? 0 : dcg / idcg;
    }
    return out;
  }

  /** A BNDCG from the config its `toConfig` wrote. */
  static fromConfig(config: ComponentConfig): BNDCG {
    return new BNDCG(optionsFromConfig(config, BNDCG.type));
  }
}
