import { describe, invalidArgument } from '@simkit/core';

/**
 * Rounds to `decimals` places, halves to even (as TensorFlow's `round`).
 * Infinities are kept; `decimals === null` returns `x` unchanged.
 */
export function roundDistance(x: number, decimals: number | null): number {
  if (decimals === null || !Number.isFinite(x)) return x;
  const scale = 10 ** decimals;
  const v = x * scale;
  // Beyond 2^52 every double is an integer already.
  if (Math.abs(v) >= 4503599627370496) return x;
  let r = Math.round(v);
  if (r - v === 0.5 && r % 2 !== 0) r -= 1;
  // r === 0 also turns −0 into 0, so thresholds never show a negative zero.
  return r === 0 ? 0 : r / scale;
}

/** A rounded copy of `values`. */
export function roundDistances(values: Float64Array, decimals: number | null): Float64Array {
  const out = new Float64Array(values);
  if (decimals === null) return out;
  const scale = 10 ** decimals;
  for (let i = 0; i < out.length; i++) {
    const x = out[i] as number;
    const v = x * scale;
    // Same rule as roundDistance, inlined for the hot path; |v| < 2^52 also excludes ±Infinity.
    if (v < 4503599627370496 && v > -4503599627370496) {
      let r = Math.round(v);
      if (r - v === 0.5 && r % 2 !== 0) r -= 1;
      out[i] = r === 0 ? 0 : r / scale;
    }
  }
  return out;
}

/** Checks a rounding setting: an integer in [0, 15], or null for none. */
export function checkDecimals(value: unknown, what: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 15) {
    throw invalidArgument(`${what} must be an integer from 0 to 15 (or null for no rounding); got ${describe(value)}.`);
  }
  return value;
}
