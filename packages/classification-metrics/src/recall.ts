import { type ClassificationCounts, ClassificationMetricBase, div0 } from './classification-metric.js';

/** `tp / (tp + fn)`: the share of matching queries accepted at each threshold. */
export class Recall extends ClassificationMetricBase {
  constructor(name = 'recall') {
    super({ name, canonicalName: 'recall', maximize: true, increasing: true });
  }

  protected computeValues({ tp, fn }: ClassificationCounts): Float64Array {
    const out = new Float64Array(tp.length);
    for (let i = 0; i < out.length; i++) {
      const t = tp[i] as number;
      out[i] = div0(t, t + (fn[i] as number));
    }
    return out;
  }
}
