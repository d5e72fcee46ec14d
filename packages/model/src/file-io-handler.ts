import { type OpenedSave, SimkitError, fileError, invalidArgument, openSave, writeSave } from '@simkit/core';
import { nodeFiles } from '@simkit/core/node';
import { io } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** File names written into a model save (inside its generation directory). */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
/** The kind of save a SimilarityModel (and `fileIOHandler`) writes; see `writeSave` in @simkit/core. */
export const MODEL_SAVE_KIND = 'similarity-model';
/** A real model.json (topology + weight list) is far smaller; a bigger one is refused before it is read. */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;

/** Bytes per saved value of each tfjs dtype (strings have no fixed size). */
const BYTES_PER_VALUE: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** A model in the two files of a save: the tfjs `model.json` text and the `weights.bin` bytes. */
export interface ModelFiles {
  readonly modelJson: string;
  readonly weights: Uint8Array;
}

function corrupt(where: string, problem: string, cause?: unknown): SimkitError {
  return new SimkitError('CORRUPT_INDEX', `The model saved in ${where} cannot be loaded: ${problem}. Save it again.`, {
    details: { dir: where },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * The model's topology and weights (and the optimizer state with `includeOptimizer`),
 * serialised by tfjs into memory: nothing is written anywhere.
 */
export async function captureModel(model: LayersModel, includeOptimizer: boolean): Promise<io.ModelArtifacts> {
  let captured: io.ModelArtifacts | undefined;
  try {
    await model.save(
      io.withSaveHandler(async (artifacts) => {
        captured = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
      { includeOptimizer },
    );
  } catch (cause) {
    if (SimkitError.isInstance(cause)) throw cause;
    throw new SimkitError(
      'INVALID_ARGUMENT',
      `tfjs could not serialise the model (${cause instanceof Error ? cause.message : String(cause)}); save a LayersModel whose layers and losses can be serialised, or pass includeOptimizer: false.`,
      { cause },
    );
  }
  if (captured === undefined) throw invalidArgument('tfjs saved nothing for the model; save a LayersModel.');
  return captured;
}

/** The files of a model save for `artifacts`, in tfjs' own `model.json` + `weights.bin` format. */
export function modelFiles(artifacts: io.ModelArtifacts): ModelFiles {
  if (artifacts.modelTopology instanceof ArrayBuffer || artifacts.modelTopology == null) {
    throw new SimkitError(
      'UNSUPPORTED',
      'Only layers models with a JSON topology can be saved to files here (not GraphDef models); save a LayersModel.',
    );
  }
  const weights = new Uint8Array(io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
  const modelJson: io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? 'TensorFlow.js',
    convertedBy: artifacts.convertedBy ?? null,
  };
  if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature !== undefined) modelJson.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.modelInitializer !== undefined) modelJson.modelInitializer = artifacts.modelInitializer;
  if (artifacts.initializerSignature !== undefined) modelJson.initializerSignature = artifacts.initializerSignature;
  return { modelJson: JSON.stringify(modelJson), weights };
}

/** Writes `model.json` and `weights.bin` into `dir` (a generation directory that `writeSave` gave). */
export async function writeModelFiles(dir: string, files: ModelFiles): Promise<void> {
  const { fs, path } = await nodeFiles();
  for (const [name, content] of [
    [WEIGHTS_BIN, files.weights],
    [MODEL_JSON, files.modelJson],
  ] as const) {
    try {
      await fs.writeFile(path.join(dir, name), content);
    } catch (cause) {
      throw fileError(
        `Writing ${name}`,
        cause,
        (c) =>
          new SimkitError(
            'INVALID_ARGUMENT',
            `Could not write ${name} of the model (${c instanceof Error ? c.message : String(c)}); pass a directory where files can be written.`,
            { cause: c },
          ),
      );
    }
  }
}

/** A weight file named in model.json, as a path inside the save (`./weights.bin` → `weights.bin`). */
function weightFile(where: string, opened: OpenedSave, path: unknown): string {
  const rel = typeof path === 'string' ? path.replace(/^(\.\/)+/, '') : '';
  if (!opened.has(rel)) {
    throw corrupt(where, `its model.json names the weight file ${JSON.stringify(path)}, which the save does not hold`);
  }
  return rel;
}

/**
 * Checks the weight list against the weight bytes before tfjs allocates anything from it:
 * every entry well formed, and the values they declare exactly filling the bytes.
 */
function checkWeightSpecs(where: string, specs: unknown, bytes: number): io.WeightsManifestEntry[] {
  if (!Array.isArray(specs)) throw corrupt(where, 'its weight list is not an array');
  let expected = 0;
  let hasStrings = false;
  for (const spec of specs as unknown[]) {
    const s = spec as Partial<io.WeightsManifestEntry> | null;
    if (typeof s !== 'object' || s === null || typeof s.name !== 'string' || !Array.isArray(s.shape)) {
      throw corrupt(where, 'an entry of its weight list is not valid');
    }
    const quantized = s.quantization?.dtype;
    const dtype = quantized ?? s.dtype;
    if (dtype === 'string' && quantized === undefined) {
      hasStrings = true;
      continue;
    }
    const perValue = typeof dtype === 'string' ? BYTES_PER_VALUE[dtype] : undefined;
    if (perValue === undefined) throw corrupt(where, `weight ${s.name} has an unknown dtype ${JSON.stringify(dtype)}`);
    let size = perValue;
    for (const d of s.shape as unknown[]) {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
        throw corrupt(where, `weight ${s.name} has an invalid shape`);
      }
      size *= d;
      if (size > bytes) throw corrupt(where, `weight ${s.name} needs more bytes than the weights file holds`);
    }
    expected += size;
    if (expected > bytes) throw corrupt(where, `its weights need more bytes than the ${bytes} in the weights file`);
  }
  if (!hasStrings && expected !== bytes) {
    throw corrupt(where, `its weights need ${expected} bytes but the weights file holds ${bytes}`);
  }
  return specs as io.WeightsManifestEntry[];
}

/**
 * The model artifacts of an opened model save, for tfjs: `model.json` (bounded) and the
 * weight files it names, each read once and verified against the save's checksums, and the
 * weight list checked against the weight bytes. A damaged or crafted save is CORRUPT_INDEX.
 */
export async function readModelArtifacts(opened: OpenedSave, where: string): Promise<io.ModelArtifacts> {
  const text = await opened.readText(MODEL_JSON, { maxBytes: MAX_MODEL_JSON_BYTES });
  let json: io.ModelJSON;
  try {
    json = JSON.parse(text) as io.ModelJSON;
  } catch (cause) {
    throw corrupt(where, `its ${MODEL_JSON} is not valid JSON`, cause);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw corrupt(where, `its ${MODEL_JSON} is not a JSON object`);
  }
  if (typeof json.modelTopology !== 'object' || json.modelTopology === null || Array.isArray(json.modelTopology)) {
    throw corrupt(where, `its ${MODEL_JSON} has no modelTopology; it is not a tfjs layers model`);
  }
  const groups: unknown = json.weightsManifest ?? [];
  if (!Array.isArray(groups)) throw corrupt(where, `its ${MODEL_JSON} has an invalid weightsManifest`);
  const seen = new Set<string>();
  const parts: ArrayBuffer[] = [];
  let bytes = 0;
  const specs: unknown[] = [];
  for (const group of groups as unknown[]) {
    const g = group as Partial<io.WeightsManifestConfig[number]> | null;
    if (typeof g !== 'object' || g === null || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      throw corrupt(where, `its ${MODEL_JSON} has an invalid weightsManifest`);
    }
    for (const file of g.paths) {
      const rel = weightFile(where, opened, file);
      // Each weight file is read once: a model.json naming one file many times is not ours.
      if (seen.has(rel)) throw corrupt(where, `its ${MODEL_JSON} names the weight file ${rel} twice`);
      seen.add(rel);
      const data = await opened.read(rel);
      bytes += data.byteLength;
      parts.push(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
    }
    specs.push(...g.weights);
  }
  const weightSpecs = checkWeightSpecs(where, specs, bytes);
  const weightData = io.CompositeArrayBuffer.join(parts);
  return io.getModelArtifactsForJSON(json, async () => [weightSpecs, weightData]);
}

/**
 * A tfjs IOHandler that saves a model atomically into the directory `dir` as a model save
 * (the protocol of `writeSave` in @simkit/core: `simkit-save.json` + one generation holding
 * tfjs' `model.json` + `weights.bin`), replacing whatever model save `dir` held, and loads it
 * back verified. `SimilarityModel.load(dir)` reads such a directory as a model without index.
 * In browsers use tfjs' own `indexeddb://` or `downloads://` URLs instead.
 */
export function fileIOHandler(dir: string): io.IOHandler {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw invalidArgument('fileIOHandler(dir) needs a directory path.');
  }
  return {
    async save(artifacts: io.ModelArtifacts): Promise<io.SaveResult> {
      const files = modelFiles(artifacts);
      await writeSave(dir, MODEL_SAVE_KIND, (gen) => writeModelFiles(gen, files));
      return { modelArtifactsInfo: io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<io.ModelArtifacts> {
      const opened = await openSave(dir, MODEL_SAVE_KIND);
      if (!opened.has(MODEL_JSON)) throw noModel(dir);
      return readModelArtifacts(opened, `'${dir}'`);
    },
  };
}

/** The error for a model save that holds only an index (its model went to another destination). */
export function noModel(dir: string): SimkitError {
  return new SimkitError(
    'NOT_FOUND',
    `The save in '${dir}' holds no model, only an index (it was written by saveIndex() or by save() with modelDestination). Pass modelSource to say where the model is, or load just the index with loadIndex().`,
    { details: { dir } },
  );
}
