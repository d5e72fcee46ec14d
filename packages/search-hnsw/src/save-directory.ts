import { SimkitError, nodeFiles } from '@simkit/core';
import { GRAPH_FILE, type HnswManifest, MANIFEST_FILE, parseManifest } from './manifest.js';

/** Reading and writing a save directory in Node.js: `hnsw-search.json` plus `hnsw-graph.bin`. */

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Writes the graph, then the manifest, each under a temporary name and renamed into place.
 * The manifest's size and checksum make a half-replaced directory fail to load instead of
 * loading a graph that does not belong to it.
 */
export async function writeSaveDirectory(dir: string, manifest: HnswManifest, graph: Uint8Array | null): Promise<void> {
  const {
    fs,
    path: { join },
  } = await nodeFiles();
  const suffix = `.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    await fs.mkdir(dir, { recursive: true });
    if (graph !== null) {
      await fs.writeFile(join(dir, GRAPH_FILE + suffix), graph);
      await fs.rename(join(dir, GRAPH_FILE + suffix), join(dir, GRAPH_FILE));
    } else {
      await fs.rm(join(dir, GRAPH_FILE), { force: true });
    }
    await fs.writeFile(join(dir, MANIFEST_FILE + suffix), `${JSON.stringify(manifest, null, 2)}\n`);
    await fs.rename(join(dir, MANIFEST_FILE + suffix), join(dir, MANIFEST_FILE));
  } catch (cause) {
    await fs.rm(join(dir, GRAPH_FILE + suffix), { force: true }).catch(() => undefined);
    await fs.rm(join(dir, MANIFEST_FILE + suffix), { force: true }).catch(() => undefined);
    throw new SimkitError(
      'INVALID_ARGUMENT',
      `Could not save the HNSW index into ${dir} (${reason(cause)}); check that the path is a writable directory.`,
      { cause, details: { dir } },
    );
  }
}

/** Reads the manifest and, when it names one, the graph file; missing or unreadable files are CORRUPT_INDEX. */
export async function readSaveDirectory(dir: string): Promise<{ manifest: HnswManifest; graph: Uint8Array | null }> {
  const {
    fs,
    path: { join },
  } = await nodeFiles();
  let text: string;
  try {
    text = await fs.readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (cause) {
    throw new SimkitError(
      'CORRUPT_INDEX',
      `No HNSW index in ${dir}: ${MANIFEST_FILE} is missing or unreadable (${reason(cause)}). Save one there with save(dir) first, or check the path.`,
      { cause, details: { dir } },
    );
  }
  const manifest = parseManifest(text);
  if (manifest.graph === null) return { manifest, graph: null };
  let graph: Uint8Array;
  try {
    const buffer = await fs.readFile(join(dir, manifest.graph.file));
    graph = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (cause) {
    throw new SimkitError(
      'CORRUPT_INDEX',
      `The HNSW index in ${dir} is incomplete: its graph file ${manifest.graph.file} is missing or unreadable (${reason(cause)}). Save the index again.`,
      { cause, details: { dir } },
    );
  }
  return { manifest, graph };
}
