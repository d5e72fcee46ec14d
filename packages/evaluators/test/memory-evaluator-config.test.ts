import { fromConfig } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { MemoryEvaluator } from '../src/index.js';

describe('MemoryEvaluator config', () => {
  it('round-trips through { type, version, config }', async () => {
    const ev = new MemoryEvaluator({ distanceRounding: 6 });
    const c = JSON.parse(JSON.stringify(ev.toConfig()));
    expect(c).toEqual({
      type: 'memory-evaluator',
      version: 1,
      package: '@simkit/evaluators',
      config: { distanceRounding: 6 },
    });
    const back = await fromConfig<MemoryEvaluator>(c, { 'memory-evaluator': MemoryEvaluator });
    expect(back).toBeInstanceOf(MemoryEvaluator);
    expect(back.distanceRounding).toBe(6);
    expect(
      MemoryEvaluator.fromConfig(new MemoryEvaluator({ distanceRounding: null }).toConfig()).distanceRounding,
    ).toBeNull();
    expect(new MemoryEvaluator().distanceRounding).toBe(8);
  });

  it('rejects other types, newer versions and bad settings', async () => {
    await expectCode(
      () => MemoryEvaluator.fromConfig({ type: 'linear-search', version: 1, config: {} }),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      () => MemoryEvaluator.fromConfig({ type: 'memory-evaluator', version: 2, config: {} }),
      'UNSUPPORTED',
    );
    await expectCode(() => new MemoryEvaluator({ distanceRounding: 16 }), 'INVALID_ARGUMENT');
    await expectCode(() => new MemoryEvaluator({ distanceRounding: 1.5 }), 'INVALID_ARGUMENT');
    await expectCode(() => new MemoryEvaluator(null as never), 'INVALID_ARGUMENT');
  });
});
