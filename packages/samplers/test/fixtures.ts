/**
 * A toy dataset whose rows say where they come from: row r of x is
 * [r, 100 + label], so a test can check that every sampled row matches its label.
 */
export function toyData(labels: readonly number[]): { x: Float32Array; y: Int32Array } {
  const y = Int32Array.from(labels);
  const x = new Float32Array(y.length * 2);
  for (let r = 0; r < y.length; r++) {
    x[r * 2] = r;
    x[r * 2 + 1] = 100 + (y[r] as number);
  }
  return { x, y };
}

/** Source row index of each row of a sampled toyData batch. */
export function sourceRows(x: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length; i += 2) out.push(x[i] as number);
  return out;
}

/** Checks that each sampled row carries its own label; returns the labels read from x. */
export function labelsFromX(x: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 1; i < x.length; i += 2) out.push((x[i] as number) - 100);
  return out;
}

/** Count of each value. */
export function counts(values: ArrayLike<number>): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < values.length; i++) m.set(values[i] as number, (m.get(values[i] as number) ?? 0) + 1);
  return m;
}
