import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSave } from '../atomic-save.js';
import { openSave } from '../open-save.js';
import { checkAddInput, checkLookupInput } from '../checks.js';
import type { ComponentConfig } from '../config.js';
import type { EmbeddingBatch } from '../embeddings.js';
import { SimkitError } from '../errors.js';
import type { LookupOptions, Neighbors, Search, SearchSupports } from '../search.js';
import { fakeEuclidean, referenceEuclidean } from './fake-distance.js';

/**
 * Reference Search: exact euclidean kNN by a plain scan, kept in insertion order.
 * Slow on purpose; it defines what the conformance suite expects.
 */
export class FakeSearch implements Search {
  readonly supports: SearchSupports = { delete: true, filter: true, persistence: true, exact: true };
  readonly distance = fakeEuclidean;
  dim: number | undefined;
  private entries = new Map<number, Float32Array>();

  constructor(options: { dim?: number } = {}) {
    this.dim = options.dim;
  }

  size(): number {
    return this.entries.size;
  }

  async add(ids: ArrayLike<number>, embeddings: EmbeddingBatch): Promise<void> {
    const checked = checkAddInput(ids, embeddings, this.dim);
    if (checked.length === 0) return;
    this.dim = embeddings.dim;
    checked.forEach((id, r) => {
      // Map.set keeps the original position, so a re-added id keeps its place in insertion order.
      this.entries.set(id, embeddings.data.slice(r * embeddings.dim, (r + 1) * embeddings.dim));
    });
  }

  async remove(ids: ArrayLike<number>): Promise<void> {
    for (const id of Array.from(ids)) {
      if (!this.entries.has(id))
        throw new SimkitError('NOT_FOUND', `id ${id} is not in the index; nothing was removed.`);
    }
    for (const id of Array.from(ids)) this.entries.delete(id);
  }

  async lookup(queries: EmbeddingBatch, k: number, options: LookupOptions = {}): Promise<Neighbors[]> {
    checkLookupInput(queries, k, this.dim);
    const out: Neighbors[] = [];
    for (let q = 0; q < queries.rows; q++) {
      const query = queries.data.subarray(q * queries.dim, (q + 1) * queries.dim);
      const scored: Array<[number, number]> = [];
      for (const [id, v] of this.entries) {
        if (options.filter && !options.filter(id)) continue;
        scored.push([id, Math.fround(referenceEuclidean(query, v))]);
      }
      // Array.prototype.sort is stable, so equal distances keep insertion order.
      scored.sort((a, b) => a[1] - b[1]);
      const top = scored.slice(0, k);
      out.push({ ids: Int32Array.from(top, (t) => t[0]), distances: Float32Array.from(top, (t) => t[1]) });
    }
    return out;
  }

  async reset(): Promise<void> {
    this.entries.clear();
  }

  async save(dir: string): Promise<void> {
    const rows = [...this.entries].map(([id, v]) => [id, Array.from(v)]);
    await writeSave(dir, 'fake-search', (gen) =>
      writeFile(join(gen, 'fake-search.json'), JSON.stringify({ dim: this.dim, rows })),
    );
  }

  async load(dir: string): Promise<void> {
    const saved = await openSave(dir, 'fake-search');
    let parsed: { dim?: number; rows: Array<[number, number[]]> };
    try {
      parsed = JSON.parse(await saved.readText('fake-search.json'));
    } catch (cause) {
      if (SimkitError.isInstance(cause)) throw cause;
      throw new SimkitError('CORRUPT_INDEX', `No readable fake search index in ${dir}.`, { cause });
    }
    this.dim = parsed.dim;
    this.entries = new Map(parsed.rows.map(([id, v]) => [id, Float32Array.from(v)]));
  }

  toConfig(): ComponentConfig {
    return { type: 'fake-search', version: 1, package: '@simkit/core', config: { dim: this.dim ?? null } };
  }

  static fromConfig(config: ComponentConfig): FakeSearch {
    const dim = config.config.dim;
    return new FakeSearch(typeof dim === 'number' ? { dim } : {});
  }
}
