/**
 * The locations LevelStores of this process have open, shared by every copy of this
 * package loaded in the process (a global registered under a Symbol.for key).
 *
 * LevelDB's own lock is an OS file lock, which a process holds once: when a second handle
 * of the same directory in the same process fails to open, closing it releases the lock
 * the first handle still relies on, and another process may then open the store too. So a
 * second open in this process is refused here, before LevelDB is touched.
 */
interface OpenLocations {
  readonly keys: Set<string>;
}

const REGISTRY_KEY = Symbol.for('@simkit/store-level/open-locations');

function registry(): OpenLocations {
  const g = globalThis as Record<symbol, OpenLocations | undefined>;
  g[REGISTRY_KEY] ??= { keys: new Set() };
  return g[REGISTRY_KEY];
}

/** Claims `key` for one store; false when a store of this process already holds it. */
export function claimLocation(key: string): boolean {
  const { keys } = registry();
  if (keys.has(key)) return false;
  keys.add(key);
  return true;
}

/** Gives up a claim once the store's LevelDB is closed (or failed to open). */
export function releaseLocation(key: string): void {
  registry().keys.delete(key);
}
