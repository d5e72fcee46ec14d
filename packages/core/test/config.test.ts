import { describe, expect, it } from 'vitest';
import { fromConfig } from '../src/index.js';
import { FakeSearch, FakeStore, expectCode } from '../src/testing/index.js';

describe('config round trip', () => {
  const registry = { 'fake-search': FakeSearch, 'fake-store': FakeStore };

  it('turns { type, version, config } back into an instance through the registry', async () => {
    const s = new FakeSearch({ dim: 7 });
    const back = await fromConfig<FakeSearch>(JSON.parse(JSON.stringify(s.toConfig())), registry);
    expect(back).toBeInstanceOf(FakeSearch);
    expect(back.dim).toBe(7);
  });

  it('names the missing package when a type is not registered', async () => {
    const e = await expectCode(
      () => fromConfig({ type: 'hnsw-search', version: 1, package: '@simkit/search-hnsw', config: {} }, registry),
      'MISSING_COMPONENT',
    );
    expect(e.message).toContain('@simkit/search-hnsw');
  });

  it('rejects something that is not a config as CORRUPT_INDEX', async () => {
    await expectCode(() => fromConfig({ kind: 'x' }, registry), 'CORRUPT_INDEX');
    await expectCode(() => fromConfig(null, registry), 'CORRUPT_INDEX');
  });
});
