export {
  PAD_DISTANCE,
  PAD_LABEL,
  assertLookupsPresent,
  checkLookupMatrix,
  toLookupMatrix,
  type LookupEntry,
  type LookupMatrix,
  type ToLookupMatrixOptions,
} from './lookup-matrix.js';
export { deriveChecked, isMatcher, type DerivedMatch, type Matcher } from './matcher.js';
export { MatchNearest } from './match-nearest.js';
export { MatchMajorityVote } from './match-majority-vote.js';
export { MATCHER_NAMES, makeMatcher } from './make-matcher.js';
export { countAtThresholds, sortedUnique } from './threshold-counts.js';
export { roundDistance, roundDistances } from './rounding.js';
export type { CalibrationResult, ClassificationEvaluation, Cutpoint } from './cutpoint.js';
export type { CalibrateOptions, Evaluator, MatchOptions } from './evaluator.js';
export { MemoryEvaluator, type MemoryEvaluatorConfig, type MemoryEvaluatorOptions } from './memory-evaluator.js';
export { formatCutpoints, formatMetrics, type FormatOptions } from './format-table.js';
