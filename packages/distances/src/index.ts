/**
 * The main entry of `@simkit/distances`: the six distances as scalar and batched
 * `Float32Array` kernels, name resolution and row helpers. The differentiable tfjs
 * `pairwise` lives in the `tensor` entry.
 *
 * @module index
 */
export { CosineDistance } from './cosine-distance.js';
export { EuclideanDistance } from './euclidean-distance.js';
export { SquaredEuclideanDistance } from './squared-euclidean-distance.js';
export { ManhattanDistance } from './manhattan-distance.js';
export { InnerProductDistance } from './inner-product-distance.js';
export { SNRDistance } from './snr-distance.js';
export { BaseDistance, type PairwiseTensor, type PairwiseTensorTypes } from './base-distance.js';
export { DISTANCE_NAMES, distanceFromConfig, resolveDistance } from './resolve-distance.js';
export { normalizeRows } from './normalize-rows.js';
export {
  DISTANCE_CONFIG_TYPE,
  DISTANCE_CONFIG_VERSION,
  DISTANCES_PACKAGE,
  type DistanceConfig,
} from './distance-config.js';
export { dotProducts } from './dot-products.js';
export { squaredNorms } from './squared-norms.js';
