import type { ModelInput, SimilarityModel } from '@simkit/model';

/** Whether a reloaded model answers exactly like the one that was saved. */
export interface ReloadCheck {
  readonly ok: boolean;
  /** Queries compared. */
  readonly queries: number;
  /** What differed, empty when `ok`. */
  readonly problems: readonly string[];
}

/**
 * Looks up and matches the same queries with both models and compares every
 * neighbour's id, label and distance, the matched labels and the cutpoints, exactly.
 */
export async function compareReload(
  original: SimilarityModel,
  reloaded: SimilarityModel,
  queries: ModelInput,
  k: number,
): Promise<ReloadCheck> {
  const problems: string[] = [];
  if (reloaded.indexSize() !== original.indexSize()) {
    problems.push(`index size ${reloaded.indexSize()} ≠ ${original.indexSize()}`);
  }
  const a = await original.lookup(queries, k);
  const b = await reloaded.lookup(queries, k);
  if (a.length !== b.length) problems.push(`${b.length} lookup rows ≠ ${a.length}`);
  for (let q = 0; q < a.length && problems.length < 5; q++) {
    const ra = a[q] ?? [];
    const rb = b[q] ?? [];
    const same =
      ra.length === rb.length &&
      ra.every((n, j) => n.id === rb[j]?.id && n.label === rb[j]?.label && n.distance === rb[j]?.distance);
    if (!same) problems.push(`lookup of query ${q} differs`);
  }
  const cutA = JSON.stringify(original.indexer.cutpoints);
  const cutB = JSON.stringify(reloaded.indexer.cutpoints);
  if (cutA !== cutB) problems.push('calibrated cutpoints differ');
  if (reloaded.indexer.isCalibrated) {
    const ma = await original.match(queries);
    const mb = await reloaded.match(queries);
    const diff = ma.findIndex((v, i) => v !== mb[i]);
    if (ma.length !== mb.length || diff >= 0) problems.push(`match of query ${diff} differs`);
  } else {
    problems.push('the reloaded index is not calibrated');
  }
  return { ok: problems.length === 0, queries: a.length, problems };
}
