import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSave } from '../atomic-save.js';
import { openSave } from '../open-save.js';
import { checkAddInput, checkLookupInput, checkOptions, unsupported } from '../checks.js';
import type { ComponentConfig } from '../config.js';
import type { EmbeddingBatch } from '../embeddings.js';
import { SimkitError, invalidArgument } from '../errors.js';
import type { LookupOptions, Neighbors, Search, SearchSupports } from '../search.js';
import { fakeEuclidean, referenceEuclidean } from './fake-distance.js';

const EVERYTHING: SearchSupports = Object.freeze({ delete: true, filter: true, persistence: true, exact: true });
const FLAGS = ['delete', 'filter', 'persistence', 'exact'] as const;

/** Options of `FakeSearch`: its dimension and which capabilities it declares. */
export interface FakeSearchOptions {
  readonly dim?: number;
  /**
   * Capabilities to declare; each one left out is true. A capability set to false is
   * really missing: `remove`, a filtered `lookup`, or `save`/`load` fail with UNSUPPORTED.
   * (`exact: false` only relaxes what callers may expect; results stay exact.)
   */
  readonly supports?: Partial<SearchSupports>;
}

/**
 * Reference Search: exact euclidean kNN by a plain scan, kept in insertion order.
 * Slow on purpose; it defines what the conformance suite expects.
 */
export class FakeSearch implements Search {
  readonly supports: SearchSupports;
  readonly distance = fakeEuclidean;
  dim: number | undefined;
  private entries = new Map<number, Float32Array>();

  constructor(options: FakeSearchOptions = {}) {
    const { dim, supports = {} } = checkOptions(options, 'FakeSearch options');
    checkOptions(supports, 'FakeSearch options.supports');
    for (const flag of FLAGS) {
      const value = supports[flag];
      if (value !== undefined && typeof value !== 'boolean') {
        throw invalidArgument(`FakeSearch options.supports.${flag} must be true or false; got ${String(value)}.`);
      }
    }
    this.dim = dim;
    this.supports = Object.freeze({ ...EVERYTHING, ...supports });
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
    if (!this.supports.delete) {
      throw unsupported(
        'This FakeSearch',
        'remove',
        'it was built with supports.delete = false; reset() and add the vectors to keep.',
      );
    }
    for (const id of Array.from(ids)) {
      if (!this.entries.has(id))
        throw new SimkitError('NOT_FOUND', `id ${id} is not in the index; nothing was removed.`);
    }
    for (const id of Array.from(ids)) this.entries.delete(id);
  }

  async lookup(queries: EmbeddingBatch, k: number, options: LookupOptions = {}): Promise<Neighbors[]> {
    checkLookupInput(queries, k, this.dim);
    if (options.filter !== undefined && !this.supports.filter) {
      throw unsupported(
        'This FakeSearch',
        'lookup filters',
        'it was built with supports.filter = false; look up more neighbours and filter them yourself.',
      );
    }
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
    this.checkPersistence('save');
    const rows = [...this.entries].map(([id, v]) => [id, Array.from(v)]);
    await writeSave(dir, 'fake-search', (gen) =>
      writeFile(join(gen, 'fake-search.json'), JSON.stringify({ dim: this.dim, rows })),
    );
  }

  async load(dir: string): Promise<void> {
    this.checkPersistence('load');
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
    const lacking = FLAGS.filter((flag) => !this.supports[flag]);
    const supports = Object.fromEntries(lacking.map((flag) => [flag, false]));
    return {
      type: 'fake-search',
      version: 1,
      package: '@simkit/core',
      config: lacking.length === 0 ? { dim: this.dim ?? null } : { dim: this.dim ?? null, supports },
    };
  }

  /** A FakeSearch from the config its `toConfig` wrote. */
  static fromConfig(config: ComponentConfig): FakeSearch {
    const { dim, supports } = config.config;
    return new FakeSearch({
      ...(typeof dim === 'number' ? { dim } : {}),
      ...(typeof supports === 'object' && supports !== null ? { supports: supports as Partial<SearchSupports> } : {}),
    });
  }

  private checkPersistence(operation: 'save' | 'load'): void {
    if (!this.supports.persistence) {
      throw unsupported(
        'This FakeSearch',
        operation,
        'it was built with supports.persistence = false; keep the vectors elsewhere and add them again.',
      );
    }
  }
}
