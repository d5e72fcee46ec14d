import { type ClassificationMetric, makeClassificationMetric } from '@simkit/classification-metrics';
import { type ProgressHandler, SimkitError, checkData, noProgress } from '@simkit/core';
import { resolveDistance } from '@simkit/distances';
import type { CalibrationResult, Cutpoint } from '@simkit/evaluators';
import { Indexer } from '@simkit/indexer';
import { type DataTally, emptyTally, toData, toEmbeddings, toLabels } from './convert.js';
import type { TfsimMetadata } from './metadata.js';
import { type TfsimSave, readTfsimSave } from './read-save.js';

/** What `makeIndexer` is asked to build: the index's settings read from the save. */
export interface TfsimIndexerSpec {
  /** simkit's canonical name of the saved distance. */
  readonly distance: string;
  readonly embeddingSize: number;
  readonly statBufferSize: number;
  readonly embeddingOutput: number | null;
}

/** Options of `importTfsim`. */
export interface ImportTfsimOptions {
  /**
   * Builds the empty index the records go into (for example with an HnswSearch or a LevelStore).
   * Default `new Indexer(spec)`: an exact LinearSearch and a MemoryStore.
   */
  readonly makeIndexer?: (spec: TfsimIndexerSpec) => Indexer | Promise<Indexer>;
  /** Told as records are added (task `import`, `done` of `total` records). Default silent. */
  readonly onProgress?: ProgressHandler;
  /** Most bytes `index.npz` may have, and may inflate to. Default 1 GiB. */
  readonly maxBytes?: number;
}

/** Something of the TensorFlow Similarity save that the simkit index does not hold as it was. */
export interface NotCarried {
  /** What it is, e.g. `search structure (NMSLibSearch)`. */
  readonly what: string;
  /** Why, and what simkit does instead. */
  readonly why: string;
}

/** What `importTfsim` read and what it could not carry over. */
export interface ImportReport {
  /** Records added to the index. */
  readonly records: number;
  readonly embeddingSize: number;
  /** simkit's canonical name of the distance. */
  readonly distance: string;
  /** True when the calibration was restored, so `match` works right away. */
  readonly calibrated: boolean;
  /** What was carried over, one line each. */
  readonly carried: string[];
  /** Everything that was not carried over as it was, and why. */
  readonly notCarried: NotCarried[];
}

/** Records added per batchAdd call (and per progress report). */
const ROWS_PER_BATCH = 4096;

/**
 * Imports an index saved by TensorFlow Similarity (`Indexer.save` / `SimilarityModel.save_index`,
 * releases 0.13 to 0.18, MemoryStore only) into a new simkit `Indexer`: every record (embedding,
 * label, data), the distance, the index settings and the calibration, so that `lookup` and
 * `match` work right after. The search structure is built again by the simkit search; the
 * report lists that and everything else that could not be carried over as it was.
 *
 * The save is read and checked completely before the index is built: a damaged or hostile save
 * adds nothing. Nothing in it is executed (pickled data is read by a restricted reader).
 *
 * @throws SimkitError NOT_FOUND (no save in `dir`), CORRUPT_INDEX (damaged or inconsistent
 *   files), UNSUPPORTED (stores other than MemoryStore, unknown distances, labels that are not
 *   integers), INVALID_ARGUMENT (bad options, or an index from `makeIndexer` that does not fit).
 */
export async function importTfsim(
  dir: string,
  options: ImportTfsimOptions = {},
): Promise<{ indexer: Indexer; report: ImportReport }> {
  if (typeof options !== 'object' || options === null) {
    throw new SimkitError('INVALID_ARGUMENT', 'importTfsim options must be an object.');
  }
  const { makeIndexer, onProgress = noProgress, maxBytes } = options;
  if (makeIndexer !== undefined && typeof makeIndexer !== 'function') {
    throw new SimkitError('INVALID_ARGUMENT', 'makeIndexer must be a function (spec) => Indexer.');
  }
  if (typeof onProgress !== 'function') {
    throw new SimkitError('INVALID_ARGUMENT', 'onProgress must be a function (event) => void.');
  }
  const save = await readTfsimSave(dir, maxBytes === undefined ? {} : { maxBytes });
  const md = save.metadata;
  const where = save.npzPath;
  const carried: string[] = [];
  const notCarried: NotCarried[] = [];

  let distanceName: string;
  try {
    distanceName = resolveDistance(md.distance).name;
  } catch (cause) {
    throw new SimkitError(
      'UNSUPPORTED',
      `The TensorFlow Similarity index in '${dir}' uses the distance '${md.distance}', which simkit does not have (a custom distance?); simkit has cosine, euclidean, squared_euclidean, manhattan, inner_product and snr.`,
      { cause },
    );
  }
  const embeddings = toEmbeddings(save.embeddings, md.size, md.embeddingSize, where);
  const { labels, present } = toLabels(save.labels, md.size, where);
  const tally = emptyTally();
  const data = toData(save.data, md.size, where, tally);
  try {
    checkData(data, md.size);
  } catch (cause) {
    throw new SimkitError(
      'CORRUPT_INDEX',
      `${where}: the data could not be converted to JSON values (${(cause as Error).message}).`,
      {
        cause,
      },
    );
  }
  const calibration = md.isCalibrated ? readCalibration(md, notCarried) : undefined;

  const spec: TfsimIndexerSpec = {
    distance: distanceName,
    embeddingSize: md.embeddingSize,
    statBufferSize: md.statBufferSize,
    embeddingOutput: md.embeddingOutput,
  };
  const indexer = makeIndexer === undefined ? new Indexer({ ...spec }) : await makeIndexer(spec);
  checkIndexer(indexer, spec);

  const d = md.embeddingSize;
  const labelsOrNull = present === 0 ? null : labels;
  const anyData = data.some((x) => x !== null);
  onProgress({ task: 'import', done: 0, total: md.size });
  for (let start = 0; start < md.size; start += ROWS_PER_BATCH) {
    const end = Math.min(md.size, start + ROWS_PER_BATCH);
    await indexer.batchAdd(
      { data: embeddings.data.subarray(start * d, end * d), rows: end - start, dim: d },
      labelsOrNull === null ? null : labelsOrNull.slice(start, end),
      anyData ? data.slice(start, end) : null,
    );
    onProgress({ task: 'import', done: end, total: md.size });
  }

  if (calibration !== undefined) {
    try {
      await indexer.restoreCalibration(calibration.result, calibration.metric);
    } catch (cause) {
      throw new SimkitError(
        'CORRUPT_INDEX',
        `The calibration saved in '${dir}' cannot be restored: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  describeCarried(save, md, { distanceName, from: embeddings.from, present, calibration, carried });
  describeNotCarried(save, md, distanceName, tally, notCarried);
  return {
    indexer,
    report: {
      records: md.size,
      embeddingSize: d,
      distance: distanceName,
      calibrated: calibration !== undefined,
      carried,
      notCarried,
    },
  };
}

function checkIndexer(indexer: Indexer, spec: TfsimIndexerSpec): void {
  if (!(indexer instanceof Indexer)) {
    throw new SimkitError('INVALID_ARGUMENT', 'makeIndexer must return an Indexer from @simkit/indexer.');
  }
  const problems: string[] = [];
  if (indexer.embeddingSize !== spec.embeddingSize)
    problems.push(`embeddingSize ${indexer.embeddingSize} instead of ${spec.embeddingSize}`);
  if (indexer.distance.name !== spec.distance)
    problems.push(`distance '${indexer.distance.name}' instead of '${spec.distance}'`);
  if (indexer.size() !== 0) problems.push(`${indexer.size()} records already (it must be empty)`);
  if (problems.length > 0) {
    throw new SimkitError(
      'INVALID_ARGUMENT',
      `The Indexer from makeIndexer does not fit the saved index: ${problems.join('; ')}. Build it from the spec it is given.`,
    );
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface ReadCalibration {
  readonly result: CalibrationResult;
  readonly metric: ClassificationMetric;
}

/**
 * The saved calibration, checked. Damaged structure is CORRUPT_INDEX; a metric simkit does not
 * have or values simkit cannot hold (NaN) leave the index uncalibrated, as the report says.
 */
function readCalibration(md: TfsimMetadata, notCarried: NotCarried[]): ReadCalibration | undefined {
  const cps = md.cutpoints;
  const th = md.thresholds;
  if (!isRecord(cps) || Object.keys(cps).length === 0 || !Object.values(cps).every(isRecord)) {
    throw new SimkitError(
      'CORRUPT_INDEX',
      "index_metadata.json says is_calibrated but its 'cutpoints' are not an object of cutpoints; save the index again.",
    );
  }
  if (!isRecord(th) || !Object.values(th).every(Array.isArray)) {
    throw new SimkitError(
      'CORRUPT_INDEX',
      "index_metadata.json says is_calibrated but its 'calibration_thresholds' are not an object of arrays; save the index again.",
    );
  }
  const canonical = md.calibrationMetric?.canonicalName ?? md.calibrationMetric?.name ?? 'f1_score';
  const name = md.calibrationMetric?.name ?? undefined;
  let metric: ClassificationMetric;
  try {
    metric = makeClassificationMetric(canonical, name);
  } catch {
    notCarried.push({
      what: `calibration (metric '${canonical}')`,
      why: `simkit has no classification metric '${canonical}' (a custom metric?); the index is not calibrated. Call indexer.calibrate() with labelled examples.`,
    });
    return undefined;
  }
  const nonFinite = (v: unknown) => typeof v === 'number' && !Number.isFinite(v);
  const bad =
    Object.values(cps).some((cp) => Object.values(cp as Record<string, unknown>).some(nonFinite)) ||
    Object.values(th).some((col) => (col as unknown[]).some(nonFinite));
  if (bad) {
    notCarried.push({
      what: 'calibration',
      why: 'the saved cutpoints or thresholds hold NaN or Infinity, which a simkit calibration cannot hold; the index is not calibrated. Call indexer.calibrate() with labelled examples.',
    });
    return undefined;
  }
  return {
    metric,
    result: {
      cutpoints: cps as Record<string, Cutpoint>,
      thresholds: th as Record<string, number[]>,
    },
  };
}

function describeCarried(
  save: TfsimSave,
  md: TfsimMetadata,
  c: {
    distanceName: string;
    from: string;
    present: number;
    calibration: ReadCalibration | undefined;
    carried: string[];
  },
): void {
  const { carried } = c;
  carried.push(
    `${md.size} records from ${save.layout === 'store' ? 'store/index.npz' : 'index.npz (layout of TensorFlow Similarity up to 0.17)'}: embeddings (${c.from}${c.from === 'float64' ? ', narrowed to float32' : ''}), labels (${c.present} set, ${md.size - c.present} None → null) and data`,
  );
  carried.push(
    `distance '${md.distance}'${md.distance === c.distanceName ? '' : ` (simkit name '${c.distanceName}')`}`,
  );
  carried.push(`embedding_size ${md.embeddingSize}`, `stat_buffer_size ${md.statBufferSize}`);
  carried.push(`embedding_output ${md.embeddingOutput === null ? 'None → null' : md.embeddingOutput}`);
  if (c.calibration !== undefined) {
    const cps = Object.keys(c.calibration.result.cutpoints);
    const rows = Object.values(c.calibration.result.thresholds)[0]?.length ?? 0;
    carried.push(
      `calibration: metric '${c.calibration.metric.name}' (${c.calibration.metric.canonicalName}), cutpoints ${cps.join(', ')}, thresholds table of ${rows} rows`,
    );
  }
}

function describeNotCarried(
  save: TfsimSave,
  md: TfsimMetadata,
  distanceName: string,
  tally: DataTally,
  out: NotCarried[],
): void {
  const search = md.search;
  const searchName = search?.className ?? 'unknown search';
  const opts = search === null ? '' : optionsText(search.options);
  out.push({
    what: `search structure (${searchName}${opts})`,
    why: 'the files under search/ are not read; the simkit search chosen by makeIndexer (default: an exact LinearSearch) was built again from the embeddings, so approximate-search options do not apply.',
  });
  if (searchName.toLowerCase().includes('linear') && distanceName !== 'cosine') {
    out.push({
      what: 'vector normalisation of LinearSearch',
      why: `TensorFlow Similarity's LinearSearch L2-normalises every vector whatever the distance; simkit normalises only for cosine, so '${distanceName}' lookups give the distances of the vectors as stored.`,
    });
  }
  if (md.store === null) {
    out.push({
      what: 'store configuration',
      why: 'the metadata names no store; index.npz was read as a MemoryStore save.',
    });
  } else if (Object.keys(md.store.options).length > 0) {
    out.push({
      what: `store configuration (${md.store.className}${optionsText(md.store.options)})`,
      why: 'the records are held by the store chosen by makeIndexer (default: a simkit MemoryStore).',
    });
  }
  if (md.evaluator !== 'memory' && md.evaluator !== undefined) {
    out.push({ what: `evaluator ${JSON.stringify(md.evaluator)}`, why: 'simkit indexes use their MemoryEvaluator.' });
  }
  if (md.compression !== null) {
    out.push({
      what: `compression flag (${md.compression})`,
      why: 'it only says how index.npz was written; a simkit save decides its own compression (MemoryStore option).',
    });
  }
  if (md.isCalibrated === false && isNonEmpty(md.cutpoints)) {
    out.push({ what: 'cutpoints', why: 'is_calibrated is false, so TensorFlow Similarity would not use them either.' });
  }
  for (const key of md.unknownKeys) {
    out.push({ what: `metadata field '${key}'`, why: 'not a field TensorFlow Similarity 0.13–0.18 writes; ignored.' });
  }
  for (const entry of save.otherEntries) {
    out.push({
      what: `archive entry '${entry}'`,
      why: 'a MemoryStore writes only embeddings, labels and data; ignored.',
    });
  }
  const counts: Array<[number, string, string]> = [
    [tally.arrays, 'data that were NumPy arrays', 'converted to nested lists of numbers (JSON)'],
    [tally.bytes, 'bytes values in data', 'JSON cannot hold bytes; set to null'],
    [tally.nonFinite, 'NaN or Infinity floats in data', 'JSON cannot hold them; set to null'],
    [tally.bigInts, 'integers beyond ±2^53 in data', 'kept as decimal strings'],
    [tally.keys, 'dict keys that were not strings in data', "turned into strings as Python's str() prints them"],
    [tally.sets, 'sets in data', 'turned into arrays'],
  ];
  for (const [n, what, why] of counts) if (n > 0) out.push({ what: `${n} ${what}`, why });
}

function isNonEmpty(v: unknown): boolean {
  return isRecord(v) && Object.keys(v).length > 0;
}

function optionsText(options: Readonly<Record<string, unknown>>): string {
  const parts = Object.entries(options).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return parts.length === 0 ? '' : `: ${parts.join(', ')}`;
}
