import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { type ExactPeer, type KnnRows, reasonOf } from './exact-peer.js';

export type Tf = typeof import('@tensorflow/tfjs-core');

/** TensorFlow.js on its wasm backend, or why it could not start. */
export async function loadTfjsWasm(): Promise<Tf | string> {
  try {
    const tf = await import('@tensorflow/tfjs-core');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the backend looks for its .wasm files next to the script unless told where they are.
    const dir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(`${dir}/`);
    if (!(await tf.setBackend('wasm'))) return 'the wasm backend did not initialise';
    await tf.ready();
    return tf;
  } catch (error) {
    return reasonOf(error);
  }
}

/**
 * Exact euclidean kNN with tfjs: per block of queries one matMul against the keys and a
 * topk. Ranking uses the expansion ‖q−k‖² = ‖q‖² − (2q·k − ‖k‖²), so the keys are held as
 * 2·keysᵀ (dim × n, uploaded once) and −‖k‖² rides along as the fused matMul's bias.
 * The keys are held transposed because wasm's matMul with `transposeB` measured ~10× slower.
 */
export class TfjsWasmExact implements ExactPeer {
  readonly label = 'tfjs-wasm matMul+topk';
  readonly settings: Record<string, string | number | boolean>;
  private readonly keysT2: Tensor2D;
  private readonly negNorms: Tensor1D;

  constructor(
    private readonly tf: Tf,
    data: Float32Array,
    n: number,
    private readonly dim: number,
    private readonly queryBlock: number,
    simd: boolean,
    threads: boolean,
  ) {
    const t = new Float32Array(n * dim);
    const negNorms = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const o = i * dim;
      let s = 0;
      for (let j = 0; j < dim; j++) {
        const v = data[o + j] as number;
        t[j * n + i] = 2 * v;
        s += v * v;
      }
      negNorms[i] = -s;
    }
    this.keysT2 = tf.tensor2d(t, [dim, n]);
    this.negNorms = tf.tensor1d(negNorms);
    this.settings = { backend: tf.getBackend(), simd, threads, queryBlock, keys: 'uploaded once as 2·keysᵀ' };
  }

  search(queries: Float32Array, rows: number, k: number): KnnRows {
    const { tf, dim, queryBlock } = this;
    const ids = new Int32Array(rows * k);
    const distances = new Float32Array(rows * k);
    for (let start = 0; start < rows; start += queryBlock) {
      const r = Math.min(queryBlock, rows - start);
      const [indices, squared] = tf.tidy(() => {
        const q = tf.tensor2d(queries.subarray(start * dim, (start + r) * dim), [r, dim]);
        const scores = tf.fused.matMul({ a: q, b: this.keysT2, bias: this.negNorms });
        const top = tf.topk(scores, k);
        return [top.indices, tf.sub(tf.sum(tf.square(q), 1, true), top.values)];
      });
      ids.set(indices.dataSync(), start * k);
      const d2 = squared.dataSync();
      const base = start * k;
      for (let j = 0; j < r * k; j++) distances[base + j] = Math.sqrt(Math.max(0, d2[j] as number));
      indices.dispose();
      squared.dispose();
    }
    return { ids, distances };
  }

  dispose(): void {
    this.keysT2.dispose();
    this.negNorms.dispose();
  }
}
