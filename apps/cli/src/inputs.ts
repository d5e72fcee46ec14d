import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { SimkitError } from '@simkit/core';
import { decodeNpy, type NpyArray } from '@simkit/store-memory';
import { isNumberCell, parseCsv } from './csv.js';
import { badInput, UsageError } from './errors.js';
import { readNpz } from './npz.js';
import { NdArray } from './pickle.js';

/** The formats an input file may have; `auto` decides from the extension, or from the first bytes of stdin. */
export const INPUT_FORMATS = ['auto', 'npy', 'npz', 'jsonl', 'json', 'csv', 'tsv'] as const;
/** One of INPUT_FORMATS. */
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** Rows of numbers read from a file, with the labels and data the file carried. */
export interface Rows {
  /** The file (or `stdin`), for messages. */
  readonly source: string;
  readonly rows: number;
  /** Values per row. */
  readonly width: number;
  /** Shape of one row (e.g. `[28, 28]` for images in a `.npy`); `[width]` for tables. */
  readonly rowShape: readonly number[];
  /** Row-major values, `rows × width`. */
  readonly values: Float32Array;
  /** Labels the file carried (a `label` column or key, an npz `labels` array); null entries for none. */
  readonly labels?: Array<number | null>;
  /** Data the file carried (a `data` column or key, an npz `data` array). */
  readonly data?: unknown[];
}

/** How to read an input. */
export interface ReadOptions {
  readonly format?: InputFormat;
  /** The CSV column (header name, or 0-based index without a header) holding labels. Default `label`. */
  readonly labelColumn?: string;
  /** The CSV column holding data. Default `data`. */
  readonly dataColumn?: string;
  /** Where `-` reads from. */
  readonly stdin: Readable;
  /** Largest input accepted, in bytes. */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;

/** Reads `spec` (a path, `path.npz:key`, or `-` for stdin) as bytes, with the name used in messages. */
async function readSource(spec: string, options: ReadOptions): Promise<{ bytes: Uint8Array; source: string }> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (spec === '-') {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of options.stdin) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      total += b.length;
      if (total > maxBytes) throw badInput('stdin', `more than ${maxBytes} bytes; pass a file instead.`);
      chunks.push(b);
    }
    return { bytes: Buffer.concat(chunks), source: 'stdin' };
  }
  try {
    const bytes = await readFile(spec);
    if (bytes.length > maxBytes) throw badInput(spec, `the file is larger than ${maxBytes} bytes.`);
    return { bytes, source: spec };
  } catch (error) {
    if (SimkitError.isInstance(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SimkitError('NOT_FOUND', `${spec}: no such file.`, { details: { path: spec } });
    if (code === 'EISDIR') throw badInput(spec, 'is a directory; pass a file of embeddings.');
    throw new SimkitError('IO_ERROR', `${spec}: cannot be read (${code ?? String(error)}).`, { cause: error });
  }
}

/** Splits `file.npz:key` into the file and the array name. */
function splitNpzKey(spec: string): { path: string; key: string | undefined } {
  const m = /^(.*\.npz):([A-Za-z0-9_.-]+)$/i.exec(spec);
  return m ? { path: m[1] as string, key: m[2] as string } : { path: spec, key: undefined };
}

function detectFormat(path: string, bytes: Uint8Array, format: InputFormat | undefined): Exclude<InputFormat, 'auto'> {
  if (format !== undefined && format !== 'auto') return format;
  const ext = extname(path).toLowerCase();
  const byExt: Record<string, Exclude<InputFormat, 'auto'>> = {
    '.npy': 'npy',
    '.npz': 'npz',
    '.jsonl': 'jsonl',
    '.ndjson': 'jsonl',
    '.json': 'json',
    '.csv': 'csv',
    '.tsv': 'tsv',
  };
  const known = byExt[ext];
  if (known !== undefined) return known;
  // stdin or an unknown extension: look at the first bytes.
  if (bytes[0] === 0x93 && String.fromCharCode(...bytes.subarray(1, 6)) === 'NUMPY') return 'npy';
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'npz';
  const first = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart()[0];
  if (first === '[' || first === '{') return 'jsonl';
  return 'csv';
}

/** Reads rows of numbers (embeddings, or raw model inputs) from `spec`. */
export async function readRows(spec: string, options: ReadOptions): Promise<Rows> {
  const { path, key } = splitNpzKey(spec);
  const { bytes, source } = await readSource(path, options);
  const format = detectFormat(path, bytes, options.format);
  switch (format) {
    case 'npy':
      return arrayRows(source, decode(source, bytes));
    case 'npz':
      return npzRows(source, bytes, key);
    case 'jsonl':
    case 'json':
      return jsonRows(source, text(source, bytes), format);
    case 'csv':
    case 'tsv':
      return csvRows(source, text(source, bytes), format === 'tsv' ? '\t' : ',', options);
  }
}

function text(source: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badInput(source, 'is not UTF-8 text; pass .npy, .npz, JSON lines or CSV.');
  }
}

function decode(source: string, bytes: Uint8Array): NpyArray {
  try {
    return decodeNpy(bytes);
  } catch (error) {
    throw badInput(source, `not a readable .npy file (${(error as Error).message})`);
  }
}

/** Any numeric array → float32 rows: the first axis is the row, the rest the row's shape. */
function arrayRows(source: string, array: { shape: readonly number[]; data: unknown; dtype: string }): Rows {
  const shape = array.shape.length === 1 ? [1, array.shape[0] as number] : [...array.shape];
  if (shape.length === 0) throw badInput(source, 'holds a scalar; pass a 2-D array of embeddings (rows × dimension).');
  const rows = shape[0] as number;
  const rowShape = shape.slice(1);
  const width = rowShape.reduce((a, b) => a * b, 1);
  return { source, rows, width, rowShape, values: toFloat32(source, array.data) };
}

function toFloat32(source: string, data: unknown): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    return Float32Array.from(data, (v) => Number(v));
  }
  if (ArrayBuffer.isView(data)) return Float32Array.from(data as unknown as ArrayLike<number>);
  throw badInput(source, 'does not hold numbers; pass a numeric array (float32 preferred).');
}

/** The arrays of an `.npz` (entries that are not `.npy` files are left out). */
function npzArrays(source: string, bytes: Uint8Array): Map<string, NdArray> {
  const out = new Map<string, NdArray>();
  for (const [name, value] of readNpz(bytes, { what: source })) if (value instanceof NdArray) out.set(name, value);
  return out;
}

function npzRows(source: string, bytes: Uint8Array, key: string | undefined): Rows {
  const arrays = npzArrays(source, bytes);
  const names = [...arrays.keys()];
  const name = key ?? (arrays.has('embeddings') ? 'embeddings' : names.length === 1 ? names[0] : undefined);
  if (name === undefined || !arrays.has(name)) {
    throw badInput(
      source,
      `${key === undefined ? 'holds several arrays and none is named "embeddings"' : `holds no array "${key}"`}; name one as ${source}:<name> (arrays: ${names.join(', ')}).`,
    );
  }
  const main = arrays.get(name) as { shape: readonly number[]; data: unknown; dtype: string };
  const rows = arrayRows(`${source}:${name}`, main);
  if (key !== undefined) return rows;
  // The embeddings of an npz come with its `labels` and `data` arrays when it has them.
  const labels = arrays.get('labels') as { shape: readonly number[]; data: unknown } | undefined;
  const data = arrays.get('data') as { shape: readonly number[]; data: unknown } | undefined;
  return {
    ...rows,
    ...(labels && { labels: labelValues(`${source}:labels`, labels.data) }),
    ...(data && { data: Array.from(data.data as ArrayLike<unknown>) }),
  };
}

/** Labels from an array: integers, or null (None / NaN / empty) for none. */
function labelValues(source: string, data: unknown): Array<number | null> {
  const values = Array.from(data as ArrayLike<unknown>);
  return values.map((v, i) => toLabel(v, () => `${source}, entry ${i}`));
}

function toLabel(v: unknown, where: () => string): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v.trim()) : v;
  if (typeof n === 'number' && Number.isNaN(n) && typeof v !== 'string') return null;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) {
    throw badInput(
      where(),
      `label ${JSON.stringify(String(v))} is not an integer (labels are int32 integers, or empty for none).`,
    );
  }
  return n;
}

function jsonRows(source: string, body: string, format: 'jsonl' | 'json'): Rows {
  let items: unknown[];
  const trimmed = body.trim();
  if (format === 'json' || (trimmed.startsWith('[') && !trimmed.includes('\n'))) {
    const parsed = parseJson(source, trimmed);
    if (!Array.isArray(parsed)) throw badInput(source, 'must hold an array of rows.');
    // One flat array of numbers is one row.
    items = parsed.every((v) => typeof v === 'number') ? [parsed] : parsed;
  } else {
    items = [];
    const lines = body.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] as string).trim();
      if (line.length > 0) items.push(parseJson(`${source}, line ${i + 1}`, line));
    }
  }
  if (items.length === 0) throw badInput(source, 'holds no rows.');
  const withKeys = items.some((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
  let width = -1;
  let values = new Float32Array(0);
  const labels: Array<number | null> = [];
  const data: unknown[] = [];
  items.forEach((item, i) => {
    const where = () => `${source}, row ${i + 1}`;
    let vector: unknown = item;
    if (withKeys) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw badInput(where(), 'is not an object like the other rows ({ "embedding": [...], "label": 3 }).');
      }
      const o = item as Record<string, unknown>;
      vector = o.embedding ?? o.input;
      labels.push(toLabel(o.label ?? null, where));
      data.push(o.data ?? null);
    }
    if (!Array.isArray(vector)) {
      throw badInput(where(), withKeys ? 'has no "embedding" array.' : 'is not an array of numbers.');
    }
    const flat = vector.flat(Number.POSITIVE_INFINITY) as unknown[];
    if (width === -1) {
      width = flat.length;
      values = new Float32Array(items.length * width);
    }
    if (flat.length !== width || width === 0) {
      throw badInput(
        where(),
        `has ${flat.length} numbers but the first row has ${width}; every row needs the same length.`,
      );
    }
    for (let j = 0; j < width; j++) {
      const v = flat[j];
      if (typeof v !== 'number') throw badInput(where(), `holds ${JSON.stringify(v)} where a number belongs.`);
      values[i * width + j] = v;
    }
  });
  const base = { source, rows: items.length, width, rowShape: [width], values };
  return withKeys ? { ...base, labels, data } : base;
}

function parseJson(where: string, textValue: string): unknown {
  try {
    return JSON.parse(textValue);
  } catch (error) {
    throw badInput(where, `is not valid JSON (${(error as Error).message}).`);
  }
}

function csvRows(source: string, body: string, delimiter: string, options: ReadOptions): Rows {
  const table = parseCsv(body, delimiter);
  if (table.length === 0) throw badInput(source, 'holds no rows.');
  const first = table[0] as string[];
  const hasHeader = first.some((c) => c.trim().length > 0 && !isNumberCell(c));
  const header = hasHeader ? first.map((c) => c.trim()) : undefined;
  const body_ = hasHeader ? table.slice(1) : table;
  if (body_.length === 0) throw badInput(source, 'holds a header but no rows.');
  const column = (name: string | undefined, fallback: string, option: string): number => {
    if (name === undefined) return header ? header.indexOf(fallback) : -1;
    if (header) {
      const at = header.indexOf(name);
      if (at >= 0) return at;
    }
    if (/^\d+$/.test(name)) return Number(name);
    throw new UsageError(
      `${option} ${name}: ${source} has no such column (columns: ${header?.join(', ') ?? 'no header'}).`,
    );
  };
  const labelAt = column(options.labelColumn, 'label', '--label-column');
  const dataAt = column(options.dataColumn, 'data', '--data-column');
  const cells = first.length;
  const numeric = [...Array(cells).keys()].filter((c) => c !== labelAt && c !== dataAt);
  const width = numeric.length;
  if (width === 0) throw badInput(source, 'has no columns of numbers.');
  const values = new Float32Array(body_.length * width);
  const labels: Array<number | null> = [];
  const data: unknown[] = [];
  body_.forEach((row, i) => {
    const line = i + 1 + (hasHeader ? 1 : 0);
    const where = () => `${source}, line ${line}`;
    if (row.length !== cells) throw badInput(where(), `has ${row.length} fields but the first line has ${cells}.`);
    numeric.forEach((c, j) => {
      const cell = row[c] as string;
      if (!isNumberCell(cell)) {
        throw badInput(where(), `column ${header?.[c] ?? c + 1} holds ${JSON.stringify(cell)}, not a finite number.`);
      }
      values[i * width + j] = Number(cell);
    });
    if (labelAt >= 0) labels.push(toLabel(row[labelAt], where));
    if (dataAt >= 0) data.push(row[dataAt] === '' ? null : row[dataAt]);
  });
  return {
    source,
    rows: body_.length,
    width,
    rowShape: [width],
    values,
    ...(labelAt >= 0 && { labels }),
    ...(dataAt >= 0 && { data }),
  };
}

/**
 * Reads labels from `spec`: a `.npy`/`.npz` array of integers, or text with one label per line
 * (JSON lines or CSV; `null` or an empty line for none).
 */
export async function readLabels(spec: string, options: ReadOptions): Promise<Array<number | null>> {
  const { path, key } = splitNpzKey(spec);
  const { bytes, source } = await readSource(path, options);
  const format = detectFormat(path, bytes, options.format);
  if (format === 'npy') return labelValues(source, decode(source, bytes).data);
  if (format === 'npz') {
    const arrays = npzArrays(source, bytes);
    const name = key ?? 'labels';
    const array = arrays.get(name) as { data: unknown } | undefined;
    if (array === undefined) throw badInput(source, `holds no array "${name}"; name one as ${source}:<name>.`);
    return labelValues(`${source}:${name}`, array.data);
  }
  const lines = text(source, bytes).split(/\r?\n/);
  while (lines.length > 0 && (lines[lines.length - 1] as string).trim() === '') lines.pop();
  if (lines.length > 0 && !isNumberCell(lines[0] as string) && !/^\s*(null)?\s*$/.test(lines[0] as string)) {
    lines.shift(); // a header line such as "label"
  }
  return lines.map((line, i) => {
    const t = line.trim().replace(/^"(.*)"$/, '$1');
    return toLabel(t === 'null' ? null : t, () => `${source}, line ${i + 1}`);
  });
}

/** Reads record data from `spec`: JSON lines, one JSON value per record (`null` for none). */
export async function readData(spec: string, options: ReadOptions): Promise<unknown[]> {
  const { bytes, source } = await readSource(spec, options);
  const lines = text(source, bytes).split(/\r?\n/);
  while (lines.length > 0 && (lines[lines.length - 1] as string).trim() === '') lines.pop();
  return lines.map((line, i) => parseJson(`${source}, line ${i + 1}`, line));
}
