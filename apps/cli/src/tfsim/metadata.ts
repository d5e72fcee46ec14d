import { SimkitError } from '@simkit/core';

/** A component configuration as TensorFlow Similarity saves it: a class name and its options. */
export interface TfsimComponent {
  /** `class_name` (Keras serialisation), or the old `canonical_name`/`name`/type string. */
  readonly className: string;
  /** The component's options as saved (empty when none were saved). */
  readonly options: Readonly<Record<string, unknown>>;
}

/** The fields of a TensorFlow Similarity `index_metadata.json`, checked. */
export interface TfsimMetadata {
  readonly size: number;
  readonly embeddingSize: number;
  /** The distance name as TensorFlow Similarity wrote it (e.g. `cosine`). */
  readonly distance: string;
  readonly statBufferSize: number;
  readonly embeddingOutput: number | null;
  /** The `compression` flag, or null when absent. */
  readonly compression: boolean | null;
  /** The record store (`kv_store_config`, or the old `kv_store` string); null when not saved. */
  readonly store: TfsimComponent | null;
  /** The search (`search_config`); null when not saved. */
  readonly search: TfsimComponent | null;
  /** The `evaluator` value (TensorFlow Similarity writes `memory`). */
  readonly evaluator: unknown;
  readonly isCalibrated: boolean;
  /** `calibration_metric_config` as saved, or null. */
  readonly calibrationMetric: { readonly name: string | null; readonly canonicalName: string | null } | null;
  /** `cutpoints` as saved (checked when the calibration is restored). */
  readonly cutpoints: unknown;
  /** `calibration_thresholds` as saved. */
  readonly thresholds: unknown;
  /** Top-level keys this reader does not know. */
  readonly unknownKeys: readonly string[];
}

/** The keys TensorFlow Similarity 0.13 to 0.18 write. */
export const KNOWN_METADATA_KEYS: readonly string[] = [
  'size',
  'compression',
  'distance',
  'embedding_output',
  'embedding_size',
  'kv_store_config',
  'kv_store',
  'evaluator',
  'search_config',
  'stat_buffer_size',
  'is_calibrated',
  'calibration_metric_config',
  'cutpoints',
  'calibration_thresholds',
];

const MAX_EMBEDDING_SIZE = 1 << 20;
const MAX_STAT_BUFFER_SIZE = 10_000_000;

/**
 * Parses JSON as Python's `json.dumps` writes it, which may hold the bare tokens `NaN`,
 * `Infinity` and `-Infinity` (metric values of a calibration); they become the JS numbers.
 */
export function parsePythonJson(text: string): unknown {
  const nan = `\u0000simkit-nan-${Math.random().toString(36).slice(2)}`;
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
    } else if (c === 0x4e && text.startsWith('NaN', i)) {
      out += `${text.slice(last, i)}${JSON.stringify(nan)}`;
      i += 2;
      last = i + 1;
    } else if (c === 0x49 && text.startsWith('Infinity', i)) {
      out += `${text.slice(last, i)}1e999`;
      i += 7;
      last = i + 1;
    }
  }
  out += text.slice(last);
  return JSON.parse(out, (_key, value) => (value === nan ? Number.NaN : value));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks the metadata of a TensorFlow Similarity save and returns its fields. `where` names
 * the file in messages.
 *
 * @throws SimkitError CORRUPT_INDEX when the JSON is invalid or a field has the wrong type.
 */
export function parseTfsimMetadata(text: string, where: string): TfsimMetadata {
  let md: unknown;
  try {
    md = parsePythonJson(text);
  } catch (cause) {
    throw new SimkitError('CORRUPT_INDEX', `${where} is not valid JSON (${(cause as Error).message}).`, { cause });
  }
  if (!isRecord(md)) throw new SimkitError('CORRUPT_INDEX', `${where} does not hold a JSON object.`);
  const bad = (field: string, expected: string) =>
    new SimkitError(
      'CORRUPT_INDEX',
      `${where}: field '${field}' should be ${expected} but is ${JSON.stringify(md[field]) ?? 'missing'}; this is not an index saved by TensorFlow Similarity, or it was edited.`,
      { details: { field } },
    );
  const int = (field: string, min: number, max: number, fallback?: number): number => {
    const v = md[field];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw bad(field, `an integer from ${min} to ${max}`);
    }
    return v;
  };
  const size = int('size', 0, 0x7fffffff);
  const embeddingSize = int('embedding_size', 1, MAX_EMBEDDING_SIZE);
  const statBufferSize = int('stat_buffer_size', 1, MAX_STAT_BUFFER_SIZE, 1000);
  if (typeof md.distance !== 'string' || md.distance.length === 0) throw bad('distance', 'a distance name');
  let embeddingOutput: number | null = null;
  if (md.embedding_output !== undefined && md.embedding_output !== null)
    embeddingOutput = int('embedding_output', 0, 1 << 16);
  if (md.compression !== undefined && md.compression !== null && typeof md.compression !== 'boolean') {
    throw bad('compression', 'true or false');
  }
  if (md.is_calibrated !== undefined && typeof md.is_calibrated !== 'boolean')
    throw bad('is_calibrated', 'true or false');
  let calibrationMetric: TfsimMetadata['calibrationMetric'] = null;
  const cmc = md.calibration_metric_config;
  if (cmc !== undefined && cmc !== null) {
    if (!isRecord(cmc)) throw bad('calibration_metric_config', 'an object');
    calibrationMetric = {
      name: typeof cmc.name === 'string' && cmc.name.length > 0 ? cmc.name : null,
      canonicalName:
        typeof cmc.canonical_name === 'string' && cmc.canonical_name.length > 0 ? cmc.canonical_name : null,
    };
  }
  return {
    size,
    embeddingSize,
    distance: md.distance,
    statBufferSize,
    embeddingOutput,
    compression: typeof md.compression === 'boolean' ? md.compression : null,
    store: storeOf(md, bad),
    search: searchOf(md, bad),
    evaluator: md.evaluator,
    isCalibrated: md.is_calibrated === true,
    calibrationMetric,
    cutpoints: md.cutpoints,
    thresholds: md.calibration_thresholds,
    unknownKeys: Object.keys(md).filter((k) => !KNOWN_METADATA_KEYS.includes(k)),
  };
}

function storeOf(md: Record<string, unknown>, bad: (f: string, e: string) => SimkitError): TfsimComponent | null {
  const c = md.kv_store_config;
  if (c !== undefined && c !== null) {
    if (!isRecord(c) || typeof c.class_name !== 'string') throw bad('kv_store_config', "an object with a 'class_name'");
    return { className: c.class_name, options: isRecord(c.config) ? c.config : {} };
  }
  // TensorFlow Similarity up to 0.17 saved only the store's type name.
  if (typeof md.kv_store === 'string') return { className: md.kv_store, options: {} };
  if (md.kv_store !== undefined && md.kv_store !== null) throw bad('kv_store', 'a store name');
  return null;
}

function searchOf(md: Record<string, unknown>, bad: (f: string, e: string) => SimkitError): TfsimComponent | null {
  const c = md.search_config;
  if (c === undefined || c === null) return null;
  if (!isRecord(c)) throw bad('search_config', 'an object');
  if (typeof c.class_name === 'string') return { className: c.class_name, options: isRecord(c.config) ? c.config : {} };
  // Up to 0.17 the search's own get_config() was saved, flat, with its canonical_name.
  const name =
    typeof c.canonical_name === 'string' ? c.canonical_name : typeof c.name === 'string' ? c.name : 'unknown';
  const { canonical_name: _c, ...options } = c;
  return { className: name, options };
}
