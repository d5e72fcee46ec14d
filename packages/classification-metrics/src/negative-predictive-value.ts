import { type ClassificationCounts, ClassificationMetricBase, div0 } from './classification-metric.js';

/** `tn / (tn + fn)`: the share of rejected queries that had no correct match. */
export class NegativePredictiveValue extends ClassificationMetricBase {
  constructor(name = 'npv') {
    super({ name, canonicalName: 'negative_predictive_value', maximize: true, increasing: true });
  }

  protected computeValues({ tn, fn }: ClassificationCounts): Float64Array {
    const out = new Float64Array(tn.length);
    for (let i = 0; i < out.length; i++) {
      const t = tn[i] as number;
      out[i] = div0(t, t + (fn[i] as number));
    }
    return out;
  }
}
