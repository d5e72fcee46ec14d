export { Indexer, INDEX_SAVE_KIND, defaultRegistry } from './indexer.js';
export type {
  CalibrateOptions,
  EvaluateClassificationOptions,
  IndexerLoadOptions,
  IndexerOptions,
  MatchOptions,
} from './indexer.js';
export type { Lookup } from './lookup.js';
export type { IndexStats, LookupTimeStats } from './stats.js';
export type { IndexDataFrame } from './data-frame.js';
