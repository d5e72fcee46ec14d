/**
 * Plain-JS, float64 re-statements of TF Similarity's self-supervised losses
 * (simclr.py, simsiam.py, barlow.py, vicreg.py), written loop by loop from the
 * Python, to cross-check the tensor code on any batch.
 */
import type { Matrix } from './reference-losses.js';

const dot = (a: number[], b: number[]) => a.reduce((s, v, k) => s + v * (b[k] as number), 0);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** tf.math.l2_normalize(x, axis=1): x / √max(|x|², 1e-12). */
export function l2Rows(x: Matrix): Matrix {
  return x.map((row) => {
    const n = Math.sqrt(Math.max(dot(row, row), 1e-12));
    return row.map((v) => v / n);
  });
}

function column(x: Matrix, k: number): number[] {
  return x.map((row) => row[k] as number);
}

/** SimCLRLoss per sample: contrast(a, b) + contrast(b, a) on the normalised views. */
export function refSimCLR(za: Matrix, zb: Matrix, temperature = 0.05): number[] {
  const a = l2Rows(za);
  const b = l2Rows(zb);
  const contrast = (h1: Matrix, h2: Matrix) =>
    h1.map((hi, i) => {
      const logits = [
        ...h2.map((hj) => dot(hi, hj) / temperature),
        ...h1.map((hj, j) => dot(hi, hj) / temperature - (i === j ? 1e9 : 0)),
      ];
      const m = Math.max(...logits);
      const lse = Math.log(logits.reduce((s, l) => s + Math.exp(l - m), 0)) + m;
      return lse - (logits[i] as number);
    });
  const la = contrast(a, b);
  const lb = contrast(b, a);
  return la.map((v, i) => v + (lb[i] as number));
}

export type Projection = 'negative_cosine_sim' | 'cosine_distance' | 'angular_distance';

/** SimSiamLoss per sample: 0.5 · projection(cos(projector_i, predictor_i)) + margin. */
export function refSimSiam(
  projector: Matrix,
  predictor: Matrix,
  projection: Projection = 'negative_cosine_sim',
  margin = 0.001,
): number[] {
  const z = l2Rows(projector);
  const p = l2Rows(predictor);
  return z.map((zi, i) => {
    const s = dot(zi, p[i] as number[]);
    const proj =
      projection === 'negative_cosine_sim'
        ? -s
        : projection === 'cosine_distance'
          ? 1 - s
          : Math.acos(Math.min(Math.max(s, -1), 1)) / Math.PI;
    return 0.5 * proj + margin;
  });
}

/** Barlow's standardize_columns: (x − mean) / population std, 0 where the std is 0 (divide_no_nan). */
export function standardize(x: Matrix): Matrix {
  const d = (x[0] as number[]).length;
  const means: number[] = [];
  const stds: number[] = [];
  for (let k = 0; k < d; k++) {
    const col = column(x, k);
    const m = mean(col);
    means.push(m);
    stds.push(Math.sqrt(mean(col.map((v) => (v - m) ** 2))));
  }
  return x.map((row) => row.map((v, k) => (stds[k] === 0 ? 0 : (v - (means[k] as number)) / (stds[k] as number))));
}

/** Barlow loss: Σ (1 − C_kk)² + λ Σ_{k≠l} C_kl² + margin with C = standardize(za)ᵀ standardize(zb) / B. */
export function refBarlow(za: Matrix, zb: Matrix, lambda = 5e-3, margin = 1e-12): number {
  const a = standardize(za);
  const b = standardize(zb);
  const n = za.length;
  const d = (za[0] as number[]).length;
  let on = 0;
  let off = 0;
  for (let k = 0; k < d; k++) {
    for (let l = 0; l < d; l++) {
      const c = dot(column(a, k), column(b, l)) / n;
      if (k === l) on += (1 - c) ** 2;
      else off += c ** 2;
    }
  }
  return off * lambda + on + margin;
}

export interface VicRegSettings {
  stdConst: number;
  lambda: number;
  mu: number;
  nu: number;
}

export const VICREG_DEFAULTS: VicRegSettings = { stdConst: 1e-4, lambda: 25, mu: 25, nu: 1 };

/** VicReg per sample: λ · MSE_i + μ · std_loss + ν · (cov(za) + cov(zb)). */
export function refVicReg(za: Matrix, zb: Matrix, o: VicRegSettings = VICREG_DEFAULTS): number[] {
  const n = za.length;
  const d = (za[0] as number[]).length;
  const sim = za.map((row, i) => mean(row.map((v, k) => (v - (zb[i]?.[k] as number)) ** 2)));
  const centre = (x: Matrix) => {
    const means = Array.from({ length: d }, (_, k) => mean(column(x, k)));
    return x.map((row) => row.map((v, k) => v - (means[k] as number)));
  };
  const stdLoss = (x: Matrix) =>
    mean(
      Array.from({ length: d }, (_, k) => {
        const col = column(x, k);
        const m = mean(col);
        const variance = mean(col.map((v) => (v - m) ** 2));
        return Math.max(0, 1 - Math.sqrt(variance + o.stdConst));
      }),
    );
  const cov = (x: Matrix) => {
    let s = 0;
    for (let k = 0; k < d; k++) {
      for (let l = 0; l < d; l++) {
        if (k !== l) s += (dot(column(x, k), column(x, l)) / (n - 1)) ** 2;
      }
    }
    return s / d;
  };
  const ca = centre(za);
  const cb = centre(zb);
  const std = stdLoss(ca) / 2 + stdLoss(cb) / 2;
  const c = cov(ca) + cov(cb);
  return sim.map((s) => o.lambda * s + o.mu * std + o.nu * c);
}

/** Central differences in float64 of `f` over every entry of `x`, the other arguments held constant. */
export function numericGradient(f: (x: Matrix) => number, x: Matrix, h = 1e-6): Matrix {
  return x.map((row, i) =>
    row.map((_, k) => {
      const plus = x.map((r) => r.slice());
      const minus = x.map((r) => r.slice());
      (plus[i] as number[])[k] = (row[k] as number) + h;
      (minus[i] as number[])[k] = (row[k] as number) - h;
      return (f(plus) - f(minus)) / (2 * h);
    }),
  );
}

export const meanOf = mean;
