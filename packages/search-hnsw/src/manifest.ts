import { SimkitError } from '@simkit/core';
import { graphFileBounds, level0RecordBytes, maxGraphElements } from './graph-size.js';
import { MAX_DIM, MAX_M } from './hnsw-options.js';
import { SUPPORTED_DISTANCES } from './hnsw-space.js';
import type { HnswSpaceName } from './hnswlib-types.js';

/** File names inside a save. */
export const MANIFEST_FILE = 'hnsw-search.json';
export const GRAPH_FILE = 'hnsw-graph.bin';

const FORMAT = 'simkit-hnsw-search';
export const MANIFEST_VERSION = 1;
const INT32_MAX = 0x7fffffff;
/** Room for everything in the manifest but the removed ids. */
const MANIFEST_FIXED_BYTES = 4096;
/** Bytes one removed id takes at most in the manifest's JSON (`\n    2147483647,`). */
const BYTES_PER_DELETED_ID = 16;

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
  /** The graph file and its size, or null for an index without elements. */
  readonly graph: { readonly file: typeof GRAPH_FILE; readonly bytes: number } | null;
}

export function makeManifest(fields: Omit<HnswManifest, 'format' | 'version'>): HnswManifest {
  return { format: FORMAT, version: MANIFEST_VERSION, ...fields };
}

/** The manifest as saved: pretty JSON (removed ids take at most BYTES_PER_DELETED_ID each). */
export function manifestJson(manifest: HnswManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * The largest manifest that can go with a graph file of `graphBytes` bytes (null: no graph):
 * it lists at most one removed id per element the graph can hold.
 */
export function maxManifestBytes(graphBytes: number | null): number {
  // The smallest element on file: dim 1, M 2, level 0 only.
  const elements = graphBytes === null ? 0 : Math.floor(graphBytes / (level0RecordBytes(1, 2) + 4));
  return MANIFEST_FIXED_BYTES + BYTES_PER_DELETED_ID * elements;
}

function corrupt(what: string): SimkitError {
  return new SimkitError(
    'CORRUPT_INDEX',
    `The HNSW manifest is damaged or not from this package (${what}); save the index again from its source.`,
  );
}

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isCount = (v: unknown): v is number => isInt(v, 0, 0xffffffff);

/**
 * Checks a parsed manifest field by field, and every count and size in it against the others
 * and against what one wasm graph can hold; throws CORRUPT_INDEX (UNSUPPORTED for a newer format).
 */
export function checkManifest(value: unknown): HnswManifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw corrupt('not a JSON object');
  const m = value as Record<string, unknown>;
  if (m.format !== FORMAT) throw corrupt(`format is ${JSON.stringify(m.format)}, expected "${FORMAT}"`);
  if (!isInt(m.version, 1, INT32_MAX)) throw corrupt('no format version');
  if (m.version > MANIFEST_VERSION) {
    throw new SimkitError(
      'UNSUPPORTED',
      `This HNSW index was saved by a newer @simkit/search-hnsw (format ${m.version}, this one reads ${MANIFEST_VERSION}); upgrade the package.`,
    );
  }
  if (typeof m.distance !== 'string' || !(SUPPORTED_DISTANCES as readonly string[]).includes(m.distance)) {
    throw corrupt(`unknown distance ${JSON.stringify(m.distance)}`);
  }
  if (m.space !== 'l2' && m.space !== 'ip' && m.space !== 'cosine')
    throw corrupt(`unknown space ${JSON.stringify(m.space)}`);
  if (m.dim !== null && !isInt(m.dim, 1, MAX_DIM)) throw corrupt(`dim is not an integer from 1 to ${MAX_DIM}`);
  if (!isInt(m.M, 2, MAX_M)) throw corrupt(`M is not an integer from 2 to ${MAX_M}`);
  if (!isInt(m.efConstruction, 1, INT32_MAX) || !isInt(m.efSearch, 1, INT32_MAX)) {
    throw corrupt('ef values are not positive integers');
  }
  if (!isCount(m.count) || !isCount(m.elements) || !isCount(m.capacity)) throw corrupt('counts are not integers');
  if (m.count > m.elements || (m.elements > 0 && m.elements > m.capacity)) throw corrupt('counts do not add up');
  if (!Array.isArray(m.deleted) || m.deleted.length > m.elements) throw corrupt('deleted ids are not a list of ids');
  if (!m.deleted.every((id) => isInt(id, 0, INT32_MAX))) throw corrupt('deleted ids are not a list of ids');
  if (m.count + m.deleted.length !== m.elements) throw corrupt('live and deleted ids do not add up to the elements');
  let graph: HnswManifest['graph'] = null;
  if (m.graph !== null) {
    const g = m.graph as Record<string, unknown> | undefined;
    if (typeof g !== 'object' || g === null) throw corrupt('no graph entry');
    if (g.file !== GRAPH_FILE) throw corrupt(`the graph file is not ${GRAPH_FILE}`);
    if (m.dim === null) throw corrupt('a graph without a dimension');
    if (m.elements === 0) throw corrupt('a graph without elements');
    // Sizes are checked here, before anything is read or allocated: hnswlib trusts them.
    const limit = maxGraphElements(m.dim, m.M);
    if (m.capacity > limit) {
      throw corrupt(
        `capacity ${m.capacity} is more than a graph of dimension ${m.dim} and M ${m.M} can hold (${limit})`,
      );
    }
    const { min, max } = graphFileBounds(m.elements, m.dim, m.M);
    if (!isInt(g.bytes, min, max)) {
      throw corrupt(`a graph of ${m.elements} elements has ${min} to ${max} bytes, not ${String(g.bytes)}`);
    }
    graph = { file: GRAPH_FILE, bytes: g.bytes };
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
