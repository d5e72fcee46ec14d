import { type ComponentFactory, type Registry, type Search, SimkitError, type Store } from '@simkit/core';
import { LinearSearch } from '@simkit/search-linear';
import { MemoryStore } from '@simkit/store-memory';
import { UsageError } from './errors.js';

/** Search backends the command line can build. */
export const SEARCH_NAMES = ['linear', 'hnsw', 'usearch'] as const;
/** Record stores the command line can build. */
export const STORE_NAMES = ['memory', 'level'] as const;

/** The backend flags of `index` and `import-tfsim`. */
export interface BackendFlags {
  readonly search: string;
  readonly store: string;
  /** HNSW (hnsw, usearch): links per node. */
  readonly m?: number;
  readonly efConstruction?: number;
  readonly efSearch?: number;
  /** usearch: storage of each component. */
  readonly quantization?: string;
}

type UsearchModule = typeof import('@simkit/search-usearch');

/** `@simkit/search-usearch` when it is installed (an optional dependency: it ships native binaries). */
async function usearchModule(): Promise<UsearchModule> {
  try {
    return await import('@simkit/search-usearch');
  } catch (cause) {
    throw new SimkitError(
      'MISSING_COMPONENT',
      'The usearch search needs the optional package @simkit/search-usearch, which is not installed or cannot load on this platform; install it (npm install @simkit/search-usearch) or choose --search hnsw.',
      { cause },
    );
  }
}

/** Builds the search the flags name, for `dim`-dimensional vectors under `distance`. */
export async function makeSearch(flags: BackendFlags, distance: string, dim: number): Promise<Search> {
  const hnsw = {
    ...(flags.m !== undefined && { M: flags.m }),
    ...(flags.efConstruction !== undefined && { efConstruction: flags.efConstruction }),
    ...(flags.efSearch !== undefined && { efSearch: flags.efSearch }),
  };
  if (flags.search !== 'usearch' && flags.quantization !== undefined) {
    throw new UsageError('--quantization applies to --search usearch only.');
  }
  switch (flags.search) {
    case 'linear':
      if (Object.keys(hnsw).length > 0)
        throw new UsageError('--m, --ef-construction and --ef apply to --search hnsw or usearch.');
      return new LinearSearch({ distance, dim });
    case 'hnsw': {
      const { HnswSearch } = await import('@simkit/search-hnsw');
      return new HnswSearch({ distance, dim, ...hnsw });
    }
    case 'usearch': {
      const { UsearchSearch } = await usearchModule();
      const quantization = flags.quantization as 'f32' | 'f16' | 'i8' | undefined;
      return new UsearchSearch({ distance, dim, ...hnsw, ...(quantization !== undefined && { quantization }) });
    }
    default:
      throw new UsageError(`--search ${flags.search}: use one of ${SEARCH_NAMES.join(', ')}.`);
  }
}

/** Builds the store the flags name: records in memory, or in a LevelDB working copy. */
export async function makeStore(flags: BackendFlags): Promise<Store> {
  switch (flags.store) {
    case 'memory':
      return new MemoryStore();
    case 'level': {
      const { LevelStore } = await import('@simkit/store-level');
      return LevelStore.openTemporary();
    }
    default:
      throw new UsageError(`--store ${flags.store}: use one of ${STORE_NAMES.join(', ')}.`);
  }
}

/**
 * What a saved index may need beyond the built-in linear search and memory store: HNSW, a level
 * store (reopened as a working copy that `close()` removes) and, when installed, usearch.
 */
export async function loadRegistry(): Promise<Registry> {
  const [{ HNSW_SEARCH_TYPE, HnswSearch }, { LevelStore }] = await Promise.all([
    import('@simkit/search-hnsw'),
    import('@simkit/store-level'),
  ]);
  const registry: Record<string, ComponentFactory<unknown>> = {
    [HNSW_SEARCH_TYPE]: HnswSearch,
    'level-store': LevelStore.factory(),
  };
  try {
    const { UsearchSearch, USEARCH_SEARCH_TYPE } = await import('@simkit/search-usearch');
    registry[USEARCH_SEARCH_TYPE] = UsearchSearch;
  } catch {
    // Not installed: an index saved with usearch then fails to load with MISSING_COMPONENT, naming the package.
  }
  return registry;
}
