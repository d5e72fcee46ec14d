import { SimkitError, invalidArgument } from './errors.js';

/** The serialised form of every component: what it is, which format version, its settings. */
export interface ComponentConfig<C extends Record<string, unknown> = Record<string, unknown>> {
  /** Registry key, unique across simkit, e.g. `linear-search`, `memory-store`. */
  readonly type: string;
  /** Version of the config format for this type. */
  readonly version: number;
  /** npm package that provides the type, so a loader can say what to install. */
  readonly package?: string;
  readonly config: C;
}

/** Something that can describe itself as a ComponentConfig. */
export interface Configurable {
  /** `{ type, version, package, config }` describing this instance; a registry factory rebuilds it from that. */
  toConfig(): ComponentConfig;
}

/** Turns a config back into an instance. Classes usually provide it as a static `fromConfig`. */
export interface ComponentFactory<T = unknown> {
  /** Builds an instance from what `toConfig` returned. */
  fromConfig(config: ComponentConfig): T | Promise<T>;
}

/**
 * A plain object of factories keyed by config `type`, passed in by the app:
 * `{ 'linear-search': LinearSearch, 'memory-store': MemoryStore }`. No global registry.
 */
export type Registry = Readonly<Record<string, ComponentFactory>>;

/**
 * True for `{ type, version, config }`: a non-empty type, a version that is an integer ≥ 1,
 * a plain config object, and a package name if there is one. A version of NaN, 1.5 or
 * Infinity (say, from a damaged file) is not a config.
 */
export function isComponentConfig(value: unknown): value is ComponentConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.type === 'string' &&
    v.type !== '' &&
    typeof v.version === 'number' &&
    Number.isSafeInteger(v.version) &&
    v.version >= 1 &&
    (v.package === undefined || typeof v.package === 'string') &&
    typeof v.config === 'object' &&
    v.config !== null &&
    !Array.isArray(v.config)
  );
}

/** Builds an instance from its config with the registry; fails with MISSING_COMPONENT naming the package. */
export async function fromConfig<T>(config: unknown, registry: Registry, what = 'component'): Promise<T> {
  if (!isComponentConfig(config)) {
    throw new SimkitError(
      'CORRUPT_INDEX',
      `The saved ${what} config is not of the form { type, version, config }; the file may be damaged or from another program.`,
    );
  }
  const factory = Object.hasOwn(registry, config.type) ? registry[config.type] : undefined;
  if (factory === undefined || typeof factory.fromConfig !== 'function') {
    const pkg = config.package ? ` from ${config.package}` : '';
    throw new SimkitError(
      'MISSING_COMPONENT',
      `The saved ${what} needs type '${config.type}'${pkg}. Install that package and pass it in the registry, e.g. { '${config.type}': TheClass }. Known types: ${Object.keys(registry).join(', ') || '(none)'}.`,
      { details: { type: config.type, package: config.package } },
    );
  }
  return (await factory.fromConfig(config)) as T;
}

/** Checks that a config has the expected type and a version this code can read. */
export function expectConfig(config: ComponentConfig, type: string, maxVersion: number): void {
  if (!isComponentConfig(config)) {
    throw invalidArgument(`Expected a { type, version, config } object for '${type}'.`);
  }
  if (config.type !== type) {
    throw invalidArgument(`Config of type '${config.type}' cannot build a '${type}'.`);
  }
  if (config.version > maxVersion) {
    throw new SimkitError(
      'UNSUPPORTED',
      `Config for '${type}' has version ${config.version}, newer than this package reads (${maxVersion}); upgrade the package.`,
    );
  }
}
