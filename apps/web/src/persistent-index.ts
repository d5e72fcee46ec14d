// The app's index, kept in the browser's IndexedDB: records in a LevelStore (one atomic batch per
// change), the HNSW graph saved after every change. The records are the source of truth: when
// the saved graph does not hold exactly the stored records (the tab closed between the two
// writes, or the graph save failed), the graph is rebuilt from the records.
import { batch, type ProgressHandler, SimkitError } from '@simkit/core';
import type { Indexer } from '@simkit/indexer';
import type { SimilarityModel } from '@simkit/model';
import { HnswSearch } from '@simkit/search-hnsw';
import { LevelStore } from '@simkit/store-level';
import { PIXELS, type WebAssets } from './assets.js';

/** What each record keeps as its data: the digit's grey levels and where it came from. */
export interface DigitData {
  /** 784 grey levels 0..255. */
  readonly image: number[];
  readonly source: 'mnist' | 'drawn';
}

/** A record added in the app, as the "added by you" list shows it. */
export interface AddedDigit {
  readonly id: number;
  readonly label: number | null;
  readonly image: number[];
}

/** How the index was opened. */
export type OpenedFrom = 'seeded' | 'saved' | 'rebuilt';

const STORAGE_KEY = 'simkit-web:model-id';

function names(prefix: string, modelId: string): { records: string; graph: string } {
  return { records: `${prefix}-${modelId}-records`, graph: `${prefix}-${modelId}-graph` };
}

function isDigitData(data: unknown): data is DigitData {
  const d = data as Partial<DigitData> | null;
  return d !== null && typeof d === 'object' && Array.isArray(d.image) && d.image.length === PIXELS;
}

/** Whether the graph holds exactly the store's records: the same count, and each id findable with its own vector. */
async function graphMatches(search: HnswSearch, store: LevelStore): Promise<boolean> {
  if (search.size() !== store.size()) return false;
  for await (const record of store.entries()) {
    const [found] = await search.lookup(batch(record.embedding, record.embedding.length), 1, {
      filter: (id) => id === record.id,
    });
    if (found === undefined || found.ids[0] !== record.id || (found.distances[0] as number) > 1e-4) return false;
  }
  return true;
}

/** The app's persistent index; every change is stored, then the graph is saved. */
export class PersistentIndex {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly sim: SimilarityModel,
    private readonly search: HnswSearch,
    private readonly graphName: string,
    /** How the index was opened this time. */
    readonly openedFrom: OpenedFrom,
    private readonly added: AddedDigit[],
  ) {}

  /**
   * Opens the copy kept for this model in IndexedDB, or creates it from the exported records,
   * then makes it the model's index with the exported calibration. Copies kept for an earlier
   * model are deleted.
   */
  static async open(
    sim: SimilarityModel,
    assets: WebAssets,
    options: { prefix?: string; onProgress?: ProgressHandler } = {},
  ): Promise<PersistentIndex> {
    const prefix = options.prefix ?? 'simkit-web';
    const { manifest } = assets;
    await forgetEarlierModel(prefix, manifest.modelId);
    const n = names(prefix, manifest.modelId);
    const store = await LevelStore.open(n.records);
    let openedFrom: OpenedFrom = 'saved';
    if (store.size() === 0) {
      const data: DigitData[] = [];
      for (let i = 0; i < manifest.count; i++) {
        data.push({ image: Array.from(assets.images.subarray(i * PIXELS, (i + 1) * PIXELS)), source: 'mnist' });
      }
      await store.add(batch(assets.embeddings, manifest.dim), manifest.labels.slice(), data);
      openedFrom = 'seeded';
    }
    const hnsw = {
      distance: manifest.distance,
      dim: manifest.dim,
      ...(options.onProgress && { onProgress: options.onProgress }),
    };
    let search = new HnswSearch(hnsw);
    if (openedFrom === 'saved') {
      const loaded = await search.loadFromIndexedDB(n.graph).then(
        () => true,
        () => false,
      );
      if (!loaded || !(await graphMatches(search, store))) {
        await search.close();
        search = new HnswSearch(hnsw);
        openedFrom = 'rebuilt';
      }
    }
    const added: AddedDigit[] = [];
    if (openedFrom !== 'saved') {
      const ids: number[] = [];
      const rows: Float32Array[] = [];
      for await (const r of store.entries()) {
        ids.push(r.id);
        rows.push(r.embedding);
      }
      const flat = new Float32Array(rows.length * manifest.dim);
      rows.forEach((row, i) => {
        flat.set(row, i * manifest.dim);
      });
      await search.add(ids, batch(flat, manifest.dim));
      await search.saveToIndexedDB(n.graph);
    }
    for await (const r of store.entries()) {
      if (isDigitData(r.data) && r.data.source === 'drawn')
        added.push({ id: r.id, label: r.label, image: r.data.image });
    }
    sim.createIndex({ distance: manifest.distance, search, store });
    await sim.indexer.restoreCalibration(manifest.calibration.result, manifest.calibration.metric);
    localStorage.setItem(STORAGE_KEY, manifest.modelId);
    return new PersistentIndex(sim, search, n.graph, openedFrom, added);
  }

  /** The model's index. */
  get indexer(): Indexer {
    return this.sim.indexer;
  }

  /** Records in the index. */
  size(): number {
    return this.sim.indexer.size();
  }

  /** Digits added in the app, oldest first. */
  addedDigits(): readonly AddedDigit[] {
    return this.added;
  }

  /** Adds a drawn digit with its embedding and label; stored, then the graph saved. Returns its id. */
  add(embedding: Float32Array, label: number, image: Uint8Array): Promise<number> {
    return this.serial(async () => {
      const data: DigitData = { image: Array.from(image), source: 'drawn' };
      const id = await this.sim.indexer.add(embedding, label, data);
      this.added.push({ id, label, image: data.image });
      await this.search.saveToIndexedDB(this.graphName);
      return id;
    });
  }

  /** Removes a digit added in the app; the digits the index started with stay. */
  remove(id: number): Promise<void> {
    return this.serial(async () => {
      const at = this.added.findIndex((d) => d.id === id);
      if (at < 0)
        throw new SimkitError('NOT_FOUND', `Digit ${id} was not added in this app; only added digits can be removed.`);
      await this.sim.indexer.remove([id]);
      this.added.splice(at, 1);
      await this.search.saveToIndexedDB(this.graphName);
    });
  }

  /** Removes every added digit at once. */
  removeAll(): Promise<void> {
    return this.serial(async () => {
      if (this.added.length === 0) return;
      await this.sim.indexer.remove(this.added.map((d) => d.id));
      this.added.length = 0;
      await this.search.saveToIndexedDB(this.graphName);
    });
  }

  /** Closes the store and frees the graph. */
  close(): Promise<void> {
    return this.serial(() => this.sim.indexer.close());
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** Deletes the IndexedDB copies kept for another model than `modelId`. */
async function forgetEarlierModel(prefix: string, modelId: string): Promise<void> {
  const earlier = localStorage.getItem(STORAGE_KEY);
  if (earlier === null || earlier === modelId || !/^[\w-]+$/.test(earlier)) return;
  const n = names(prefix, earlier);
  const old = await LevelStore.open(n.records);
  await old.reset();
  await old.close();
  await HnswSearch.deleteFromIndexedDB(n.graph);
  localStorage.removeItem(STORAGE_KEY);
}
