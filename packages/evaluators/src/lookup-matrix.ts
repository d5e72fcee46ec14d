import { type Logger, SimkitError, checkOptions, describe, invalidArgument, silentLogger } from '@simkit/core';

/** Label of a missing lookup in a short row. */
export const PAD_LABEL = 0x7fffffff;
/** Distance of a missing lookup in a short row. */
export const PAD_DISTANCE = Number.POSITIVE_INFINITY;

/**
 * The lookups of `n` queries as a dense `n × k` matrix (row-major, closest
 * first), `k` being the longest row. Shorter rows are padded with `PAD_LABEL` /
 * `PAD_DISTANCE`.
 */
export interface LookupMatrix {
  readonly n: number;
  readonly k: number;
  readonly labels: Int32Array;
  readonly distances: Float64Array;
}

/** One lookup as the index returns it; `label` is null for entries indexed without a label. */
export interface LookupEntry {
  readonly label: number | null;
  readonly distance: number;
}

/** Options of `toLookupMatrix`. */
export interface ToLookupMatrixOptions {
  /**
   * Told at level `warn` when rows of unequal length are padded, as TensorFlow
   * Similarity warns (`N lookup sets are shorter than the max lookup set length…`).
   * Default: silent.
   */
  readonly logger?: Logger;
}

/**
 * Packs lookup rows into a LookupMatrix as wide as the longest row, cut to at most
 * `k` lookups when `k` is given: as in TensorFlow Similarity, an index holding
 * fewer than `k` records gives a narrower matrix, not +Infinity padding. Rows
 * shorter than the longest are padded, and then one warning with their count
 * goes to `options.logger`.
 */
export function toLookupMatrix(
  rows: ReadonlyArray<ReadonlyArray<LookupEntry>>,
  k?: number,
  options?: ToLookupMatrixOptions,
): LookupMatrix {
  const { logger = silentLogger } = checkOptions(options, 'toLookupMatrix options');
  if (typeof logger !== 'object' || logger === null || typeof logger.log !== 'function') {
    throw invalidArgument(
      `logger must be an object with a log(level, message, fields) method; got ${describe(logger)}.`,
    );
  }
  if (!Array.isArray(rows)) {
    throw invalidArgument(
      `lookups must be an array with one array of { label, distance } per query; got ${describe(rows)}.`,
    );
  }
  if (k !== undefined && (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1)) {
    throw invalidArgument(`k must be an integer ≥ 1; got ${describe(k)}.`);
  }
  let longest = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!Array.isArray(row)) {
      throw invalidArgument(`lookups[${i}] must be an array of { label, distance }; got ${describe(row)}.`);
    }
    if (row.length > longest) longest = row.length;
  }
  const width = k === undefined ? longest : Math.min(k, longest);
  const n = rows.length;
  let labels: Int32Array;
  let distances: Float64Array;
  try {
    labels = new Int32Array(n * width).fill(PAD_LABEL);
    distances = new Float64Array(n * width).fill(PAD_DISTANCE);
  } catch (cause) {
    throw new SimkitError(
      'INVALID_ARGUMENT',
      `${n} queries × k = ${width} lookups do not fit in memory; pass a smaller k or fewer queries.`,
      { details: { n, k: width }, cause },
    );
  }
  for (let i = 0; i < n; i++) {
    const row = rows[i] as ReadonlyArray<LookupEntry>;
    const used = Math.min(row.length, width);
    for (let j = 0; j < used; j++) {
      const entry = row[j] as LookupEntry | undefined;
      if (typeof entry !== 'object' || entry === null) {
        throw invalidArgument(`lookups[${i}][${j}] must be { label, distance }; got ${describe(entry)}.`);
      }
      const { label, distance } = entry;
      if (label === null || label === undefined) {
        throw invalidArgument(
          `lookups[${i}][${j}] has no label: the index entries have no labels. Index embeddings with labels to calibrate, evaluate or match.`,
          { query: i, rank: j + 1 },
        );
      }
      if (typeof label !== 'number' || !Number.isInteger(label) || label < -0x80000000 || label > PAD_LABEL) {
        throw invalidArgument(`lookups[${i}][${j}].label = ${describe(label)} is not an integer label.`);
      }
      if (typeof distance !== 'number' || Number.isNaN(distance) || distance === Number.NEGATIVE_INFINITY) {
        throw invalidArgument(`lookups[${i}][${j}].distance = ${describe(distance)} is not a distance.`);
      }
      labels[i * width + j] = label;
      distances[i * width + j] = distance;
    }
  }
  warnShortRows(rows, width, logger);
  return { n, k: width, labels, distances };
}

/** One warning when some rows are shorter than the longest (the count TensorFlow Similarity reports). */
function warnShortRows(rows: ReadonlyArray<ReadonlyArray<LookupEntry>>, width: number, logger: Logger): void {
  let short = 0;
  for (const row of rows) if (row.length < width) short++;
  if (short === 0) return;
  logger.log(
    'warn',
    `${short} lookup sets are shorter than the max lookup set length (${width}). Imputing 0x7FFFFFFF for the missing label lookups and Infinity for the missing distance lookups.`,
    { shortLookupSets: short, maxLookupSetLength: width, k: width },
  );
}

/** Checks a LookupMatrix built elsewhere: sizes agree and no distance is NaN or −∞. */
export function checkLookupMatrix(lookups: LookupMatrix, what = 'lookups'): void {
  if (typeof lookups !== 'object' || lookups === null) {
    throw invalidArgument(
      `${what} must be a LookupMatrix { n, k, labels, distances } (see toLookupMatrix); got ${describe(lookups)}.`,
    );
  }
  const { n, k, labels, distances } = lookups;
  if (
    typeof n !== 'number' ||
    !Number.isInteger(n) ||
    n < 0 ||
    typeof k !== 'number' ||
    !Number.isInteger(k) ||
    k < 0
  ) {
    throw invalidArgument(`${what}.n and ${what}.k must be integers ≥ 0; got n = ${describe(n)}, k = ${describe(k)}.`);
  }
  if (!(labels instanceof Int32Array) || labels.length !== n * k) {
    throw invalidArgument(
      `${what}.labels must be an Int32Array of n × k = ${n * k} labels; got ${describe(labels)} of length ${(labels as { length?: number })?.length}.`,
    );
  }
  if (!(distances instanceof Float64Array) || distances.length !== n * k) {
    throw invalidArgument(
      `${what}.distances must be a Float64Array of n × k = ${n * k} distances; got ${describe(distances)} of length ${(distances as { length?: number })?.length}.`,
    );
  }
  for (let i = 0; i < distances.length; i++) {
    const d = distances[i] as number;
    if (Number.isNaN(d) || d === Number.NEGATIVE_INFINITY) {
      throw invalidArgument(
        `${what}.distances[${i}] (query ${Math.floor(i / k)}, rank ${(i % k) + 1}) is ${d}; distances must be numbers (+Infinity for padding).`,
      );
    }
  }
}

/** Throws EMPTY_INDEX when there is nothing to evaluate. */
export function assertLookupsPresent(lookups: LookupMatrix): void {
  if (lookups.n === 0 || lookups.k === 0) {
    throw new SimkitError(
      'EMPTY_INDEX',
      lookups.n === 0
        ? 'There are no lookups to evaluate: is there any data in the index? Pass at least one query.'
        : 'Every lookup came back empty: is there any data in the index? Index some labelled embeddings first.',
    );
  }
}
