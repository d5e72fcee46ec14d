export { runCli, COMMANDS } from './main.js';
export type { CliIO, Command } from './command.js';
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
export { readTfsimSave } from './tfsim/read-save.js';
export { readNpz, type NpzValue } from './npz.js';
