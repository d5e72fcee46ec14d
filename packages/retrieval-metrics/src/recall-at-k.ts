import type { ComponentConfig } from '@simkit/core';
import {
  RetrievalMetricBase,
  type RetrievalMetricInput,
  type RetrievalMetricOptions,
  optionsFromConfig,
} from './retrieval-metric.js';

/** Recall@k: 1 for a query when any of its first k lookups (after an optional dropped one) matches. */
export class RecallAtK extends RetrievalMetricBase {
  static readonly type = 'recall-at-k';
  readonly type = RecallAtK.type;

  constructor(options: RetrievalMetricOptions = {}) {
    super('recall', 'recall@k', options);
  }

  protected perQuery({ matchMask, m }: RetrievalMetricInput, n: number): Float64Array {
    const out = new Float64Array(n);
    const from = this.start;
    const to = Math.min(from + this.k, m);
    for (let q = 0; q < n; q++) {
      const row = q * m;
      for (let j = from; j < to; j++) {
        if (matchMask[row + j] !== 0) {
          out[q] = 1;
          break;
        }
      }
    }
    return out;
  }

  /** A RecallAtK from the config its `toConfig` wrote. */
  static fromConfig(config: ComponentConfig): RecallAtK {
    return new RecallAtK(optionsFromConfig(config, RecallAtK.type));
  }
}
