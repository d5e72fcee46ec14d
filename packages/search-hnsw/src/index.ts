export { HnswSearch, HNSW_SEARCH_TYPE } from './hnsw-search.js';
export type { HnswSearchOptions } from './hnsw-options.js';
export { SUPPORTED_DISTANCES } from './hnsw-space.js';
