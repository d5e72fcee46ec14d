// @ts-check
// Turns the model save written by hello-mnist (`pnpm start` → apps/hello-mnist/output/model) into
// the static files the web app fetches: the tfjs model (model.json + weights.bin), the indexed
// records (embeddings, labels, images), the calibration, and a strip of digits to try. Runs in
// Node at build time; the save is loaded with SimilarityModel.load, so every file of it is
// verified before anything is exported.
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SimkitError } from '@simkit/core';
import { SimilarityModel, selectBackend } from '@simkit/model';
import { io } from '@tensorflow/tfjs-core';

/** The version of the asset format written here and read by src/assets.ts. */
export const ASSETS_VERSION = 1;
const SIDE = 28;
const PIXELS = SIDE * SIDE;

/**
 * One digit image (784 values in 0..1) as bytes 0..255.
 * @param {ArrayLike<number>} image
 */
function toBytes(image) {
  const out = new Uint8Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) out[i] = Math.round(Math.min(1, Math.max(0, Number(image[i]))) * 255);
  return out;
}

/**
 * Writes the tfjs layers model as model.json + one weights.bin, the layout tfjs' http loader reads.
 * @param {SimilarityModel} sim
 * @param {string} dir
 */
async function writeModel(sim, dir) {
  /** @type {import('@tensorflow/tfjs-core').io.ModelArtifacts | undefined} */
  let artifacts;
  await sim.model.save(
    io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (artifacts === undefined || artifacts.weightData === undefined) {
    throw new SimkitError('CORRUPT_INDEX', 'The saved model gave no weights to export.');
  }
  const parts = Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
  const weights = Buffer.concat(parts.map((p) => Buffer.from(p)));
  const modelJson = {
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  };
  await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
  await writeFile(join(dir, 'weights.bin'), weights);
  return weights.length;
}

/**
 * The first `perClass` digits of each class in the `mnist` package that are not in the index:
 * digits the model has not been shown as references, to try in the app.
 * @param {Set<string>} indexed keys of the indexed images (their bytes as latin1 text)
 * @param {number} perClass
 */
function stripDigits(indexed, perClass) {
  const require = createRequire(import.meta.url);
  /** @type {ArrayLike<{ raw: ArrayLike<number>, length: number }>} */
  const mnist = require('mnist');
  /** @type {number[]} */
  const labels = [];
  /** @type {Uint8Array[]} */
  const images = [];
  for (let digit = 0; digit < 10; digit++) {
    const cls = mnist[digit];
    if (cls === undefined) continue;
    // Start half way through the class: hello-mnist indexes training digits drawn from everywhere,
    // and the exact-match check below keeps any of them out.
    let taken = 0;
    for (let n = Math.floor(cls.length / 2); n < cls.length && taken < perClass; n++) {
      const bytes = toBytes(Array.prototype.slice.call(cls.raw, n * PIXELS, (n + 1) * PIXELS));
      if (indexed.has(Buffer.from(bytes).toString('latin1'))) continue;
      labels.push(digit);
      images.push(bytes);
      taken++;
    }
  }
  return { labels, images: Buffer.concat(images) };
}

/**
 * Exports the model save in `modelDir` into `outDir` (replacing what is there).
 * @param {{ modelDir: string, outDir: string, stripPerClass?: number }} options
 * @returns {Promise<{ modelId: string, records: number, dim: number, weightBytes: number, strip: number }>}
 */
export async function exportAssets({ modelDir, outDir, stripPerClass = 2 }) {
  await selectBackend({ prefer: 'wasm' });
  const sim = await SimilarityModel.load(modelDir);
  if (!sim.hasIndex || !sim.indexer.isCalibrated || sim.indexer.size() === 0) {
    throw new SimkitError(
      'NOT_CALIBRATED',
      `The model save in ${modelDir} holds no calibrated index. Run \`pnpm start\` (hello-mnist) to write one.`,
    );
  }
  const manifest = JSON.parse(readFileSync(join(modelDir, 'simkit-save.json'), 'utf8'));
  const inputShape = sim.model.inputs[0]?.shape.slice(1);
  if (inputShape === undefined || inputShape.reduce((a, b) => (a ?? 0) * (b ?? 0), 1) !== PIXELS) {
    throw new SimkitError(
      'DIMENSION_MISMATCH',
      `The web app draws 28 × 28 digits; this model takes inputs of shape [${inputShape}].`,
    );
  }
  const frame = await sim.indexer.toDataFrame();
  const summary = sim.indexSummary();
  const images = [];
  const keys = new Set();
  for (let i = 0; i < frame.numRows; i++) {
    const data = frame.columns.data[i];
    const image = Array.isArray(data) ? data : /** @type {{ image?: number[] } | null} */ (data)?.image;
    if (!Array.isArray(image) || image.length !== PIXELS) {
      throw new SimkitError('CORRUPT_INDEX', `Record ${frame.columns.id[i]} holds no 784-value image as its data.`);
    }
    const bytes = toBytes(image);
    images.push(bytes);
    keys.add(Buffer.from(bytes).toString('latin1'));
  }
  const strip = stripDigits(keys, stripPerClass);

  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, 'model'), { recursive: true });
  const weightBytes = await writeModel(sim, join(outDir, 'model'));
  const embeddings = frame.columns.embedding;
  await writeFile(
    join(outDir, 'index-embeddings.f32'),
    new Uint8Array(embeddings.buffer, embeddings.byteOffset, embeddings.byteLength),
  );
  await writeFile(join(outDir, 'index-images.u8'), Buffer.concat(images));
  await writeFile(join(outDir, 'strip-images.u8'), strip.images);
  const assets = {
    format: 'simkit-web-assets',
    version: ASSETS_VERSION,
    modelId: String(manifest.id),
    distance: summary.distance,
    dim: frame.embeddingSize,
    count: frame.numRows,
    labels: Array.from(frame.columns.label, (label, i) => (frame.columns.labelValid[i] === 1 ? label : null)),
    calibration: { metric: sim.indexer.calibrationMetric, result: sim.indexer.calibrationResult },
    strip: { labels: strip.labels },
    files: {
      model: 'model/model.json',
      embeddings: 'index-embeddings.f32',
      images: 'index-images.u8',
      strip: 'strip-images.u8',
    },
  };
  await writeFile(join(outDir, 'assets.json'), `${JSON.stringify(assets, null, 1)}\n`);
  sim.model.dispose();
  return {
    modelId: assets.modelId,
    records: frame.numRows,
    dim: frame.embeddingSize,
    weightBytes,
    strip: strip.labels.length,
  };
}
