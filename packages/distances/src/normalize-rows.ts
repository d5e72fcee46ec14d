import { SimkitError, assertPositiveInteger, describe, invalidArgument } from '@simkit/core';

/**
 * L2-normalises each row of a row-major batch, into a copy unless `out` is given
 * (`out` may be `data` itself). A zero row stays zero. Norms are computed in float64.
 */
export function normalizeRows(data: Float32Array, dim: number, out?: Float32Array): Float32Array {
  if (!(data instanceof Float32Array)) {
    throw invalidArgument(`normalizeRows: data must be a Float32Array; got ${describe(data)}.`);
  }
  assertPositiveInteger(dim, 'normalizeRows: dim');
  if (data.length % dim !== 0) {
    throw new SimkitError(
      'DIMENSION_MISMATCH',
      `normalizeRows: data holds ${data.length} values, not a multiple of dim=${dim}; pass whole rows of ${dim} floats.`,
      { details: { dim, length: data.length } },
    );
  }
  if (out !== undefined && (!(out instanceof Float32Array) || out.length !== data.length)) {
    throw invalidArgument(
      `normalizeRows: out must be a Float32Array of ${data.length} values (the size of data) or omitted; got ${describe(out)}${out instanceof Float32Array ? ` of ${out.length}` : ''}.`,
    );
  }
  const res = out ?? new Float32Array(data.length);
  const rows = data.length / dim;
  for (let i = 0; i < rows; i++) {
    const o = i * dim;
    let ss = 0;
    for (let t = 0; t < dim; t++) {
      const v = data[o + t] as number;
      ss += v * v;
    }
    if (ss - ss !== 0) {
      throw invalidArgument(
        `normalizeRows: row ${i} contains NaN or Infinity; fix or drop non-finite values before normalising.`,
        { row: i },
      );
    }
    const norm = Math.sqrt(ss);
    for (let t = 0; t < dim; t++) res[o + t] = ss === 0 ? 0 : (data[o + t] as number) / norm;
  }
  return res;
}
