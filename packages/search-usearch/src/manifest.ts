import { SimkitError, checkedCount } from '@simkit/core';
import type { Quantization, UsearchMetric } from './usearch-file.js';
import { MAX_DIM, MAX_M, QUANTIZATIONS } from './usearch-options.js';

/** The save kind `UsearchSearch.save` writes (see writeSave in @simkit/core). */
export const USEARCH_SAVE_KIND = 'usearch-search';
export const MANIFEST_FILE = 'usearch-search.json';
export const INDEX_FILE = 'usearch-index.bin';
const FORMAT = 'simkit-usearch-search';
const VERSION = 1;
/** A manifest is a few hundred bytes. */
export const MAX_MANIFEST_BYTES = 64 * 1024;
const INT32_MAX = 0x7fffffff;

/** What `usearch-search.json` says about the saved index. */
export interface UsearchManifest {
  readonly format: typeof FORMAT;
  readonly version: typeof VERSION;
  readonly distance: string;
  readonly metric: UsearchMetric;
  readonly quantization: Quantization;
  readonly dim: number | null;
  readonly M: number;
  readonly efConstruction: number;
  readonly efSearch: number;
  /** Live vectors. */
  readonly count: number;
  /** The index file, or null for an index that never held a vector. */
  readonly file: { readonly name: typeof INDEX_FILE; readonly bytes: number } | null;
}

export function makeManifest(fields: Omit<UsearchManifest, 'format' | 'version'>): UsearchManifest {
  return { format: FORMAT, version: VERSION, ...fields };
}

/** Parses and checks a manifest; anything unexpected is CORRUPT_INDEX (a newer version UNSUPPORTED). */
export function parseManifest(text: string, source: string): UsearchManifest {
  const damaged = (what: string) =>
    new SimkitError('CORRUPT_INDEX', `The usearch index in ${source} is damaged (${what}); save it again.`, {
      details: { source },
    });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw damaged(`${MANIFEST_FILE} is not JSON`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw damaged(`${MANIFEST_FILE} is not an object`);
  const m = raw as Record<string, unknown>;
  if (m.format !== FORMAT) throw damaged(`${MANIFEST_FILE} is not a ${FORMAT} manifest`);
  if (typeof m.version === 'number' && Number.isInteger(m.version) && m.version > VERSION) {
    throw new SimkitError(
      'UNSUPPORTED',
      `The usearch index in ${source} was saved by a newer @simkit/search-usearch (format ${m.version}); upgrade to load it.`,
      { details: { source, version: m.version } },
    );
  }
  const int = (name: string, min: number, max: number): number =>
    checkedCount(m[name], { min, max, what: `${name} in ${MANIFEST_FILE} of ${source}` });
  if (m.version !== VERSION) throw damaged('its version is not valid');
  if (typeof m.distance !== 'string') throw damaged('its distance is not valid');
  if (m.metric !== 'cos' && m.metric !== 'l2sq' && m.metric !== 'ip') throw damaged('its metric is not valid');
  if (!QUANTIZATIONS.includes(m.quantization as Quantization)) throw damaged('its quantization is not valid');
  const dim = m.dim === null ? null : int('dim', 1, MAX_DIM);
  const count = int('count', 0, INT32_MAX);
  let file: UsearchManifest['file'] = null;
  if (m.file !== null) {
    const f = m.file as Record<string, unknown> | undefined;
    if (typeof f !== 'object' || f === null || f.name !== INDEX_FILE) throw damaged('its file entry is not valid');
    if (typeof f.bytes !== 'number' || !Number.isSafeInteger(f.bytes) || f.bytes < 0) {
      throw damaged('its file size is not valid');
    }
    if (dim === null) throw damaged('it lists an index file but no dimension');
    file = { name: INDEX_FILE, bytes: f.bytes };
  } else if (count !== 0) {
    throw damaged(`it counts ${count} vectors but lists no index file`);
  }
  return makeManifest({
    distance: m.distance,
    metric: m.metric,
    quantization: m.quantization as Quantization,
    dim,
    M: int('M', 2, MAX_M),
    efConstruction: int('efConstruction', 1, INT32_MAX),
    efSearch: int('efSearch', 1, INT32_MAX),
    count,
    file,
  });
}

export function manifestJson(manifest: UsearchManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
