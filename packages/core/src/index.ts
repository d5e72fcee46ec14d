/**
 * The main entry of `@simkit/core`: contracts (Search, Store, Distance, embedding batches),
 * `SimkitError` and its codes, shared input checks, progress and log ports, the atomic-save
 * protocol and the config round trip.
 *
 * @module index
 */
export { SimkitError, invalidArgument, type SimkitErrorCode } from './errors.js';
export {
  assertFinite,
  assertNonNegativeInteger,
  assertPositiveInteger,
  batch,
  describe,
  isNumericTypedArray,
  row,
  toBatch,
  toIds,
  type EmbeddingBatch,
  type EmbeddingsInput,
  type NumericTypedArray,
} from './embeddings.js';
export {
  expectConfig,
  fromConfig,
  isComponentConfig,
  type ComponentConfig,
  type ComponentFactory,
  type Configurable,
  type Registry,
} from './config.js';
export {
  noProgress,
  silentLogger,
  type LogLevel,
  type Logger,
  type ProgressEvent,
  type ProgressHandler,
} from './ports.js';
export type { Distance } from './distance.js';
export type { AddOptions, LookupOptions, Neighbors, Search, SearchSupports } from './search.js';
export type { LabelsInput, Store, StoreRecord, StoreSupports } from './store.js';
export { checkData, checkLabels, dataToJson, type CheckedLabels } from './records.js';
export {
  checkAddInput,
  checkLookupInput,
  checkOptions,
  checkedCount,
  unsupported,
  type CountBounds,
} from './checks.js';
export {
  clusteredVectors,
  mixSeed,
  randomInt,
  randomVectors,
  rngFor,
  sampleWithReplacement,
  sampleWithoutReplacement,
  seededPermutation,
  seededRandom,
  shuffleInPlace,
  type MutableNumbers,
  type Rng,
} from './random.js';
export { crc32 } from './crc32.js';
export { errnoCode, fileError, ioError, isOsFailure } from './io-errors.js';
export { readRegularFile, scanRegularFile, type ReadRegularFileOptions } from './file-reads.js';
export { writeSave, type SaveInfo, type WriteSaveOptions } from './atomic-save.js';
export { openSave, type OpenSaveOptions, type OpenedSave } from './open-save.js';
export { MAX_MANIFEST_BYTES, SAVE_MANIFEST, type SavedFile } from './save-manifest.js';
export { OperationLock } from './operation-lock.js';
export {
  MAX_TIMEOUT_MS,
  checkTimeout,
  readReferenceSave,
  unavailable,
  withTimeout,
  withoutPassword,
  writeReferenceSave,
} from './server-backends.js';
