import { expectCode, seededRandom } from '@simkit/core/testing';
import {
  engine,
  env,
  getKernel,
  mean,
  memory,
  type NamedAttrMap,
  reshape,
  type Scalar,
  setBackend,
  slice,
  square,
  sub,
  type Tensor,
  type Tensor4D,
  tensor4d,
  tidy,
  train,
} from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmConvGradients, selectBackend } from '../src/index.js';

interface Case {
  n: number;
  h: number;
  w: number;
  cin: number;
  kh: number;
  kw: number;
  cout: number;
  stride: number;
  pad: 'same' | 'valid';
}

function outSide(side: number, k: number, stride: number, pad: 'same' | 'valid'): number {
  return pad === 'same' ? Math.ceil(side / stride) : Math.ceil((side - k + 1) / stride);
}

function randomValues(count: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: count }, () => rand() * 2 - 1);
}

/** The filter gradient of `c` on the named backend, as plain numbers. */
async function backpropFilter(backend: 'cpu' | 'wasm', c: Case, seed: number): Promise<Float32Array> {
  await setBackend(backend);
  const ho = outSide(c.h, c.kh, c.stride, c.pad);
  const wo = outSide(c.w, c.kw, c.stride, c.pad);
  const x = tensor4d(randomValues(c.n * c.h * c.w * c.cin, seed), [c.n, c.h, c.w, c.cin]);
  const dy = tensor4d(randomValues(c.n * ho * wo * c.cout, seed + 1), [c.n, ho, wo, c.cout]);
  const attrs = {
    strides: [c.stride, c.stride],
    pad: c.pad,
    dataFormat: 'NHWC',
    dimRoundingMode: undefined,
    filterShape: [c.kh, c.kw, c.cin, c.cout],
  } as unknown as NamedAttrMap;
  const dW = engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as Tensor;
  expect(dW.shape).toEqual([c.kh, c.kw, c.cin, c.cout]);
  const values = (await dW.data()) as Float32Array;
  x.dispose();
  dy.dispose();
  dW.dispose();
  return values;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

describe('registerWasmConvGradients', () => {
  beforeAll(async () => {
    await import('@tensorflow/tfjs-backend-wasm');
  });

  it('registers a wasm Conv2DBackpropFilter once, and is a no-op afterwards', async () => {
    expect(getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(registerWasmConvGradients()).toBe(true);
    expect(getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(registerWasmConvGradients()).toBe(false);
    // selectBackend calls it when it picks wasm; the kernel stays the one registered above.
    const kernel = getKernel('Conv2DBackpropFilter', 'wasm');
    expect(await selectBackend({ prefer: 'wasm' })).toBe('wasm');
    expect(getKernel('Conv2DBackpropFilter', 'wasm')).toBe(kernel);
  });

  it('gives the hand-computed gradient of a 2×2 filter on a 3×3 image, stride 1, valid', async () => {
    await setBackend('wasm');
    // x = [[1,2,3],[4,5,6],[7,8,9]], dy = [[1,0],[0,2]] (2×2 output).
    // dW[i][j] = Σ_{y,x} x[i+y][j+x]·dy[y][x] = x[i][j]·1 + x[i+1][j+1]·2:
    //   dW[0][0] = 1 + 5·2 = 11, dW[0][1] = 2 + 6·2 = 14, dW[1][0] = 4 + 8·2 = 20, dW[1][1] = 5 + 9·2 = 23.
    const x = tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const dy = tensor4d([1, 0, 0, 2], [1, 2, 2, 1]);
    const attrs = { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [2, 2, 1, 1] };
    const dW = engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as NamedAttrMap) as Tensor;
    expect(Array.from(await dW.data())).toEqual([11, 14, 20, 23]);
    for (const t of [x, dy, dW]) t.dispose();
  });

  it("gives the hand-computed gradient with stride 2 and 'same' padding", async () => {
    await setBackend('wasm');
    // x = [[1,2,3],[4,5,6],[7,8,9]], 2×2 filter, stride 2, 'same': output 2×2 (⌈3/2⌉), total
    // padding (2−1)·2 + 2 − 3 = 1, all of it after (bottom/right). dy = [[1,1],[1,1]].
    // Padded x = [[1,2,3,0],[4,5,6,0],[7,8,9,0],[0,0,0,0]]; taps at rows/cols {0,2}+i, {0,2}+j:
    //   dW[0][0] = 1+3+7+9 = 20, dW[0][1] = 2+0+8+0 = 10, dW[1][0] = 4+6+0+0 = 10, dW[1][1] = 5 = 5.
    const x = tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const dy = tensor4d([1, 1, 1, 1], [1, 2, 2, 1]);
    const attrs = { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', filterShape: [2, 2, 1, 1] };
    const dW = engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as NamedAttrMap) as Tensor;
    expect(Array.from(await dW.data())).toEqual([20, 10, 10, 5]);
    for (const t of [x, dy, dW]) t.dispose();
  });

  it('matches the cpu backend within 1e-4 on random inputs (strides 1 and 2, both paddings)', async () => {
    const cases: Case[] = [
      { n: 2, h: 7, w: 6, cin: 3, kh: 3, kw: 3, cout: 4, stride: 1, pad: 'valid' },
      { n: 2, h: 7, w: 6, cin: 3, kh: 3, kw: 3, cout: 4, stride: 1, pad: 'same' },
      { n: 3, h: 9, w: 8, cin: 2, kh: 3, kw: 2, cout: 5, stride: 2, pad: 'valid' },
      { n: 3, h: 9, w: 8, cin: 2, kh: 5, kw: 5, cout: 5, stride: 2, pad: 'same' },
      { n: 4, h: 28, w: 28, cin: 1, kh: 3, kw: 3, cout: 8, stride: 1, pad: 'valid' },
      { n: 1, h: 5, w: 5, cin: 4, kh: 1, kw: 1, cout: 3, stride: 1, pad: 'same' },
    ];
    for (const [k, c] of cases.entries()) {
      const cpu = await backpropFilter('cpu', c, 10 * k);
      const wasm = await backpropFilter('wasm', c, 10 * k);
      expect(maxAbsDiff(cpu, wasm)).toBeLessThan(1e-4);
    }
  });

  it('matches the cpu backend on arbitrary shapes (property)', async () => {
    const shape = fc
      .record({
        n: fc.integer({ min: 1, max: 3 }),
        h: fc.integer({ min: 3, max: 10 }),
        w: fc.integer({ min: 3, max: 10 }),
        cin: fc.integer({ min: 1, max: 4 }),
        kh: fc.integer({ min: 1, max: 3 }),
        kw: fc.integer({ min: 1, max: 3 }),
        cout: fc.integer({ min: 1, max: 4 }),
        stride: fc.integer({ min: 1, max: 3 }),
        pad: fc.constantFrom<'same' | 'valid'>('same', 'valid'),
      })
      .filter((c) => c.kh <= c.h && c.kw <= c.w);
    await fc.assert(
      fc.asyncProperty(shape, fc.integer({ min: 0, max: 1000 }), async (c, seed) => {
        const cpu = await backpropFilter('cpu', c, seed);
        const wasm = await backpropFilter('wasm', c, seed);
        expect(maxAbsDiff(cpu, wasm)).toBeLessThan(1e-4);
      }),
      { numRuns: 25, seed: 7 },
    );
  });

  it('UNSUPPORTED for dilation other than 1 and for NCHW data', async () => {
    await setBackend('wasm');
    const x = tensor4d(randomValues(25, 1), [1, 5, 5, 1]);
    const dy = tensor4d(randomValues(9, 2), [1, 3, 3, 1]);
    const base = { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 1, 1] };
    const run = (attrs: object) => () =>
      engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as NamedAttrMap);
    const before = memory().numTensors;
    await expectCode(run({ ...base, dilations: [2, 2] }), 'UNSUPPORTED');
    await expectCode(run({ ...base, dataFormat: 'NCHW' }), 'UNSUPPORTED');
    expect(memory().numTensors).toBe(before);
    x.dispose();
    dy.dispose();
  });

  it('trains a conv layer on wasm: the loss falls and no tensor leaks', async () => {
    await setBackend('wasm');
    // tfjs' test-mode leak check miscounts custom-gradient ops (the dense layer's fused
    // matMul) on wasm; the tensor count below checks for leaks instead.
    env().set('IS_TEST', false);
    const net = sequential({
      layers: [
        layers.conv2d({
          inputShape: [8, 8, 1],
          filters: 4,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: 'glorotUniform',
        }),
        layers.flatten(),
        layers.dense({ units: 1 }),
      ],
    });
    const x = tensor4d(randomValues(16 * 64, 3), [16, 8, 8, 1]) as Tensor4D;
    // Target: the mean of each image's top-left quarter, something the conv can learn.
    const target = tidy(() => reshape(mean(slice(x, [0, 0, 0, 0], [16, 4, 4, 1]), [1, 2, 3]), [16, 1]));
    const optimizer = train.adam(0.02);
    const conv = net.layers[0];
    const kernelBefore = (await conv?.getWeights()[0]?.data()) as Float32Array;
    const step = () =>
      tidy(() => {
        const cost = optimizer.minimize(() => mean(square(sub(net.apply(x) as Tensor, target))) as Scalar, true);
        return cost?.dataSync()[0] ?? Number.NaN;
      });
    const first = step();
    const counts: number[] = [];
    let last = first;
    for (let i = 0; i < 60; i++) {
      last = step();
      counts.push(memory().numTensors);
    }
    expect(last).toBeLessThan(first * 0.5);
    // Same tensor count after every step (the optimizer's slots exist from step 1).
    expect(new Set(counts).size).toBe(1);
    // The filters themselves moved: their gradient reached them.
    const kernelAfter = (await conv?.getWeights()[0]?.data()) as Float32Array;
    expect(maxAbsDiff(kernelBefore, kernelAfter)).toBeGreaterThan(1e-3);
    x.dispose();
    target.dispose();
    env().set('IS_TEST', true);
  });
});
