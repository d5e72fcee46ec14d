import { noProgress } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { type Tensor, memory, tensor1d, tensor2d } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { embedInBatches } from '../src/embedder.js';
import { type InputSpec, toInputTensors, toLabelArray } from '../src/model-input.js';
import { SimilarityModel } from '../src/index.js';
import { projectionModel, twoHeadModel, useCpu } from './fixtures.js';

beforeAll(useCpu);

const float3: InputSpec[] = [{ name: 'x', shape: [null, 3], dtype: 'float32' }];
const int3: InputSpec[] = [{ name: 'x', shape: [null, 3], dtype: 'int32' }];
const bool3: InputSpec[] = [{ name: 'x', shape: [null, 3], dtype: 'bool' }];

function disposed(): Tensor {
  const t = tensor2d([[1, 2, 3]]);
  t.dispose();
  return t;
}

describe('disposed tensors are INVALID_ARGUMENT ("the tensor was disposed"), not a raw tfjs error', () => {
  it('as model input, alone or in an array of inputs', async () => {
    const before = memory().numTensors;
    const e = await expectCode(() => toInputTensors(disposed(), float3), 'INVALID_ARGUMENT');
    expect(e.message).toContain('the tensor was disposed');
    await expectCode(() => toInputTensors([disposed()], float3), 'INVALID_ARGUMENT');
    await expectCode(() => toInputTensors(disposed(), float3, true), 'INVALID_ARGUMENT');
    expect(memory().numTensors).toBe(before);
  });

  it('through the model: embed, lookup and index with a disposed input or label tensor', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.createIndex();
    const before = memory().numTensors;
    await expectCode(() => sim.embed(disposed()), 'INVALID_ARGUMENT');
    await expectCode(() => sim.lookup(disposed()), 'INVALID_ARGUMENT');
    await expectCode(() => sim.index(disposed()), 'INVALID_ARGUMENT');
    const labels = tensor1d([1], 'int32');
    labels.dispose();
    const e = await expectCode(() => sim.index([[1, 2, 3]], labels), 'INVALID_ARGUMENT');
    expect(e.message).toContain('disposed');
    expect(sim.indexSize()).toBe(0);
    expect(memory().numTensors).toBe(before);
  });

  it('as labels, directly', async () => {
    const labels = tensor1d([1, 2], 'int32');
    labels.dispose();
    await expectCode(() => toLabelArray(labels), 'INVALID_ARGUMENT');
    const text = tensor1d(['a', 'b'] as never, 'string');
    await expectCode(() => toLabelArray(text), 'INVALID_ARGUMENT');
    text.dispose();
  });

  it('disposed by the caller while embedding runs: INVALID_ARGUMENT before the next batch', async () => {
    const model = projectionModel();
    const x = tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const inputs = toInputTensors(x, float3);
    const before = memory().numTensors;
    const e = await expectCode(
      () =>
        embedInBatches(model, inputs, {
          batchSize: 1,
          outputIndex: 0,
          dim: 2,
          // the caller disposes its tensor as soon as the first batch is done
          onProgress: (p) => {
            if (p.done === 1) x.dispose();
          },
        }),
      'INVALID_ARGUMENT',
    );
    expect(e.message).toContain('the tensor was disposed');
    inputs.dispose();
    expect(memory().numTensors).toBe(before - 1);
    model.dispose();
  });

  it('a string tensor is INVALID_ARGUMENT', async () => {
    const s = tensor2d([['a', 'b', 'c']] as never, [1, 3], 'string');
    await expectCode(() => toInputTensors(s, float3), 'INVALID_ARGUMENT');
    s.dispose();
  });
});

describe('options that are not objects are INVALID_ARGUMENT', () => {
  it('calibrate(x, y, null) names the options instead of crashing', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.createIndex();
    await sim.index(
      [
        [1, 0, 0],
        [0, 1, 0],
      ],
      [0, 1],
    );
    const e = await expectCode(() => sim.calibrate([[1, 0, 0]], [0], null as never), 'INVALID_ARGUMENT');
    expect(e.message).toContain('calibrate options');
    await expectCode(() => sim.calibrate([[1, 0, 0]], [0], 3 as never), 'INVALID_ARGUMENT');
    await expectCode(() => sim.match([[1, 0, 0]]), 'NOT_CALIBRATED');
  });
});

describe('plain model input holds numbers only, as the input dtype holds them', () => {
  const bad: Array<[string, unknown]> = [
    ["'1'", '1'],
    ['true', true],
    ['null', null],
    ['undefined', undefined],
    ['1n', 1n],
    ['[1]', [1]],
    ['an object', { v: 1 }],
    ['a Symbol', Symbol('s')],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['1e300', 1e300],
  ];

  it.each(bad)('nested arrays: %s is INVALID_ARGUMENT naming its position', async (_, v) => {
    const e = await expectCode(
      () =>
        toInputTensors(
          [
            [0, 0, 0],
            [0, v as number, 0],
          ],
          float3,
        ),
      'INVALID_ARGUMENT',
    );
    expect(e.message).toContain('[1][1]');
  });

  it.each(bad)('{ data, shape }: %s is INVALID_ARGUMENT naming its index', async (_, v) => {
    const e = await expectCode(
      () => toInputTensors({ data: [0, 0, 0, 0, v as number, 0], shape: [2, 3] }, float3),
      'INVALID_ARGUMENT',
    );
    expect(e.message).toContain('data[4]');
  });

  it('int32 and bool inputs are not silently truncated', async () => {
    await expectCode(() => toInputTensors([[1, 2.5, 3]], int3), 'INVALID_ARGUMENT');
    await expectCode(
      () => toInputTensors({ data: Float32Array.of(1, 2.5, 3), shape: [1, 3] }, int3),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => toInputTensors([[1, 2 ** 40, 3]], int3), 'INVALID_ARGUMENT');
    await expectCode(() => toInputTensors([[0, 1, 2]], bool3), 'INVALID_ARGUMENT');
    const ok = toInputTensors([[0, 1, 1]], bool3);
    expect(ok.tensors[0]?.dtype).toBe('bool');
    ok.dispose();
    const ints = toInputTensors({ data: [1, -2, 3], shape: [1, 3] }, int3);
    expect(Array.from(ints.tensors[0]?.dataSync() ?? [])).toEqual([1, -2, 3]);
    ints.dispose();
  });

  it('{ data, shape } wants an array or numeric typed array of the right size; shapes are bounded', async () => {
    for (const data of [
      '123',
      { length: 3, 0: 1, 1: 2, 2: 3 },
      BigInt64Array.of(1n, 2n, 3n),
      new DataView(new ArrayBuffer(12)),
    ]) {
      await expectCode(() => toInputTensors({ data: data as never, shape: [1, 3] }, float3), 'INVALID_ARGUMENT');
    }
    await expectCode(() => toInputTensors({ data: [], shape: [2 ** 40, 0] }, float3), 'INVALID_ARGUMENT');
    await expectCode(() => toInputTensors({ data: [], shape: new Array(40).fill(0) }, float3), 'INVALID_ARGUMENT');
  });

  it('very deep nesting is INVALID_ARGUMENT, not a stack overflow', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    await expectCode(() => toInputTensors(deep as never, float3), 'INVALID_ARGUMENT');
  });

  it('valid input still converts, Float32Array without a copy, and creates no stray tensors', () => {
    const before = memory().numTensors;
    const data = Float32Array.of(1, 2, 3, 4, 5, 6);
    const a = toInputTensors({ data, shape: [2, 3] }, float3);
    expect(Array.from(a.tensors[0]?.dataSync() ?? [])).toEqual([1, 2, 3, 4, 5, 6]);
    a.dispose();
    const b = toInputTensors([[1, 2, 3]], float3);
    expect(b.rows).toBe(1);
    b.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('through the model: a string inside the input indexes nothing', async () => {
    const sim = new SimilarityModel(twoHeadModel());
    sim.createIndex();
    await expectCode(
      () =>
        sim.index(
          [
            [1, 2, 3],
            [4, '5' as never, 6],
          ],
          [1, 2],
        ),
      'INVALID_ARGUMENT',
    );
    expect(sim.indexSize()).toBe(0);
    await expectCode(() => sim.embed([[1, 2, true as never]]), 'INVALID_ARGUMENT');
  });
});

describe('embedInBatches with live tensors', () => {
  it('embedInBatches still embeds with a live tensor', async () => {
    const model = projectionModel();
    const inputs = toInputTensors([[1, 2, 3]], float3);
    const out = await embedInBatches(model, inputs, { batchSize: 4, outputIndex: 0, dim: 2, onProgress: noProgress });
    expect(Array.from(out.data)).toEqual([1, 2]);
    inputs.dispose();
    model.dispose();
  });
});
