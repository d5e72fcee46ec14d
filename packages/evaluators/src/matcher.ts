import { describe, invalidArgument } from '@simkit/core';
import type { LookupMatrix } from './lookup-matrix.js';

/** One (label, distance) per query, derived from its k lookups. */
export interface DerivedMatch {
  readonly labels: Int32Array;
  readonly distances: Float64Array;
}

/**
 * Turns each query's k lookups into one label and one distance. Any object of
 * this shape works as a matcher.
 */
export interface Matcher {
  /** Short name, e.g. `nearest` or `majority_vote`. */
  readonly name: string;
  /** One label and one distance per query (row) of `lookups`. */
  derive(lookups: LookupMatrix): DerivedMatch;
}

/** True when `value` has the shape of a Matcher. */
export function isMatcher(value: unknown): value is Matcher {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return typeof m.name === 'string' && typeof m.derive === 'function';
}

/** Runs `matcher` and checks that it returned one finite-or-+∞ distance and one label per query. */
export function deriveChecked(matcher: Matcher, lookups: LookupMatrix): DerivedMatch {
  const out = matcher.derive(lookups);
  const name = matcher.name;
  if (typeof out !== 'object' || out === null) {
    throw invalidArgument(`matcher '${name}' returned ${describe(out)}; derive must return { labels, distances }.`);
  }
  const { labels, distances } = out;
  if (!(labels instanceof Int32Array) || labels.length !== lookups.n) {
    throw invalidArgument(
      `matcher '${name}' returned ${describe(labels)} as labels; derive must return an Int32Array of ${lookups.n} labels.`,
    );
  }
  if (!(distances instanceof Float64Array) || distances.length !== lookups.n) {
    throw invalidArgument(
      `matcher '${name}' returned ${describe(distances)} as distances; derive must return a Float64Array of ${lookups.n} distances.`,
    );
  }
  for (let i = 0; i < distances.length; i++) {
    if (Number.isNaN(distances[i])) {
      throw invalidArgument(`matcher '${name}' returned NaN as the distance of query ${i}.`);
    }
  }
  return out;
}
