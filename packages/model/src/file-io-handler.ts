import { SimkitError, invalidArgument, nodeFiles } from '@simkit/core';
import { io } from '@tensorflow/tfjs-core';

/** File names written into the model directory. */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * A tfjs IOHandler that saves a model as `model.json` + `weights.bin` in `dir`
 * (the format `tf.loadLayersModel('file://…')` of tfjs-node reads) and loads it back,
 * using only `node:fs` (loaded on first use). In browsers use tfjs' own `indexeddb://` or `downloads://` URLs instead.
 */
export function fileIOHandler(dir: string): io.IOHandler {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw invalidArgument('fileIOHandler(dir) needs a directory path.');
  }
  return {
    async save(artifacts: io.ModelArtifacts): Promise<io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new SimkitError(
          'UNSUPPORTED',
          'Binary (GraphDef) model topologies cannot be saved to files here; save a LayersModel.',
        );
      }
      const { fs, path } = await nodeFiles();
      const { join } = path;
      const weights = new Uint8Array(io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
      const modelJson: io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? 'TensorFlow.js',
        convertedBy: artifacts.convertedBy ?? null,
      };
      if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature !== undefined) modelJson.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer !== undefined) modelJson.modelInitializer = artifacts.modelInitializer;
      try {
        await fs.mkdir(dir, { recursive: true });
        // Weights first: a model.json is only ever written next to complete weights.
        await fs.writeFile(join(dir, WEIGHTS_BIN), weights);
        await fs.writeFile(join(dir, MODEL_JSON), JSON.stringify(modelJson));
      } catch (cause) {
        throw new SimkitError(
          'INVALID_ARGUMENT',
          `Could not save the model into '${dir}' (${cause instanceof Error ? cause.message : String(cause)}); pass a path where a directory can be written.`,
          { cause },
        );
      }
      return { modelArtifactsInfo: io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<io.ModelArtifacts> {
      const { fs, path } = await nodeFiles();
      const { isAbsolute, join, normalize } = path;
      let text: string;
      try {
        text = await fs.readFile(join(dir, MODEL_JSON), 'utf8');
      } catch (cause) {
        throw new SimkitError('CORRUPT_INDEX', `No ${MODEL_JSON} in '${dir}'. Pass the directory that save() wrote.`, {
          cause,
        });
      }
      let modelJson: io.ModelJSON;
      try {
        modelJson = JSON.parse(text) as io.ModelJSON;
      } catch (cause) {
        throw new SimkitError('CORRUPT_INDEX', `'${join(dir, MODEL_JSON)}' is not valid JSON; the file is damaged.`, {
          cause,
        });
      }
      if (typeof modelJson !== 'object' || modelJson === null || modelJson.modelTopology == null) {
        throw new SimkitError(
          'CORRUPT_INDEX',
          `'${join(dir, MODEL_JSON)}' has no modelTopology; it is not a tfjs model file.`,
        );
      }
      return io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const parts: ArrayBuffer[] = [];
        for (const group of manifest ?? []) {
          for (const file of group.paths) {
            const local = normalize(file);
            if (isAbsolute(local) || local.startsWith('..')) {
              throw new SimkitError(
                'CORRUPT_INDEX',
                `Weight file '${file}' points outside '${dir}'; refusing to read it.`,
              );
            }
            try {
              parts.push(toArrayBuffer(await fs.readFile(join(dir, local))));
            } catch (cause) {
              throw new SimkitError('CORRUPT_INDEX', `Weight file '${file}' is missing from '${dir}'.`, { cause });
            }
          }
        }
        return [io.getWeightSpecs(manifest ?? []), io.CompositeArrayBuffer.join(parts)];
      });
    },
  };
}
