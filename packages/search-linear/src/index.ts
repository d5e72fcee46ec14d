export { LinearSearch, type LinearSearchOptions } from './linear-search.js';
