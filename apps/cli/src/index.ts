export { runCli } from './main.js';
export type { CliIO, OutputStream } from './command.js';
export { EXIT } from './errors.js';
export {
  readRows,
  readLabels,
  readData,
  INPUT_FORMATS,
  type InputFormat,
  type Rows,
  type ReadOptions,
} from './inputs.js';
export {
  importTfsim,
  type ImportTfsimOptions,
  type ImportReport,
  type NotCarried,
  type TfsimIndexerSpec,
} from './tfsim/import-tfsim.js';
export { readTfsimSave, type TfsimSave, type ReadTfsimSaveOptions } from './tfsim/read-save.js';
export type { TfsimComponent, TfsimMetadata } from './tfsim/metadata.js';
export { readNpz, type NpzValue, type ReadNpzOptions } from './npz.js';
export { NdArray, type NdDtype, type NdData } from './pickle.js';
