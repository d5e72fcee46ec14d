export {
  SimilarityModel,
  type CalibrationResult,
  type EvaluateClassificationOptions,
  type IndexDataFrame,
  type LabelsLike,
  type QueryLabels,
  type RetrievalMetrics,
} from './similarity-model.js';
export type {
  CompileOptions,
  CreateIndexOptions,
  LoadOptions,
  LossWithDistance,
  ModelCalibrateOptions,
  SaveOptions,
  SimilarityModelOptions,
} from './similarity-model-options.js';
export type { IndexSummary } from './index-summary.js';
export type { InputSpec, ModelInput, NestedArray, TensorData } from './model-input.js';
export { fileIOHandler } from './file-io-handler.js';
export {
  BACKEND_ORDER,
  BACKEND_PACKAGES,
  currentBackend,
  selectBackend,
  type BackendName,
  type SelectBackendOptions,
} from './select-backend.js';
export { registerWasmConvGradients } from './wasm-conv-gradients.js';
export { consoleReporter } from './console-reporter.js';
export {
  DEFAULT_BAR_WIDTH,
  progressBar,
  terminalProgress,
  type TerminalProgress,
  type TerminalProgressOptions,
  type TextStream,
} from './terminal-progress.js';
export type { Reporter, SummaryRow } from './reporter.js';
export {
  trainSimilarityModel,
  type BatchLoss,
  type BatchSource,
  type TrainHistory,
  type TrainOptions,
  type TrainProgressEvent,
  type TrainingBatch,
  type TrainingCallback,
  type TrainingMetric,
  type TrainingStep,
} from './train.js';
export {
  EvalCallback,
  type EvalCallbackOptions,
  type EvalClassificationMetric,
  type Evaluation,
} from './eval-callback.js';
export {
  CONTRASTIVE_ALGORITHMS,
  type ContrastiveAlgorithm,
  ContrastiveModel,
  type ContrastiveModelOptions,
  type ContrastiveProgressEvent,
  type ContrastiveTrainOptions,
  type PairLoss,
  type ViewPair,
  type ViewSource,
} from './contrastive-model.js';
