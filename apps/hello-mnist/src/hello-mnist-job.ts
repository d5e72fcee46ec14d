import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProgressEvent } from '@simkit/core';
import type { CalibrationResult } from '@simkit/evaluators';
import { MultiSimilarityLoss, trainingDistanceMetrics } from '@simkit/losses';
import {
  type BackendName,
  SimilarityModel,
  selectBackend,
  type TrainingMetric,
  trainSimilarityModel,
} from '@simkit/model';
import { MapAtK, PrecisionAtK, RecallAtK } from '@simkit/retrieval-metrics';
import { MultiShotMemorySampler, selectExamples } from '@simkit/samplers';
import { augmentedSource } from './augment.js';
import { type Architecture, buildModel } from './build-model.js';
import { type ConfusionMatrix, confusionMatrix } from './confusion-matrix.js';
import { type Digits, IMAGE_SIZE, head, loadMnist, pick } from './mnist-data.js';
import { PROJECTOR_EPOCHS, projectEmbeddings } from './projector.js';
import type { ProjectedDigits } from './projector-svg.js';
import { type ReloadCheck, compareReload } from './reload-check.js';
import { type GalleryRow, renderReport } from './report-html.js';
import { seededSplit } from './seeded-split.js';

/** The notebook's class order; training sees only the first `trainClasses` of it. */
export const CLASS_ORDER: readonly number[] = [2, 3, 1, 7, 9, 6, 8, 5, 0, 4];
/** Label `match` gives a query with no indexed neighbour within the cutpoint distance. */
export const NO_MATCH = -1;

/** Everything the job can be told; `defaultSettings` holds the tuned values. */
export interface JobSettings {
  readonly seed: number;
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  readonly learningRate: number;
  /** How many classes of CLASS_ORDER are trained on (the notebook: 6). */
  readonly trainClasses: number;
  readonly examplesPerClassPerBatch: number;
  /** Indexed examples of each of the 10 classes (the notebook: 20). */
  readonly indexPerClass: number;
  /** Held-out digits to calibrate on (the notebook: 1,000). */
  readonly calibrationSize: number;
  /** Held-out digits to match and evaluate. */
  readonly testSize: number;
  readonly architecture: Architecture;
  readonly augment: { readonly maxShift: number; readonly maxRotation: number; readonly maxScale: number };
  /** TensorFlow.js backend to try first. */
  readonly backend: BackendName;
  /** Where model, index and report go. */
  readonly outDir: string;
  /** Queries shown in the report's nearest-neighbour gallery (one per class, in class order). */
  readonly galleryQueries: number;
  readonly neighbours: number;
  /** Test digits placed on the report's UMAP map (the first of the shuffled test digits; 0 = none). */
  readonly projectorDigits: number;
  /** UMAP optimisation epochs of that map. */
  readonly projectorEpochs: number;
}

export const defaultSettings: JobSettings = {
  seed: 0,
  epochs: 1,
  stepsPerEpoch: 300,
  learningRate: 0.0005,
  trainClasses: 6,
  examplesPerClassPerBatch: 10,
  indexPerClass: 20,
  calibrationSize: 1000,
  testSize: 1000,
  architecture: {
    deskew: true,
    stemFilters: 96,
    stemKernel: 5,
    stemPool: 4,
    convFilters: [],
    hidden: [256],
    embeddingSize: 128,
    shapeFeatures: 'gradients',
    shapeWeight: 0.6,
    pixelBlur: 3,
  },
  augment: { maxShift: 2, maxRotation: 10, maxScale: 0.1 },
  backend: 'wasm',
  outDir: 'output',
  galleryQueries: 10,
  neighbours: 5,
  projectorDigits: 1000,
  projectorEpochs: PROJECTOR_EPOCHS,
};

/** Progress of any phase; training events also carry the step's loss. */
export type JobProgress = ProgressEvent & { readonly loss?: number; readonly epoch?: number };

export interface JobHooks {
  /** Progress of training, embedding, indexing and calibration. */
  readonly onProgress?: (event: JobProgress) => void;
  /** One line of news about what the job is doing. */
  readonly log?: (line: string) => void;
}

/** The training distance metrics the job records and plots, as TF Similarity names them. */
export const TRAINING_METRICS: readonly string[] = ['dist_gap', 'max_pos', 'min_neg', 'mean_pos', 'mean_neg'];

/** What a run produced, for printing, testing and benchmarking. */
export interface JobResult {
  readonly settings: JobSettings;
  readonly backend: string;
  readonly trainClasses: readonly number[];
  readonly lossHistory: readonly number[];
  /** TF Similarity's training distance metrics of every step (dist_gap, max_pos, min_neg, mean_pos, mean_neg). */
  readonly trainingMetrics: Readonly<Record<string, readonly number[]>>;
  readonly calibration: CalibrationResult;
  /** The optimal cutpoint's calibrated F1. */
  readonly f1: number;
  readonly retrieval: Record<string, number>;
  readonly classification: Record<string, Record<string, number>>;
  readonly confusion: ConfusionMatrix;
  /** First test digits: predicted vs expected label. */
  readonly sampleMatches: ReadonlyArray<{ readonly predicted: number; readonly expected: number }>;
  readonly reload: ReloadCheck;
  readonly indexSize: number;
  /** The test digits' embeddings mapped to 2-D with UMAP, for the report's projector; null when none were projected. */
  readonly projection: ProjectedDigits | null;
  readonly timingsMs: Readonly<Record<string, number>>;
  readonly paths: { readonly outDir: string; readonly model: string; readonly report: string };
}

function asInput(d: Digits) {
  return { data: d.x, shape: [d.rows, IMAGE_SIZE] };
}

/** The first test digit of each class, in CLASS_ORDER, up to `n` of them. */
function galleryPicks(test: Digits, n: number): number[] {
  const picks: number[] = [];
  for (const c of CLASS_ORDER) {
    if (picks.length >= n) break;
    const i = test.y.indexOf(c);
    if (i >= 0) picks.push(i);
  }
  return picks;
}

/**
 * The hello-world of TensorFlow Similarity on real MNIST digits: train on 6 of the
 * 10 classes with multi-similarity loss, index 20 digits of every class, calibrate
 * the match threshold on held-out digits, match and evaluate on the test digits
 * (classes never trained on included), save, reload and check the reload, and
 * write `report.html`.
 */
export async function runJob(settings: JobSettings, hooks: JobHooks = {}): Promise<JobResult> {
  const log = hooks.log ?? (() => {});
  const onProgress = hooks.onProgress ?? (() => {});
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = now - mark;
    mark = now;
  };

  const backend = await selectBackend({ prefer: settings.backend });
  log(`TensorFlow.js backend: ${backend}`);

  const digits = loadMnist();
  const split = seededSplit(digits, { calibration: settings.calibrationSize, test: settings.testSize }, settings.seed);
  const trainClasses = CLASS_ORDER.slice(0, settings.trainClasses);
  log(
    `MNIST: ${digits.rows} digits → ${split.train.rows} train, ${split.calibration.rows} calibration, ${split.test.rows} test (seed ${settings.seed}); training classes ${trainClasses.join(', ')}`,
  );
  lap('data');

  const loss = new MultiSimilarityLoss({ distance: 'cosine' });
  const { model: net, trained } = buildModel(settings.architecture, settings.seed);
  const sim = new SimilarityModel(net, { onProgress });
  sim.createIndex({ distance: loss.distance.name });
  const sampler = new MultiShotMemorySampler({
    x: split.train.x,
    y: split.train.y,
    classList: trainClasses,
    classesPerBatch: trainClasses.length,
    examplesPerClassPerBatch: settings.examplesPerClassPerBatch,
    stepsPerEpoch: settings.stepsPerEpoch,
    seed: settings.seed,
  });
  const source = augmentedSource(sampler, { ...settings.augment, seed: settings.seed });
  log(
    `Training: ${settings.epochs} epoch(s) × ${settings.stepsPerEpoch} steps, batches of ${sampler.batchSize} (${trainClasses.length} classes × ${settings.examplesPerClassPerBatch}), ${loss.name}, adam ${settings.learningRate}`,
  );
  const distanceMetrics = trainingDistanceMetrics(loss.distance);
  const history = await trainSimilarityModel(trained, source, {
    loss,
    metrics: TRAINING_METRICS.map((name) => distanceMetrics.find((m) => m.name === name) as TrainingMetric),
    learningRate: settings.learningRate,
    epochs: settings.epochs,
    stepsPerEpoch: settings.stepsPerEpoch,
    onProgress,
  });
  lap('train');

  const indexed = selectExamples(split.train.x, split.train.y, CLASS_ORDER, settings.indexPerClass, settings.seed);
  const images: number[][] = [];
  for (let i = 0; i < indexed.rows; i++)
    images.push(Array.from(indexed.x.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE)));
  await sim.index({ data: indexed.x, shape: [indexed.rows, IMAGE_SIZE] }, Array.from(indexed.y), images);
  log(`Indexed ${sim.indexSize()} digits (${settings.indexPerClass} of each class)`);
  lap('index');

  const calibration = await sim.calibrate(asInput(split.calibration), split.calibration.y, {
    extraMetrics: ['precision', 'recall', 'binary_accuracy'],
  });
  lap('calibrate');

  const test = split.test;
  const matches = await sim.match(asInput(test), { cutpoint: 'optimal', noMatchLabel: NO_MATCH });
  const confusion = confusionMatrix(test.y, matches, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], NO_MATCH);
  const sampleMatches = Array.from({ length: Math.min(10, test.rows) }, (_, i) => ({
    predicted: matches[i] as number,
    expected: test.y[i] as number,
  }));
  const retrieval = await sim.evaluateRetrieval(asInput(test), test.y, [
    new RecallAtK({ k: 1 }),
    new RecallAtK({ k: 5 }),
    new PrecisionAtK({ k: 5 }),
    new MapAtK({ k: 5 }),
  ]);
  const classification = await sim.evaluateClassification(asInput(test), test.y, {
    extraMetrics: ['precision', 'recall', 'binary_accuracy'],
  });
  lap('evaluate');

  // The embedding projector: a seeded UMAP map of (up to) the first projectorDigits test digits.
  const projected = head(test, Math.min(test.rows, settings.projectorDigits));
  const nNeighbors = Math.min(15, projected.rows - 1);
  let projection: ProjectedDigits | null = null;
  if (nNeighbors >= 2) {
    const embedded = await sim.embed(asInput(projected));
    const minDist = 0.1;
    const map = projectEmbeddings(embedded.data, embedded.rows, embedded.dim, {
      seed: settings.seed,
      nNeighbors,
      minDist,
      nEpochs: settings.projectorEpochs,
      distance: 'cosine',
      onProgress,
    });
    projection = {
      x: map.x,
      y: map.y,
      labels: Int32Array.from(projected.y),
      images: Float32Array.from(projected.x),
      epochs: map.epochs,
      nNeighbors,
      minDist,
    };
    log(`Projected ${projected.rows} test embeddings to 2-D with UMAP (${map.epochs} epochs)`);
  }
  lap('project');

  const picks = galleryPicks(test, settings.galleryQueries);
  const galleryDigits = pick(test, picks);
  const neighbours = await sim.lookup(asInput(galleryDigits), settings.neighbours);
  const gallery: GalleryRow[] = picks.map((_, i) => ({
    query: galleryDigits.x.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE),
    label: galleryDigits.y[i] as number,
    neighbours: (neighbours[i] ?? []).map((n) => ({
      image: Float32Array.from(n.data as number[]),
      label: n.label ?? NO_MATCH,
      distance: n.distance,
    })),
  }));

  await mkdir(settings.outDir, { recursive: true });
  const modelDir = join(settings.outDir, 'model');
  await rm(modelDir, { recursive: true, force: true });
  await sim.save(modelDir);
  const reloaded = await SimilarityModel.load(modelDir);
  const reload = await compareReload(sim, reloaded, asInput(head(test, Math.min(test.rows, 500))), settings.neighbours);
  log(`Saved model + index to ${modelDir} and reloaded it: ${reload.ok ? 'identical' : 'DIFFERENT'}`);
  lap('save-reload');

  const f1 = calibration.cutpoints.optimal?.value ?? Number.NaN;
  const reportPath = join(settings.outDir, 'report.html');
  const partial = {
    settings,
    backend,
    trainClasses,
    lossHistory: history.loss,
    trainingMetrics: history.metrics,
    calibration,
    f1,
    retrieval,
    classification,
    confusion,
    sampleMatches,
    reload,
    indexSize: sim.indexSize(),
    projection,
    paths: { outDir: settings.outDir, model: modelDir, report: reportPath },
  };
  await writeFile(reportPath, renderReport({ ...partial, timingsMs: timings }, gallery));
  lap('report');
  return { ...partial, timingsMs: timings };
}
