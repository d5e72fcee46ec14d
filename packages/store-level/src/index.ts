export {
  LevelStore,
  type LevelStoreFactory,
  type LevelStoreFactoryOptions,
  type LevelStoreOptions,
} from './level-store.js';
export { LEVEL_STORE_FORMAT_VERSION } from './store-meta.js';
