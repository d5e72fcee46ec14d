/**
 * Lower bounds on what `distance.compute` can return for a key the WebAssembly kernel did not
 * keep as a candidate, from the kernel's float32 score. A query's answer is proven exact when the
 * bound lies above its k-th distance: then no key outside the candidates can enter or tie the
 * top k. The bounds are loose on purpose (each error term is at least doubled); a loose bound
 * only sends a query to the exact fallback scan more often, never gives a wrong answer.
 *
 * Error model. The kernel sums `dim` float32 products per pair in at most `dim + 4` roundings
 * (lane sums, the reduction of the four lanes, the tail), so with u = 2⁻²⁴ its dot product D
 * differs from the exact q·k by at most γ(dim + 4)·Σ|qᵢkᵢ| ≤ γ·‖q‖‖k‖, where γ(n) = nu/(1 − nu);
 * a fused multiply-add only rounds less. `compute` sums in float64, off by at most
 * γ₆₄(dim + 8) relative to the sum of absolute terms.
 */

const U32 = 2 ** -24;
const U64 = 2 ** -53;
/** Beyond this the float32 scores may overflow; the caller then proves nothing and falls back. */
const SAFE_MAGNITUDE = 1e36;

function gamma(n: number, u: number): number {
  return (n * u) / (1 - n * u);
}

/** Bound on |D − q·k| for the float32 kernel: γ(dim + 4)·‖q‖·max‖k‖. */
export function float32DotError(dim: number, queryNorm: number, maxKeyNorm: number): number {
  return gamma(dim + 4, U32) * queryNorm * maxKeyNorm;
}

/**
 * Bound on |D − q·k| for the coded kernels, which multiply integer codes: q̃ (the query's codes,
 * decoded; off by at most e = max|qᵢ − q̃ᵢ| per value and by ‖q − q̃‖₂ = e₂ in all) against k̃
 * (the key's codes, decoded). For int8 storage k̃ is the stored key itself; for the int16 screen
 * it differs from the float32 key k by ‖k − k̃‖₂ ≤ `keyCodingError`. So
 * q·k − q̃·k̃ = q·(k − k̃) + (q − q̃)·k̃ is at most ‖q‖·keyCodingError + min(e·‖k̃‖₁, e₂·‖k̃‖₂)
 * (the coding term, with ‖k̃‖₂ ≤ ‖k‖ + keyCodingError). The kernel then sums the products in
 * int32 exactly and rounds to float32 `roundings` times along the way (int8: once, at the end;
 * the screen: once per 32 codes and lane, and in the lane sums), so D is off from q̃·k̃ by at
 * most γ(roundings)·Σ|q̃ᵢk̃ᵢ| ≤ γ(roundings)·‖q̃‖‖k̃‖ (the power-of-two scales multiply exactly);
 * that part is doubled. The coding term is computed from exact differences in float64 (with a
 * margin of a few ulps where it was recorded) and is not.
 */
export function codedDotError(
  query: { readonly norm: number; readonly error: number; readonly errorNorm: number },
  keys: { readonly maxNorm: number; readonly maxL1: number; readonly maxCodingError: number },
  roundings: number,
): number {
  const queryTerm = Math.min(query.error * keys.maxL1, query.errorNorm * (keys.maxNorm + keys.maxCodingError));
  const coding = queryTerm + query.norm * keys.maxCodingError;
  const magnitude = (query.norm + query.errorNorm) * (keys.maxNorm + keys.maxCodingError);
  return coding + 2 * gamma(roundings, U32) * magnitude;
}

/** Float32 roundings in the screen's sum for `dim` values: one per 32 codes and lane, the lane sums, one spare. */
export function screenRoundings(dim: number): number {
  return Math.ceil(dim / 32) + 4;
}

/**
 * Cosine (`max(1 − q·k, 0)` on unit vectors) and inner product (`1 − q·k`): the kernel's score
 * is −D, with |D − q·k| ≤ `dotError`. For every key with score ≥ `worst`,
 * q·k ≤ −worst + dotError, and `compute` is at least 1 + worst − dotError − γ₆₄‖q‖‖k‖.
 * Returns that bound (−∞ when nothing can be proven).
 */
export function dotLowerBound(
  worst: number,
  dotError: number,
  queryNorm: number,
  maxKeyNorm: number,
  dim: number,
): number {
  const scale = queryNorm * maxKeyNorm;
  if (!(scale < SAFE_MAGNITUDE) || !Number.isFinite(worst) || !Number.isFinite(dotError)) {
    return Number.NEGATIVE_INFINITY;
  }
  const error = 2 * (dotError + gamma(dim + 8, U64) * scale);
  const value = 1 + worst - error;
  // The float64 arithmetic above and in `1 − dot` rounds too: subtract a few ulps of the magnitudes involved.
  return value - 8 * U64 * (1 + Math.abs(worst) + error);
}

/**
 * Euclidean and squared euclidean: the kernel's score is s = fl(n − 2D), with n the key's
 * ‖k‖² rounded to float32 and |D − q·k| ≤ `dotError`. For every key with s ≥ `worst`,
 * ‖q − k‖² = ‖q‖² + ‖k‖² − 2q·k ≥ ‖q‖² + worst − u|worst| − u‖k‖² − 2·dotError (each term
 * doubled below), and `compute` sums the squared differences in float64, losing at most a
 * relative γ₆₄(dim + 8). Returns the bound on `compute` (the square root of it for euclidean),
 * or −∞ when nothing can be proven.
 */
export function expansionLowerBound(
  worst: number,
  dotError: number,
  queryNormSquared: number,
  maxKeyNorm: number,
  dim: number,
  root: boolean,
): number {
  const keySquared = maxKeyNorm * maxKeyNorm;
  if (
    !(keySquared < SAFE_MAGNITUDE) ||
    !(queryNormSquared < SAFE_MAGNITUDE) ||
    !Number.isFinite(worst) ||
    !(Math.abs(worst) < SAFE_MAGNITUDE) ||
    !Number.isFinite(dotError)
  ) {
    return Number.NEGATIVE_INFINITY;
  }
  const error = 2 * (U32 * Math.abs(worst) + (U32 + gamma(dim + 8, U64)) * keySquared + 2 * dotError);
  const exact = queryNormSquared + worst - error - 8 * U64 * (queryNormSquared + Math.abs(worst) + error);
  const summed = exact * (1 - 2 * gamma(dim + 8, U64));
  if (!(summed > 0)) return 0;
  return root ? Math.sqrt(summed) : summed;
}
