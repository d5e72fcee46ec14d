import { SimkitError } from '@simkit/core';

// JSON has no ±Infinity or NaN, but thresholds and padded distances contain +Infinity.
const SPECIAL: Record<string, number> = {
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  NaN: Number.NaN,
};

/** JSON.stringify that keeps ±Infinity and NaN as the strings "Infinity", "-Infinity", "NaN". */
export function stringifyJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}

/** Parses what `stringifyJson` wrote; a syntax error becomes CORRUPT_INDEX. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text, (_key, v) => (typeof v === 'string' && Object.hasOwn(SPECIAL, v) ? SPECIAL[v] : v));
  } catch (cause) {
    throw new SimkitError('CORRUPT_INDEX', `${what} is not valid JSON; the saved index is damaged. Save it again.`, {
      cause,
    });
  }
}
