import { type ClassificationCounts, ClassificationMetricBase, div0 } from './classification-metric.js';

/**
 * `tp / count`: precision scaled by the share of queries that get a match
 * (not `(tp + tn) / total`). 0 when there are no queries.
 */
export class BinaryAccuracy extends ClassificationMetricBase {
  constructor(name = 'binary_accuracy') {
    super({ name, canonicalName: 'binary_accuracy', maximize: true, increasing: true });
  }

  protected computeValues({ tp, count }: ClassificationCounts): Float64Array {
    const out = new Float64Array(tp.length);
    for (let i = 0; i < out.length; i++) out[i] = div0(tp[i] as number, count);
    return out;
  }
}
