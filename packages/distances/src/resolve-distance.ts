import { type ComponentConfig, type Distance, describe, invalidArgument } from '@simkit/core';
import type { BaseDistance, PairwiseTensor } from './base-distance.js';
import { CosineDistance } from './cosine-distance.js';
import { distanceNameFromConfig } from './distance-config.js';
import { EuclideanDistance } from './euclidean-distance.js';
import { InnerProductDistance } from './inner-product-distance.js';
import { ManhattanDistance } from './manhattan-distance.js';
import { SNRDistance } from './snr-distance.js';
import { SquaredEuclideanDistance } from './squared-euclidean-distance.js';

const CLASSES: ReadonlyArray<new () => BaseDistance> = [
  CosineDistance,
  EuclideanDistance,
  SquaredEuclideanDistance,
  ManhattanDistance,
  InnerProductDistance,
  SNRDistance,
];

/** Canonical names of the six distances. */
export const DISTANCE_NAMES: readonly string[] = Object.freeze(CLASSES.map((Type) => new Type().name));

/** Every accepted name (canonical and aliases, lower case) → its class. */
const BY_NAME: ReadonlyMap<string, new () => BaseDistance> = new Map(
  CLASSES.flatMap((Type) => {
    const d = new Type();
    return [d.name, ...d.aliases].map((n) => [n, Type] as const);
  }),
);

function looksLikeDistance(value: unknown): value is Distance {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && typeof v.compute === 'function' && typeof v.batch === 'function';
}

/**
 * A distance by name — canonical or alias, any case — or the given Distance
 * object as is. Unknown names throw INVALID_ARGUMENT listing the valid ones.
 */
export function resolveDistance(name: string): Distance<PairwiseTensor>;
export function resolveDistance<T>(distance: Distance<T>): Distance<T>;
export function resolveDistance(nameOrDistance: string | Distance): Distance;
export function resolveDistance(nameOrDistance: string | Distance): Distance {
  if (typeof nameOrDistance === 'string') {
    const Type = BY_NAME.get(nameOrDistance.toLowerCase());
    if (Type === undefined) {
      throw invalidArgument(
        `Unknown distance ${JSON.stringify(nameOrDistance)}; use one of ${DISTANCE_NAMES.join(', ')} (aliases: ${[...BY_NAME.keys()].filter((n) => !DISTANCE_NAMES.includes(n)).join(', ')}) or pass a Distance object.`,
        { name: nameOrDistance, valid: DISTANCE_NAMES },
      );
    }
    return new Type();
  }
  if (looksLikeDistance(nameOrDistance)) return nameOrDistance;
  throw invalidArgument(
    `Expected a distance name (${DISTANCE_NAMES.join(', ')}) or a Distance object; got ${describe(nameOrDistance)}.`,
  );
}

/** Builds the distance a config names (`{ type: 'distance', version: 1, config: { name } }`). */
export function distanceFromConfig(config: ComponentConfig): Distance<PairwiseTensor> {
  return resolveDistance(distanceNameFromConfig(config));
}
