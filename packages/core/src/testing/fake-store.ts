import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSave } from '../atomic-save.js';
import { openSave } from '../open-save.js';
import type { ComponentConfig } from '../config.js';
import { type EmbeddingBatch, toBatch, toIds } from '../embeddings.js';
import { checkOptions, unsupported } from '../checks.js';
import { SimkitError, invalidArgument } from '../errors.js';
import { checkData, checkLabels } from '../records.js';
import type { LabelsInput, Store, StoreRecord, StoreSupports } from '../store.js';

interface FakeRow {
  embedding: number[];
  label: number | null;
  data: unknown;
}

/** Options of `FakeStore`. */
export interface FakeStoreOptions {
  /** Declare `supports.delete` (default true); when false, `delete` fails with UNSUPPORTED. */
  readonly delete?: boolean;
}

/**
 * Reference Store: a Map of plain records. It defines what the conformance suite expects.
 * It keeps records in memory only (`supports.persistence` is false); `save`/`load` work.
 */
export class FakeStore implements Store {
  readonly supports: StoreSupports;
  dim: number | undefined;
  private rows = new Map<number, FakeRow>();
  private nextId = 0;

  constructor(options: FakeStoreOptions = {}) {
    const { delete: canDelete = true } = checkOptions(options, 'FakeStore options');
    if (typeof canDelete !== 'boolean') {
      throw invalidArgument(`FakeStore options.delete must be true or false; got ${String(canDelete)}.`);
    }
    this.supports = Object.freeze({ delete: canDelete, persistence: false });
  }

  size(): number {
    return this.rows.size;
  }

  async add(embeddings: EmbeddingBatch, labels?: LabelsInput, data?: ArrayLike<unknown> | null): Promise<Int32Array> {
    const b = toBatch(embeddings, this.dim);
    const l = checkLabels(labels, b.rows);
    const d = checkData(data, b.rows);
    const ids = new Int32Array(b.rows);
    if (b.rows > 0) this.dim = b.dim;
    for (let i = 0; i < b.rows; i++) {
      ids[i] = this.nextId;
      this.rows.set(this.nextId++, {
        embedding: Array.from(b.data.subarray(i * b.dim, (i + 1) * b.dim)),
        label: l?.present[i] ? (l.values[i] as number) : null,
        data: d ? structuredClone(d[i]) : null,
      });
    }
    return ids;
  }

  async get(ids: ArrayLike<number>): Promise<StoreRecord[]> {
    return Array.from(toIds(ids), (id) => this.record(id));
  }

  async delete(ids: ArrayLike<number>): Promise<void> {
    if (!this.supports.delete) {
      throw unsupported(
        'This FakeStore',
        'delete',
        'it was built with delete = false; reset() and add the records to keep.',
      );
    }
    const checked = toIds(ids);
    for (const id of checked) this.record(id);
    for (const id of checked) this.rows.delete(id);
  }

  async *entries(): AsyncIterable<StoreRecord> {
    const ids = [...this.rows.keys()].sort((a, b) => a - b);
    for (const id of ids) yield this.record(id);
  }

  async reset(): Promise<void> {
    this.rows.clear();
    this.nextId = 0;
  }

  async save(dir: string): Promise<void> {
    const content = JSON.stringify({ dim: this.dim, nextId: this.nextId, rows: [...this.rows] });
    await writeSave(dir, 'fake-store', (gen) => writeFile(join(gen, 'fake-store.json'), content));
  }

  async load(dir: string): Promise<void> {
    const saved = await openSave(dir, 'fake-store');
    let parsed: { dim?: number; nextId: number; rows: Array<[number, FakeRow]> };
    try {
      parsed = JSON.parse(await saved.readText('fake-store.json'));
    } catch (cause) {
      if (SimkitError.isInstance(cause)) throw cause;
      throw new SimkitError('CORRUPT_INDEX', `No readable fake store in ${dir}.`, { cause });
    }
    this.dim = parsed.dim;
    this.nextId = parsed.nextId;
    this.rows = new Map(parsed.rows);
  }

  toConfig(): ComponentConfig {
    const config = this.supports.delete ? {} : { delete: false };
    return { type: 'fake-store', version: 1, package: '@simkit/core', config };
  }

  /** A FakeStore from the config its `toConfig` wrote. */
  static fromConfig(config?: ComponentConfig): FakeStore {
    return new FakeStore(config?.config.delete === false ? { delete: false } : {});
  }

  private record(id: number): StoreRecord {
    const row = this.rows.get(id);
    if (row === undefined) throw new SimkitError('NOT_FOUND', `No record with id ${id} in the store.`);
    return { id, embedding: Float32Array.from(row.embedding), label: row.label, data: structuredClone(row.data) };
  }
}
