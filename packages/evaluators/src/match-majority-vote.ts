import { type LookupMatrix, PAD_DISTANCE, PAD_LABEL } from './lookup-matrix.js';
import type { DerivedMatch, Matcher } from './matcher.js';

/**
 * The most frequent label among each query's k lookups; a tie goes to the label
 * that occurs first in the row. The distance is the mean of all k distances.
 */
export class MatchMajorityVote implements Matcher {
  readonly name = 'majority_vote';
  readonly canonicalName = 'match_majority_vote';

  derive({ n, k, labels, distances }: LookupMatrix): DerivedMatch {
    const outLabels = new Int32Array(n);
    const outDistances = new Float64Array(n);
    if (k === 0) {
      outLabels.fill(PAD_LABEL);
      outDistances.fill(PAD_DISTANCE);
      return { labels: outLabels, distances: outDistances };
    }
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const row = i * k;
      let sum = 0;
      let most = 0;
      counts.clear();
      for (let j = 0; j < k; j++) {
        const l = labels[row + j] as number;
        const c = (counts.get(l) ?? 0) + 1;
        counts.set(l, c);
        if (c > most) most = c;
        sum += distances[row + j] as number;
      }
      // The first label in row order that reaches the top count wins ties.
      let best = labels[row] as number;
      for (let j = 0; j < k; j++) {
        const l = labels[row + j] as number;
        if (counts.get(l) === most) {
          best = l;
          break;
        }
      }
      outLabels[i] = best;
      outDistances[i] = sum / k;
    }
    return { labels: outLabels, distances: outDistances };
  }
}
