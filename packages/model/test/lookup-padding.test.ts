import { join } from 'node:path';
import type { EmbeddingBatch, LogLevel, Logger, LookupOptions, Neighbors } from '@simkit/core';
import { FakeSearch, withTempDir } from '@simkit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimilarityModel } from '../src/index.js';
import { calibrationSet, projectionModel, useCpu } from './fixtures.js';

beforeAll(useCpu);

/** Exact euclidean search that, like an approximate one can, returns one neighbour only for odd queries. */
class ShortOddRows extends FakeSearch {
  override async lookup(queries: EmbeddingBatch, k: number, options?: LookupOptions): Promise<Neighbors[]> {
    const rows = await super.lookup(queries, k, options);
    return rows.map((r, i) => (i % 2 === 1 ? { ids: r.ids.slice(0, 1), distances: r.distances.slice(0, 1) } : r));
  }
}

function warningsOf(): Logger & { warnings: Array<{ message: string; fields?: Record<string, unknown> }> } {
  const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  return {
    warnings,
    log(level: LogLevel, message: string, fields?: Record<string, unknown>) {
      if (level === 'warn') warnings.push({ message, ...(fields && { fields }) });
    },
  };
}

describe('padded lookup rows', () => {
  it('are reported once per lookup batch through the model logger, also after load', async () => {
    await withTempDir(async (root) => {
      const logger = warningsOf();
      const sim = new SimilarityModel(projectionModel(), { logger });
      sim.compile({ distance: 'euclidean', search: new ShortOddRows({ dim: 2 }) });
      await sim.index(calibrationSet.indexX, calibrationSet.indexY);
      // 6 calibration queries with k = 2: queries 1, 3 and 5 get one neighbour → 3 short rows.
      await sim.calibrate(calibrationSet.queryX, calibrationSet.queryY, { k: 2 });
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]?.message).toMatch(/^3 lookup sets are shorter than the max lookup set length \(2\)/);
      expect(logger.warnings[0]?.fields).toMatchObject({ shortLookupSets: 3, k: 2 });

      const dir = join(root, 'saved');
      await sim.save(dir);
      const loadedLogger = warningsOf();
      const registry = { 'fake-search': { fromConfig: () => new ShortOddRows({ dim: 2 }) } };
      const loaded = await SimilarityModel.load(dir, registry, { logger: loadedLogger });
      await loaded.match(calibrationSet.queryX.slice(0, 2), { k: 2 });
      expect(loadedLogger.warnings).toHaveLength(1);
      expect(loadedLogger.warnings[0]?.fields).toMatchObject({ shortLookupSets: 1 });
    });
  });

  it('say nothing when every row is full', async () => {
    const logger = warningsOf();
    const sim = new SimilarityModel(projectionModel(), { logger });
    sim.compile({ distance: 'euclidean' });
    await sim.index(calibrationSet.indexX, calibrationSet.indexY);
    await sim.calibrate(calibrationSet.queryX, calibrationSet.queryY, { k: 2 });
    expect(logger.warnings).toEqual([]);
  });
});
