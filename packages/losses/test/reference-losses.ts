/**
 * Plain-JS, float64 re-statements of TF Similarity's loss functions, written
 * loop by loop from the Python (including its masked_max/min and LogSumExp
 * conventions), to cross-check the tensor code on any batch.
 */
export type Matrix = number[][];

export function cosineMatrix(e: Matrix): Matrix {
  return e.map((a) => e.map((b) => Math.max(1 - a.reduce((s, v, k) => s + v * (b[k] as number), 0), 0)));
}

export function sqL2Matrix(e: Matrix): Matrix {
  return e.map((a) => e.map((b) => a.reduce((s, v, k) => s + (v - (b[k] as number)) ** 2, 0)));
}

interface Masks {
  pos: boolean[][];
  neg: boolean[][];
}

function masks(labels: readonly number[]): Masks {
  const pos = labels.map((a, i) => labels.map((b, j) => a === b && i !== j));
  const neg = labels.map((a) => labels.map((b) => a !== b));
  return { pos, neg };
}

/** Python masked_max over one row: value and index. */
function maskedMax(row: number[], mask: boolean[]): { value: number; index: number } {
  const axisMin = Math.min(...row) - 1e-6;
  let best = 0;
  let index = 0;
  row.forEach((v, j) => {
    const m = mask[j] ? v - axisMin : 0;
    if (m > best) {
      best = m;
      index = j;
    }
  });
  return { value: best + axisMin, index };
}

/** Python masked_min over one row: value and index. */
function maskedMin(row: number[], mask: boolean[]): { value: number; index: number } {
  const axisMax = Math.max(...row) + 1e-6;
  let best = 0;
  let index = 0;
  row.forEach((v, j) => {
    const m = mask[j] ? v - axisMax : 0;
    if (m < best) {
      best = m;
      index = j;
    }
  });
  return { value: best + axisMax, index };
}

/** Python utils.logsumexp over one row: log(exp(−M) + Σ_mask exp(x − M)) + M with M the row max. */
function logsumexp(xs: number[], mask: boolean[]): number {
  const m = Math.max(...xs);
  let s = 0;
  xs.forEach((x, j) => {
    if (mask[j]) s += Math.exp(x - m);
  });
  return Math.log(Math.exp(-m) + s) + m;
}

const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function refMultiSimilarity(
  labels: readonly number[],
  d: Matrix,
  o = { alpha: 2, beta: 40, epsilon: 0.1, lmda: 0.5, center: 1 },
): number {
  const { pos, neg } = masks(labels);
  return mean(
    d.map((row, i) => {
      const negMin = maskedMin(row, neg[i] as boolean[]).value - o.epsilon;
      const posMax = maskedMax(row, pos[i] as boolean[]).value + o.epsilon;
      const pKeep = row.map((v, j) => v > negMin && (pos[i]?.[j] as boolean));
      const nKeep = row.map((v, j) => v < posMax && (neg[i]?.[j] as boolean));
      if (!pKeep.some(Boolean) || !nKeep.some(Boolean)) return 0;
      const shifted = row.map((v) => v + o.lmda - o.center);
      const p = logsumexp(
        shifted.map((s) => o.alpha * s),
        pKeep,
      );
      const n = logsumexp(
        shifted.map((s) => -o.beta * s),
        nKeep,
      );
      return p / o.alpha + n / o.beta;
    }),
  );
}

type PosMining = 'hard' | 'easy';
type NegMining = 'hard' | 'semi-hard' | 'easy';

function mine(row: number[], posRow: boolean[], negRow: boolean[], pm: PosMining, nm: NegMining) {
  const p = pm === 'hard' ? maskedMax(row, posRow) : maskedMin(row, posRow);
  let n: { value: number; index: number };
  if (nm === 'hard') n = maskedMin(row, negRow);
  else if (nm === 'easy') n = maskedMax(row, negRow);
  else {
    const maxPos = maskedMax(row, posRow).value;
    const maxNegIdx = maskedMax(row, negRow).index;
    const mask = row.map((v, j) => (v > maxPos ? (negRow[j] as boolean) : j === maxNegIdx));
    n = maskedMin(row, mask);
  }
  return { p, n };
}

function term(pos: number, neg: number, margin: number | null): number {
  return margin === null ? softplus(pos - neg) : Math.max(pos - neg + margin, 0);
}

export function refTriplet(
  labels: readonly number[],
  d: Matrix,
  pm: PosMining,
  nm: NegMining,
  margin: number | null,
): number {
  const { pos, neg } = masks(labels);
  return mean(
    d.map((row, i) => {
      const { p, n } = mine(row, pos[i] as boolean[], neg[i] as boolean[], pm, nm);
      return term(p.value, n.value, margin);
    }),
  );
}

export function refPN(
  labels: readonly number[],
  d: Matrix,
  pm: PosMining,
  nm: NegMining,
  margin: number | null,
): number {
  const { pos, neg } = masks(labels);
  return mean(
    d.map((row, i) => {
      const { p, n } = mine(row, pos[i] as boolean[], neg[i] as boolean[], pm, nm);
      const pn = d[p.index]?.[n.index] as number;
      return term(p.value, Math.min(pn, n.value), margin);
    }),
  );
}

export function refCircle(labels: readonly number[], d: Matrix, gamma = 80, margin = 0.4): number {
  const { pos, neg } = masks(labels);
  return mean(
    d.map((row, i) => {
      const posRow = pos[i] as boolean[];
      const negRow = neg[i] as boolean[];
      if (!posRow.some(Boolean) || !negRow.some(Boolean)) return 0;
      const pw = row.map((v, j) => Math.max((margin + v) * (posRow[j] ? 1 : 0), 0));
      const nw = row.map((v, j) => Math.max((1 + margin - v) * (negRow[j] ? 1 : 0), 0));
      const pl = row.map((v, j) => -gamma * (pw[j] as number) * (margin - v));
      const nl = row.map((v, j) => gamma * (nw[j] as number) * (1 - margin - v));
      return logsumexp(pl, posRow) + logsumexp(nl, negRow);
    }),
  );
}

export function refSoftNN(labels: readonly number[], d: Matrix, temperature = 1): number {
  const { pos } = masks(labels);
  return mean(
    d.map((row, i) => {
      let same = 0;
      let all = 0;
      row.forEach((v, j) => {
        if (j === i) return;
        const e = Math.exp(-v / temperature);
        all += e;
        if (pos[i]?.[j]) same += e;
      });
      if (!pos[i]?.some(Boolean)) return 0;
      return -Math.log(1e-9 + same / all);
    }),
  );
}
