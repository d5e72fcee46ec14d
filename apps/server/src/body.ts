import { SimkitError, invalidArgument } from '@simkit/core';
import type { RowLayout, Rows } from './backend.js';

/**
 * Turns query-string values into the types their schema names, before validation: `k=5` and
 * `noMatchLabel=-1` become numbers, `includeEmbeddings=true` a boolean. Anything else stays a
 * string, so the schema rejects it.
 */
export function coerceQuery(query: unknown): void {
  if (typeof query !== 'object' || query === null) return;
  const q = query as Record<string, unknown>;
  for (const name of ['k', 'noMatchLabel']) {
    const v = q[name];
    if (typeof v === 'string' && /^-?[0-9]+(\.[0-9]+)?$/.test(v)) q[name] = Number(v);
  }
  const b = q.includeEmbeddings;
  if (b === 'true' || b === 'false') q.includeEmbeddings = b === 'true';
}

/** `1,2,,null,3` → `[1, 2, null, null, 3]` (the pattern was checked by the schema). */
export function parseLabelList(text: string): Array<number | null> {
  return text.split(',').map((t) => (t === '' || t === 'null' ? null : Number(t)));
}

/** The rows of a request body: JSON (`layout.key`) or raw little-endian float32. */
export function decodeRows(body: unknown, layout: RowLayout, maxBatch: number): Rows {
  if (Buffer.isBuffer(body)) return decodeBinary(body, layout, maxBatch);
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const value = (body as Record<string, unknown>)[layout.key];
    if (value !== undefined) return decodeJson(value, layout, maxBatch);
  }
  throw invalidArgument(
    `Send a JSON object with '${layout.key}' (Content-Type: application/json), or raw float32 rows (Content-Type: application/octet-stream).`,
  );
}

function tooMany(rows: number, maxBatch: number): SimkitError {
  return invalidArgument(
    `The request has ${rows} rows; at most ${maxBatch} are allowed (maxBatch). Split the request.`,
  );
}

function rowText(layout: RowLayout): string {
  return layout.key === 'embeddings'
    ? `embeddings of ${layout.size} values`
    : `model inputs of shape [${layout.shape.join(', ')}] (${layout.size} values)`;
}

/** Stores `value` as float32 at `i`, or fails for anything but a finite float32 number. */
function put(out: Float32Array, i: number, value: unknown, layout: RowLayout): void {
  if (typeof value !== 'number') {
    throw invalidArgument(`Row ${Math.floor(i / layout.size)} holds ${typeof value} where a number belongs.`);
  }
  const f = Math.fround(value);
  if (f - f !== 0) {
    throw invalidArgument(
      `Row ${Math.floor(i / layout.size)}, value ${i % layout.size} is ${value}, which is not a finite 32-bit float; send finite numbers only.`,
    );
  }
  out[i] = f;
}

function decodeBinary(body: Buffer, layout: RowLayout, maxBatch: number): Rows {
  const rowBytes = 4 * layout.size;
  if (body.byteLength === 0) throw invalidArgument(`The body is empty; send ${rowText(layout)} as float32 rows.`);
  if (body.byteLength % rowBytes !== 0) {
    throw new SimkitError(
      'DIMENSION_MISMATCH',
      `The body has ${body.byteLength} bytes, not a multiple of ${rowBytes} (one row of ${rowText(layout)} as float32).`,
    );
  }
  const rows = body.byteLength / rowBytes;
  if (rows > maxBatch) throw tooMany(rows, maxBatch);
  const n = rows * layout.size;
  const out = new Float32Array(n);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let i = 0; i < n; i++) {
    const v = view.getFloat32(i * 4, true);
    if (v - v !== 0) {
      throw invalidArgument(
        `Row ${Math.floor(i / layout.size)}, value ${i % layout.size} is ${v}; NaN and ±Infinity are not allowed.`,
      );
    }
    out[i] = v;
  }
  return { data: out, rows };
}

function decodeJson(value: unknown, layout: RowLayout, maxBatch: number): Rows {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidArgument(`'${layout.key}' must be a non-empty array of ${rowText(layout)}.`);
  }
  // In index mode a flat array of numbers is one query.
  const list: unknown[] = layout.key === 'embeddings' && typeof value[0] === 'number' ? [value] : value;
  if (list.length > maxBatch) throw tooMany(list.length, maxBatch);
  const out = new Float32Array(list.length * layout.size);
  let offset = 0;
  const mismatch = (r: number, detail: string) =>
    new SimkitError('DIMENSION_MISMATCH', `Row ${r} ${detail}; every row must be one of the ${rowText(layout)}.`);
  const walk = (x: unknown, axis: number, r: number): void => {
    const want = layout.shape[axis] as number;
    if (!Array.isArray(x)) throw mismatch(r, `is not nested ${layout.shape.length} deep`);
    if (x.length !== want) {
      const on = layout.shape.length > 1 ? ` on axis ${axis}` : '';
      throw mismatch(r, `has ${x.length} values${on}, not ${want}`);
    }
    if (axis === layout.shape.length - 1) {
      for (const v of x) put(out, offset++, v, layout);
      return;
    }
    for (const y of x) walk(y, axis + 1, r);
  };
  for (let r = 0; r < list.length; r++) walk(list[r], 0, r);
  return { data: out, rows: list.length };
}
