import { type ClassificationCounts, ClassificationMetricBase, div0 } from './classification-metric.js';

/**
 * Harmonic mean of precision and recall, `2pr / (p + r)`, with plain precision
 * (no first-threshold rule). Computed as the equal `2tp / (2tp + fp + fn)`:
 * one rounding only, so thresholds with equal F1 tie exactly.
 */
export class F1Score extends ClassificationMetricBase {
  constructor(name = 'f1') {
    super({ name, canonicalName: 'f1_score', maximize: true, increasing: true });
  }

  protected computeValues({ tp, fp, fn }: ClassificationCounts): Float64Array {
    const out = new Float64Array(tp.length);
    for (let i = 0; i < out.length; i++) {
      const t2 = 2 * (tp[i] as number);
      out[i] = div0(t2, t2 + (fp[i] as number) + (fn[i] as number));
    }
    return out;
  }
}
