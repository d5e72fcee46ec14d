import { type ComponentConfig, expectConfig, invalidArgument } from '@simkit/core';

/** Registry key shared by every distance config. */
export const DISTANCE_CONFIG_TYPE = 'distance';
/** Version of the distance config format. */
export const DISTANCE_CONFIG_VERSION = 1;
/** npm package named in saved configs, so a loader can say what to install. */
export const DISTANCES_PACKAGE = '@simkit/distances';

/** The serialised form of a distance: only its canonical name. */
export type DistanceConfig = ComponentConfig<{ name: string }>;

export function distanceConfig(name: string): DistanceConfig {
  return { type: DISTANCE_CONFIG_TYPE, version: DISTANCE_CONFIG_VERSION, package: DISTANCES_PACKAGE, config: { name } };
}

/** Checks type and version of a distance config and returns the name it holds. */
export function distanceNameFromConfig(config: ComponentConfig): string {
  expectConfig(config, DISTANCE_CONFIG_TYPE, DISTANCE_CONFIG_VERSION);
  const name = config.config.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw invalidArgument(
      `A distance config needs config.name, a distance name such as 'cosine'; got ${JSON.stringify(name) ?? 'undefined'}.`,
    );
  }
  return name;
}
