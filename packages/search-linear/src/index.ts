export {
  LinearSearch,
  type LinearSearchKernel,
  type LinearSearchOptions,
  type LinearSearchStats,
} from './linear-search.js';
