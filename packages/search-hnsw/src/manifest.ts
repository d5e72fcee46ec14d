import { SimkitError } from '@simkit/core';
import type { HnswSpaceName } from './hnswlib-types.js';

/** File names inside a save directory. */
export const MANIFEST_FILE = 'hnsw-search.json';
export const GRAPH_FILE = 'hnsw-graph.bin';

const FORMAT = 'simkit-hnsw-search';
export const MANIFEST_VERSION = 1;

/**
 * The small JSON file saved next to the graph: what the graph was built with and what it
 * holds, so a load can refuse a file that does not fit before handing it to wasm.
 */
export interface HnswManifest {
  readonly format: typeof FORMAT;
  readonly version: number;
  readonly distance: string;
  readonly space: HnswSpaceName;
  readonly dim: number | null;
  readonly M: number;
  readonly efConstruction: number;
  readonly efSearch: number;
  /** Live (searchable) vectors. */
  readonly count: number;
  /** Elements in the graph, removed ones included. */
  readonly elements: number;
  readonly capacity: number;
  /** Ids removed but still present (marked deleted) in the graph. */
  readonly deleted: number[];
  /** The graph file, or null for an index that never held a vector. */
  readonly graph: { readonly file: string; readonly bytes: number; readonly crc32: number } | null;
}

export function makeManifest(fields: Omit<HnswManifest, 'format' | 'version'>): HnswManifest {
  return { format: FORMAT, version: MANIFEST_VERSION, ...fields };
}

function corrupt(what: string): SimkitError {
  return new SimkitError(
    'CORRUPT_INDEX',
    `The HNSW manifest is damaged or not from this package (${what}); save the index again from its source.`,
  );
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isPositive = (v: unknown): v is number => isCount(v) && v >= 1;

/** Checks a parsed manifest field by field; throws CORRUPT_INDEX (or UNSUPPORTED for a newer format). */
export function checkManifest(value: unknown): HnswManifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw corrupt('not a JSON object');
  const m = value as Record<string, unknown>;
  if (m.format !== FORMAT) throw corrupt(`format is ${JSON.stringify(m.format)}, expected "${FORMAT}"`);
  if (!isPositive(m.version)) throw corrupt('no format version');
  if (m.version > MANIFEST_VERSION) {
    throw new SimkitError(
      'UNSUPPORTED',
      `This HNSW index was saved by a newer @simkit/search-hnsw (format ${m.version}, this one reads ${MANIFEST_VERSION}); upgrade the package.`,
    );
  }
  if (typeof m.distance !== 'string') throw corrupt('no distance');
  if (m.space !== 'l2' && m.space !== 'ip' && m.space !== 'cosine')
    throw corrupt(`unknown space ${JSON.stringify(m.space)}`);
  if (m.dim !== null && !isPositive(m.dim)) throw corrupt('dim is not a positive integer');
  if (!isPositive(m.M) || m.M < 2) throw corrupt('M is not an integer ≥ 2');
  if (!isPositive(m.efConstruction) || !isPositive(m.efSearch)) throw corrupt('ef values are not positive integers');
  if (!isCount(m.count) || !isCount(m.elements) || !isCount(m.capacity)) throw corrupt('counts are not integers');
  if (m.count > m.elements || (m.elements > 0 && m.elements > m.capacity)) throw corrupt('counts do not add up');
  if (!Array.isArray(m.deleted) || !m.deleted.every((id) => isCount(id) && id <= 0x7fffffff)) {
    throw corrupt('deleted ids are not a list of ids');
  }
  if (m.count + m.deleted.length !== m.elements) throw corrupt('live and deleted ids do not add up to the elements');
  let graph: HnswManifest['graph'] = null;
  if (m.graph !== null) {
    const g = m.graph as Record<string, unknown> | undefined;
    if (typeof g !== 'object' || g === null) throw corrupt('no graph entry');
    if (typeof g.file !== 'string' || !/^[A-Za-z0-9._-]+$/.test(g.file)) throw corrupt('bad graph file name');
    if (!isPositive(g.bytes) || !isCount(g.crc32)) throw corrupt('bad graph size or checksum');
    if (m.dim === null) throw corrupt('a graph without a dimension');
    graph = { file: g.file, bytes: g.bytes, crc32: g.crc32 };
  } else if (m.elements !== 0) {
    throw corrupt('elements without a graph');
  }
  return {
    format: FORMAT,
    version: m.version,
    distance: m.distance,
    space: m.space,
    dim: m.dim,
    M: m.M,
    efConstruction: m.efConstruction,
    efSearch: m.efSearch,
    count: m.count,
    elements: m.elements,
    capacity: m.capacity,
    deleted: m.deleted as number[],
    graph,
  };
}

/** Parses the manifest text; unreadable JSON is CORRUPT_INDEX. */
export function parseManifest(text: string): HnswManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corrupt('not valid JSON');
  }
  return checkManifest(value);
}
