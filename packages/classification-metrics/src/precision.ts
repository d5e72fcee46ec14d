import { type ClassificationCounts, ClassificationMetricBase, div0 } from './classification-metric.js';

/**
 * `tp / (tp + fp)`. When there is more than one threshold and nothing is
 * matched at the first (`tp[0] + fp[0] == 0`), the first value is 1: the
 * precision of an empty result set at zero recall.
 */
export class Precision extends ClassificationMetricBase {
  constructor(name = 'precision') {
    super({ name, canonicalName: 'precision', maximize: true, increasing: false });
  }

  protected computeValues({ tp, fp }: ClassificationCounts): Float64Array {
    const out = new Float64Array(tp.length);
    for (let i = 0; i < out.length; i++) {
      const t = tp[i] as number;
      out[i] = div0(t, t + (fp[i] as number));
    }
    if (out.length > 1 && (tp[0] as number) + (fp[0] as number) === 0) out[0] = 1;
    return out;
  }
}
