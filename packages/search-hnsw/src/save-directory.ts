import { SimkitError, openSave, writeSave } from '@simkit/core';
import { nodeFiles } from '@simkit/core/node';
import {
  GRAPH_FILE,
  type HnswManifest,
  MANIFEST_FILE,
  manifestJson,
  maxManifestBytes,
  parseManifest,
} from './manifest.js';

/** The kind of save `HnswSearch.save` writes (see writeSave in @simkit/core). */
export const HNSW_SAVE_KIND = 'hnsw-search';

/**
 * Saves `hnsw-search.json` and, when there is one, `hnsw-graph.bin` into `dir` with core's
 * atomic save: a crash leaves the previous save or this one, and OS failures are IO_ERROR.
 */
export async function writeSaveDirectory(dir: string, manifest: HnswManifest, graph: Uint8Array | null): Promise<void> {
  const {
    fs,
    path: { join },
  } = await nodeFiles();
  await writeSave(dir, HNSW_SAVE_KIND, async (generation) => {
    if (graph !== null) await fs.writeFile(join(generation, GRAPH_FILE), graph, { flag: 'wx' });
    await fs.writeFile(join(generation, MANIFEST_FILE), manifestJson(manifest), { flag: 'wx' });
  });
}

/**
 * Opens the save in `dir` and reads its manifest, then the graph the manifest describes.
 * Each file is bounded before it is read (the graph by what the manifest's counts allow) and
 * checked against the save's SHA-256 before its bytes are used.
 */
export async function readSaveDirectory(dir: string): Promise<{ manifest: HnswManifest; graph: Uint8Array | null }> {
  const saved = await openSave(dir, HNSW_SAVE_KIND);
  const damaged = (what: string) =>
    new SimkitError('CORRUPT_INDEX', `The HNSW index saved in '${dir}' is damaged (${what}); save it again.`, {
      details: { dir },
    });
  if (!saved.has(MANIFEST_FILE)) throw damaged(`${MANIFEST_FILE} is missing`);
  const listedGraph = saved.files.get(GRAPH_FILE);
  const text = await saved.readText(MANIFEST_FILE, { maxBytes: maxManifestBytes(listedGraph?.bytes ?? null) });
  const manifest = parseManifest(text);
  if (manifest.graph === null) {
    if (listedGraph !== undefined) throw damaged(`it holds ${GRAPH_FILE}, but its manifest describes no graph`);
    return { manifest, graph: null };
  }
  if (listedGraph === undefined) throw damaged(`${GRAPH_FILE} is missing`);
  if (listedGraph.bytes !== manifest.graph.bytes) {
    throw damaged(`${GRAPH_FILE} has ${listedGraph.bytes} bytes, its manifest says ${manifest.graph.bytes}`);
  }
  const graph = await saved.read(GRAPH_FILE, { maxBytes: manifest.graph.bytes });
  return { manifest, graph };
}
