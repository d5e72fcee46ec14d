import { type Distance, type Logger, type ProgressHandler, SimkitError, describe, invalidArgument } from '@simkit/core';
import type { UsearchMetric } from './usearch-file.js';

/** How vectors are stored: 4, 2 or 1 byte per component. */
export type UsearchQuantization = 'f32' | 'f16' | 'i8';

/** Options of `new UsearchSearch(...)`. */
export interface UsearchSearchOptions {
  /** A distance name (`cosine`, `euclidean`, `squared_euclidean`, `inner_product`, or an alias) or a Distance. */
  readonly distance: string | Distance;
  /** Vector dimension; when omitted, the first `add` fixes it. */
  readonly dim?: number;
  /** Links per node per layer (level 0 has 2·M). Default 16. */
  readonly M?: number;
  /** Candidate list size while building. Default 200. */
  readonly efConstruction?: number;
  /** Candidate list size while searching (at least k is used). Default 50; change it any time. */
  readonly efSearch?: number;
  /**
   * Storage of each component: `f32` (default, exact distances), `f16` (half the memory;
   * components within ±65504) or `i8` (a quarter; cosine only, vectors normalised then scaled
   * to −127 … 127). Distances are those of the stored vectors.
   */
  readonly quantization?: UsearchQuantization;
  /** Native threads for adds and batched lookups. Default: every core (`os.availableParallelism()`). */
  readonly threads?: number;
  /**
   * When true, `load(dir)` memory-maps the saved index instead of reading it (as `view(dir)`
   * does): for `Indexer.load` through a registry factory. Default false.
   */
  readonly view?: boolean;
  /** Receives debug messages. Default: silent. */
  readonly logger?: Logger;
  /** Receives progress of long adds (`task: 'usearch-add'`) and loads (`task: 'usearch-load'`). Default: none. */
  readonly onProgress?: ProgressHandler;
}

/** The distances this backend offers, by canonical name. */
export const SUPPORTED_DISTANCES = ['cosine', 'euclidean', 'squared_euclidean', 'inner_product'] as const;

export const QUANTIZATIONS: readonly UsearchQuantization[] = ['f32', 'f16', 'i8'];

/** How one of our distances runs on usearch: its metric and the conversion of what usearch reports. */
export interface UsearchSpace {
  readonly metric: UsearchMetric;
  readonly fromNative: (raw: number) => number;
  /** Vectors and queries go to usearch as unit-length copies. */
  readonly normalize: boolean;
}

const SPACES: Readonly<Record<string, UsearchSpace>> = {
  // Unit-length copies under ip (1 − q̂·k̂) give the cosine distance without computing two norms
  // per distance, as usearch's cos metric does; float rounding can push it just below 0.
  cosine: { metric: 'ip', fromNative: (raw) => Math.max(raw, 0), normalize: true },
  // l2sq is Σ(q−k)².
  euclidean: { metric: 'l2sq', fromNative: (raw) => Math.sqrt(Math.max(raw, 0)), normalize: false },
  squared_euclidean: { metric: 'l2sq', fromNative: (raw) => Math.max(raw, 0), normalize: false },
  // ip is 1 − q·k, our inner_product distance as it is.
  inner_product: { metric: 'ip', fromNative: (raw) => raw, normalize: false },
};

/**
 * i8 cosine stays on usearch's cos metric: usearch scales i8 components by 127 and its i8 ip
 * does not scale back, while its i8 cos is scale-free.
 */
const I8_COSINE: UsearchSpace = { metric: 'cos', fromNative: (raw) => Math.max(raw, 0), normalize: false };

/** The usearch space of a canonical distance name and storage, or UNSUPPORTED. */
export function usearchSpaceFor(distanceName: string, quantization: UsearchQuantization = 'f32'): UsearchSpace {
  const space = Object.hasOwn(SPACES, distanceName) ? SPACES[distanceName] : undefined;
  if (space === undefined) {
    throw new SimkitError(
      'UNSUPPORTED',
      `UsearchSearch cannot search with the '${distanceName}' distance: it offers ${SUPPORTED_DISTANCES.join(', ')}. Pick one of those, or use LinearSearch from @simkit/search-linear for '${distanceName}'.`,
      { details: { distance: distanceName, supported: [...SUPPORTED_DISTANCES] } },
    );
  }
  return distanceName === 'cosine' && quantization === 'i8' ? I8_COSINE : space;
}

/** Unit-length copies of the rows of `data` (a zero row stays zero). */
export function unitRows(data: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let start = 0; start < data.length; start += dim) {
    let sum = 0;
    for (let j = start; j < start + dim; j++) sum += (data[j] as number) * (data[j] as number);
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let j = start; j < start + dim; j++) out[j] = (data[j] as number) * scale;
  }
  return out;
}

/** Checks a quantization against the distance: i8 keeps only directions, so it needs cosine. */
export function quantizationOption(value: unknown, distanceName: string): UsearchQuantization {
  if (!QUANTIZATIONS.includes(value as UsearchQuantization)) {
    throw invalidArgument(`quantization must be one of ${QUANTIZATIONS.join(', ')}; got ${describe(value)}.`);
  }
  if (value === 'i8' && distanceName !== 'cosine') {
    throw new SimkitError(
      'UNSUPPORTED',
      `quantization 'i8' works with the cosine distance only (usearch normalises each vector and scales it to −127 … 127, which loses lengths); for '${distanceName}' use 'f16' or 'f32'.`,
      { details: { distance: distanceName, quantization: value } },
    );
  }
  return value as UsearchQuantization;
}

/** Largest vector dimension. */
export const MAX_DIM = 2 ** 16;

/** Largest M (usearch keeps neighbour counts per node in 32 bits; memory runs out long before). */
export const MAX_M = 1024;

/** Largest component f16 storage holds. */
export const F16_MAX = 65504;

/** Checks an integer option in [min, max]. */
export function integerOption(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(`${name} must be an integer from ${min} to ${max}; got ${describe(value)}.`);
  }
  return value;
}
