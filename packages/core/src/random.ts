/** Deterministic PRNG (mulberry32) for tests and benchmarks; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `rows` × `dim` uniform values in [-1, 1), seeded. */
export function randomVectors(rows: number, dim: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(rows * dim);
  for (let i = 0; i < out.length; i++) out[i] = rand() * 2 - 1;
  return out;
}

/**
 * Seeded clustered data: `clusters` Gaussian blobs; returns vectors and each row's cluster.
 */
export function clusteredVectors(
  rows: number,
  dim: number,
  clusters: number,
  seed: number,
  spread = 0.15,
): { data: Float32Array; labels: Int32Array } {
  const rand = seededRandom(seed);
  const gauss = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const centers = new Float32Array(clusters * dim);
  for (let i = 0; i < centers.length; i++) centers[i] = gauss();
  const data = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const c = Math.floor(rand() * clusters);
    labels[r] = c;
    for (let j = 0; j < dim; j++) data[r * dim + j] = (centers[c * dim + j] as number) + spread * gauss();
  }
  return { data, labels };
}
