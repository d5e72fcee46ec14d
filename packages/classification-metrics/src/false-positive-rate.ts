import { type ClassificationCounts, ClassificationMetricBase, div0 } from './classification-metric.js';

/** `fp / (fp + tn)`; calibration minimises it. */
export class FalsePositiveRate extends ClassificationMetricBase {
  constructor(name = 'fpr') {
    super({ name, canonicalName: 'false_positive_rate', maximize: false, increasing: true });
  }

  protected computeValues({ fp, tn }: ClassificationCounts): Float64Array {
    const out = new Float64Array(fp.length);
    for (let i = 0; i < out.length; i++) {
      const f = fp[i] as number;
      out[i] = div0(f, f + (tn[i] as number));
    }
    return out;
  }
}
