export { USEARCH_SEARCH_TYPE, UsearchSearch, type UsearchSearchStats } from './usearch-search.js';
export { SUPPORTED_DISTANCES, type UsearchQuantization, type UsearchSearchOptions } from './usearch-options.js';
