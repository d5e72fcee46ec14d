import { type LookupMatrix, PAD_DISTANCE, PAD_LABEL } from './lookup-matrix.js';
import type { DerivedMatch, Matcher } from './matcher.js';

/** The label and distance of each query's closest lookup (rank 1). */
export class MatchNearest implements Matcher {
  readonly name = 'nearest';
  readonly canonicalName = 'match_nearest';

  derive({ n, k, labels, distances }: LookupMatrix): DerivedMatch {
    const outLabels = new Int32Array(n);
    const outDistances = new Float64Array(n);
    if (k === 0) {
      outLabels.fill(PAD_LABEL);
      outDistances.fill(PAD_DISTANCE);
      return { labels: outLabels, distances: outDistances };
    }
    for (let i = 0; i < n; i++) {
      outLabels[i] = labels[i * k] as number;
      outDistances[i] = distances[i * k] as number;
    }
    return { labels: outLabels, distances: outDistances };
  }
}
