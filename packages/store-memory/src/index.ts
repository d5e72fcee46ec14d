export { MemoryStore, type MemoryStoreConfig, type MemoryStoreOptions } from './memory-store.js';
export type { Compression } from './store-directory.js';
export {
  decodeNpy,
  encodeNpy,
  npyHeader,
  type NpyArray,
  type NpyData,
  type NpyDtype,
  type NpyInput,
} from './npy-codec.js';
export { readNpy, writeNpy, type ReadNpyOptions, type WriteNpyOptions } from './npy-file.js';
