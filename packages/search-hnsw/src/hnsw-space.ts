import type { HnswSpaceName } from './hnswlib-types.js';

/** The distances this backend offers, by canonical name. */
export const SUPPORTED_DISTANCES = ['cosine', 'euclidean', 'squared_euclidean', 'inner_product'] as const;

/** How one of our distances runs on hnswlib: its space and the conversion of what hnswlib reports. */
export interface HnswSpace {
  readonly space: HnswSpaceName;
  /** Turns a distance reported by hnswlib into the distance in our units. */
  readonly fromNative: (raw: number) => number;
}

const SPACES: Readonly<Record<string, HnswSpace>> = {
  // hnswlib's cosine space normalises both sides and reports 1 − q̂·k̂, which float rounding can push just below 0.
  cosine: { space: 'cosine', fromNative: (raw) => Math.max(raw, 0) },
  // l2 is the squared distance, computed as Σ(q−k)² (exactly 0 for identical vectors).
  euclidean: { space: 'l2', fromNative: (raw) => Math.sqrt(Math.max(raw, 0)) },
  squared_euclidean: { space: 'l2', fromNative: (raw) => Math.max(raw, 0) },
  // ip is 1 − q·k, which is our inner_product distance as it is.
  inner_product: { space: 'ip', fromNative: (raw) => raw },
};

/** The hnswlib space for a canonical distance name, or undefined when hnswlib has none. */
export function hnswSpaceFor(distanceName: string): HnswSpace | undefined {
  return Object.hasOwn(SPACES, distanceName) ? SPACES[distanceName] : undefined;
}
