export { MAX_PREFIX_LENGTH } from './index-keys.js';
export { DEFAULT_TIMEOUT_MS, type RedisClientLike, type RedisConnectionOptions } from './options.js';
export {
  RedisStore,
  type RedisStoreConfig,
  type RedisStoreFactory,
  type RedisStoreFactoryOptions,
  type RedisStoreOptions,
} from './redis-store.js';
export { REDIS_STORE_FORMAT_VERSION } from './layout-version.js';
