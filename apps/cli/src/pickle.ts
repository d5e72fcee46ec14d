import { SimkitError } from '@simkit/core';
import type { NpyData, NpyDtype } from '@simkit/store-memory';

/**
 * Element types of the arrays read here: the numeric NumPy dtypes, `str` (NumPy `<U`, data a
 * `string[]`), `bytes` (NumPy `|S`, data a `Uint8Array[]`) and `object` (NumPy `|O`, data an
 * `unknown[]` of unpickled values).
 */
export type NdDtype = NpyDtype | 'str' | 'bytes' | 'object';

/** The data of an `NdArray`, by dtype. */
export type NdData = NpyData | string[] | Uint8Array[] | unknown[];

/** A NumPy array read from a pickle or a `.npy` entry, in C (row-major) order. */
export class NdArray {
  /** True while a pickle has created the array but not yet filled it (numpy's BUILD step). @internal */
  pending = false;
  constructor(
    public dtype: NdDtype,
    public shape: number[],
    public data: NdData,
  ) {}
}

/** A parsed NumPy type string such as `<f4`, `<U7`, `|S3`, `|O`. */
export type Descr =
  | { readonly kind: 'numeric'; readonly dtype: NpyDtype; readonly littleEndian: boolean; readonly size: number }
  | { readonly kind: 'str'; readonly chars: number }
  | { readonly kind: 'bytes'; readonly size: number }
  | { readonly kind: 'object' };

const NUMERIC: Readonly<Record<string, NpyDtype>> = {
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  u1: 'uint8',
  i2: 'int16',
  u2: 'uint16',
  i4: 'int32',
  u4: 'uint32',
  i8: 'int64',
  u8: 'uint64',
  b1: 'bool',
};

const ARRAYS: Readonly<Record<NpyDtype, new (b: ArrayBuffer, o: number, n: number) => NpyData>> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
};

const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Longest string or bytes item accepted in a `<U`/`|S` dtype (NumPy's own limit is 2^31). */
const MAX_ITEM_SIZE = 1 << 30;

/**
 * Parses a NumPy type string: byte order (`<`, `>`, `|`, `=` or none), kind and size, e.g.
 * `<f4`, `>i8`, `|b1`, `<U12`, `|S5`, `|O`, `O8`. Returns undefined for anything else
 * (structured, complex, float16, datetime dtypes).
 */
export function parseDescr(descr: string): Descr | undefined {
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (m === null) return undefined;
  const order = m[1] as string;
  const kind = m[2] as string;
  const digits = m[3] as string;
  const size = digits === '' ? undefined : Number(digits);
  if (kind === 'O') return size === undefined || size === 8 ? { kind: 'object' } : undefined;
  if (kind === 'U' || kind === 'S') {
    if (size === undefined || !Number.isSafeInteger(size) || size > MAX_ITEM_SIZE) return undefined;
    return kind === 'U' ? { kind: 'str', chars: size } : { kind: 'bytes', size };
  }
  const dtype = NUMERIC[`${kind}${digits}`];
  if (dtype === undefined || size === undefined) return undefined;
  const littleEndian = order === '>' ? false : order === '<' ? true : IS_LITTLE_ENDIAN;
  return { kind: 'numeric', dtype, littleEndian, size };
}

/** Bytes one element of this dtype takes in a buffer (object arrays are not held in buffers). */
export function itemSize(d: Descr): number {
  switch (d.kind) {
    case 'numeric':
      return d.size;
    case 'str':
      return d.chars * 4;
    case 'bytes':
      return d.size;
    default:
      return 0;
  }
}

/** The product of a shape, or -1 when it is not a list of safe integers ≥ 0 or overflows. */
export function shapeCount(shape: readonly unknown[]): number {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) return -1;
    n *= d;
    if (!Number.isSafeInteger(n)) return -1;
  }
  return n;
}

/**
 * Decodes `count` elements of a buffer dtype (numeric, `<U`, `|S`) from exactly
 * `count * itemSize` bytes into fresh memory. `fail(problem)` builds the error for bad bytes.
 */
export function decodeElements(
  d: Descr,
  bytes: Uint8Array,
  count: number,
  fail: (problem: string) => SimkitError,
): NpyData | string[] | Uint8Array[] {
  const size = itemSize(d);
  if (d.kind === 'object') throw fail('object arrays are not stored as raw bytes');
  if (bytes.length !== count * size) {
    throw fail(`${count} elements of ${size} bytes need ${count * size} bytes but there are ${bytes.length}`);
  }
  if (d.kind === 'numeric') {
    const body = new Uint8Array(bytes.length);
    body.set(bytes);
    if (size > 1 && d.littleEndian !== IS_LITTLE_ENDIAN) swapBytes(body, size);
    return new ARRAYS[d.dtype](body.buffer, 0, count);
  }
  if (d.kind === 'bytes') {
    const out: Uint8Array[] = new Array(count);
    for (let i = 0; i < count; i++) {
      let end = (i + 1) * size;
      while (end > i * size && bytes[end - 1] === 0) end--;
      out[i] = bytes.slice(i * size, end);
    }
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    let end = d.chars;
    while (end > 0 && view.getUint32((i * d.chars + end - 1) * 4, true) === 0) end--;
    let s = '';
    for (let j = 0; j < end; j += 4096) {
      const points: number[] = [];
      for (let k = j; k < Math.min(end, j + 4096); k++) {
        const cp = view.getUint32((i * d.chars + k) * 4, true);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw fail(`character ${cp} is not a Unicode code point`);
        points.push(cp);
      }
      s += String.fromCodePoint(...points);
    }
    out[i] = s;
  }
  return out;
}

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

/** Options of `unpickle`. */
export interface UnpickleOptions {
  /** Names the source in error messages, e.g. `data.npy in /path/index.npz`. */
  readonly what?: string;
  /** Most objects (values, containers, memo entries) the pickle may create. Default 50 million. */
  readonly maxObjects?: number;
  /** Deepest nesting of lists, tuples, dicts and arrays in the result. Default 200. */
  readonly maxDepth?: number;
}

/** A callable the unpickler knows by name; anything else is refused. */
class Global {
  constructor(readonly qualified: string) {}
}

/** A `numpy.dtype` being built (REDUCE gives the type string, BUILD the byte order and sizes). */
class PickledDtype {
  order = '|';
  elsize = -1;
  constructor(readonly base: string) {}
  descr(): Descr | undefined {
    const d = parseDescr(`${this.order}${this.base}`);
    if (d?.kind === 'str' && this.elsize > 0) return { kind: 'str', chars: this.elsize / 4 };
    if (d?.kind === 'bytes' && this.elsize > 0) return { kind: 'bytes', size: this.elsize };
    return d;
  }
}

/** The globals that numpy and Python emit for plain data; the value is the canonical name. */
const ALLOWED: Readonly<Record<string, string>> = {
  'numpy.core.multiarray._reconstruct': 'reconstruct',
  'numpy._core.multiarray._reconstruct': 'reconstruct',
  'numpy.core.multiarray.scalar': 'scalar',
  'numpy._core.multiarray.scalar': 'scalar',
  'numpy.core.numeric._frombuffer': 'frombuffer',
  'numpy._core.numeric._frombuffer': 'frombuffer',
  'numpy.ndarray': 'ndarray',
  'numpy.dtype': 'dtype',
  '_codecs.encode': 'encode',
  'builtins.bytearray': 'bytearray',
  'builtins.bytes': 'bytes',
  'builtins.set': 'set',
  'builtins.frozenset': 'set',
};

/** Python 2 module names that Python 3's unpickler maps (protocol 2 pickles written by Python 2). */
const PY2_MODULES: Readonly<Record<string, string>> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

/**
 * Reads a Python pickle (protocols 2 to 5, as numpy and Python write them) without executing
 * anything: only plain data (None, bool, int, float, str, bytes, bytearray, list, tuple, dict,
 * set) and NumPy arrays, dtypes and scalars are rebuilt, by this code, from the names numpy
 * uses for them. Any other global — `os.system`, `builtins.eval`, a class of your own — is
 * refused before anything else happens.
 *
 * Results: None → null; int → number, or bigint beyond ±2^53; float → number; str → string;
 * bytes and bytearray → Uint8Array; list and tuple → array; dict → Map; set → Set; NumPy array →
 * `NdArray`; NumPy scalar → number (bigint for 64-bit integers beyond ±2^53), boolean or string.
 *
 * @throws SimkitError CORRUPT_INDEX for damaged or hostile pickles (the message names the
 *   source and the problem); UNSUPPORTED for valid NumPy content not read here (structured or
 *   complex dtypes, Fortran-ordered arrays, out-of-band buffers).
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions = {}): unknown {
  return new Unpickler(bytes, options).run();
}

class Unpickler {
  private pos = 0;
  private stack: unknown[] = [];
  private marks: number[] = [];
  private readonly memo = new Map<number, unknown>();
  private objects = 0;
  private readonly view: DataView;
  private readonly what: string;
  private readonly maxObjects: number;
  private readonly maxDepth: number;

  constructor(
    private readonly bytes: Uint8Array,
    options: UnpickleOptions,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.what = options.what ?? 'the pickle';
    this.maxObjects = options.maxObjects ?? 50_000_000;
    this.maxDepth = options.maxDepth ?? 200;
  }

  private fail(problem: string): SimkitError {
    return new SimkitError('CORRUPT_INDEX', `${this.what} cannot be read: ${problem}.`, {
      details: { source: this.what },
    });
  }

  private unsupported(problem: string): SimkitError {
    return new SimkitError('UNSUPPORTED', `${this.what} cannot be read: ${problem}.`, {
      details: { source: this.what },
    });
  }

  private take(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0 || this.pos + n > this.bytes.length) {
      throw this.fail(`it ends inside an opcode at byte ${this.pos} (needs ${n} more bytes)`);
    }
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private u8(): number {
    return this.take(1)[0] as number;
  }

  private u16(): number {
    this.take(2);
    return this.view.getUint16(this.pos - 2, true);
  }

  private u32(): number {
    this.take(4);
    return this.view.getUint32(this.pos - 4, true);
  }

  private u64(): number {
    this.take(8);
    const v = this.view.getBigUint64(this.pos - 8, true);
    if (v > BigInt(this.bytes.length)) throw this.fail(`a length of ${v} bytes is longer than the pickle`);
    return Number(v);
  }

  private push(v: unknown): void {
    if (++this.objects > this.maxObjects) throw this.fail(`it creates more than ${this.maxObjects} objects`);
    this.stack.push(v);
  }

  private pop(): unknown {
    const base = this.marks.length > 0 ? (this.marks[this.marks.length - 1] as number) : 0;
    if (this.stack.length <= base) throw this.fail(`opcode at byte ${this.pos - 1} pops from an empty stack`);
    return this.stack.pop();
  }

  private top(): unknown {
    const base = this.marks.length > 0 ? (this.marks[this.marks.length - 1] as number) : 0;
    if (this.stack.length <= base) throw this.fail(`opcode at byte ${this.pos - 1} needs a value on the stack`);
    return this.stack[this.stack.length - 1];
  }

  private popMark(): unknown[] {
    const at = this.marks.pop();
    if (at === undefined) throw this.fail(`opcode at byte ${this.pos - 1} needs a MARK that is not there`);
    return this.stack.splice(at);
  }

  private text(b: Uint8Array): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(b);
    } catch {
      throw this.fail(`a string at byte ${this.pos} is not valid UTF-8`);
    }
  }

  private memoPut(index: number): void {
    if (this.stack.length === 0) throw this.fail('a memo opcode found an empty stack');
    if (!this.memo.has(index) && ++this.objects > this.maxObjects) {
      throw this.fail(`it creates more than ${this.maxObjects} objects`);
    }
    this.memo.set(index, this.stack[this.stack.length - 1]);
  }

  private memoGet(index: number): void {
    if (!this.memo.has(index)) throw this.fail(`it refers to memo entry ${index}, which was never stored`);
    this.push(this.memo.get(index));
  }

  private global(module: string, name: string): void {
    const qualified = `${PY2_MODULES[module] ?? module}.${name}`;
    if (!Object.hasOwn(ALLOWED, qualified)) {
      throw this.fail(
        `refused to load object '${module}.${name}' (only plain data and NumPy arrays are read; nothing in the file is executed)`,
      );
    }
    this.push(new Global(ALLOWED[qualified] as string));
  }

  run(): unknown {
    const b = this.bytes;
    for (;;) {
      if (this.pos >= b.length) throw this.fail('it ends before its STOP opcode (truncated)');
      const at = this.pos;
      const op = this.u8();
      switch (op) {
        case 0x80: {
          const v = this.u8();
          if (v < 2 || v > 5) throw this.fail(`pickle protocol ${v} is not read here (protocols 2 to 5 are)`);
          break;
        }
        case 0x95: // FRAME: only a hint for buffered readers
          this.u64();
          break;
        case 0x2e: {
          // STOP
          const result = this.pop();
          return this.finish(result);
        }
        case 0x28: // MARK
          this.marks.push(this.stack.length);
          if (this.marks.length > 100_000) throw this.fail('it nests more than 100000 MARKs');
          break;
        case 0x30: // POP
          this.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.top());
          break;
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x4a: // BININT
          this.take(4);
          this.push(this.view.getInt32(this.pos - 4, true));
          break;
        case 0x4b: // BININT1
          this.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.push(this.u16());
          break;
        case 0x8a: // LONG1
          this.push(longFrom(this.take(this.u8())));
          break;
        case 0x8b: {
          // LONG4
          const n = this.u32();
          if (n > 1 << 16) throw this.fail(`an integer of ${n} bytes is far larger than any data value`);
          this.push(longFrom(this.take(n)));
          break;
        }
        case 0x47: // BINFLOAT (big-endian)
          this.take(8);
          this.push(this.view.getFloat64(this.pos - 8, false));
          break;
        case 0x58: // BINUNICODE
          this.push(this.text(this.take(this.u32())));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.push(this.text(this.take(this.u8())));
          break;
        case 0x8d: // BINUNICODE8
          this.push(this.text(this.take(this.u64())));
          break;
        case 0x54: // BINSTRING (Python 2 str; numpy loads it as text)
          this.push(latin1(this.take(this.u32())));
          break;
        case 0x55: // SHORT_BINSTRING
          this.push(latin1(this.take(this.u8())));
          break;
        case 0x42: // BINBYTES
          this.push(this.take(this.u32()).slice());
          break;
        case 0x43: // SHORT_BINBYTES
          this.push(this.take(this.u8()).slice());
          break;
        case 0x8e: // BINBYTES8
        case 0x96: // BYTEARRAY8
          this.push(this.take(this.u64()).slice());
          break;
        case 0x5d: // EMPTY_LIST
          this.push([]);
          break;
        case 0x61: {
          // APPEND
          const v = this.pop();
          this.appendTo(this.top(), [v]);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          this.appendTo(this.top(), items);
          break;
        }
        case 0x6c: // LIST
          this.push(this.popMark());
          break;
        case 0x29: // EMPTY_TUPLE
          this.push([]);
          break;
        case 0x74: // TUPLE
          this.push(this.popMark());
          break;
        case 0x85: // TUPLE1
          this.push([this.pop()]);
          break;
        case 0x86: {
          const y = this.pop();
          const x = this.pop();
          this.push([x, y]);
          break;
        }
        case 0x87: {
          const z = this.pop();
          const y = this.pop();
          const x = this.pop();
          this.push([x, y, z]);
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.push(new Map());
          break;
        case 0x64: {
          // DICT
          const items = this.popMark();
          const d = new Map();
          this.setItems(d, items);
          this.push(d);
          break;
        }
        case 0x73: {
          // SETITEM
          const v = this.pop();
          const k = this.pop();
          this.setItems(this.top(), [k, v]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          this.setItems(this.top(), items);
          break;
        }
        case 0x8f: // EMPTY_SET
          this.push(new Set());
          break;
        case 0x90: {
          // ADDITEMS
          const items = this.popMark();
          const s = this.top();
          if (!(s instanceof Set)) throw this.fail(`ADDITEMS at byte ${at} applies to something that is not a set`);
          for (const v of items) s.add(v);
          break;
        }
        case 0x91: // FROZENSET
          this.push(new Set(this.popMark()));
          break;
        case 0x63: {
          // GLOBAL: "module\nname\n"
          const module = this.line();
          const name = this.line();
          this.global(module, name);
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') {
            throw this.fail(`STACK_GLOBAL at byte ${at} needs two strings`);
          }
          this.global(module, name);
          break;
        }
        case 0x52: // REDUCE
        case 0x81: {
          // NEWOBJ: the allowed callables build the same value either way
          const args = this.pop();
          const fn = this.pop();
          this.push(this.call(fn, args, at));
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.pop();
          this.build(this.top(), state, at);
          break;
        }
        case 0x70: // PUT (text index)
          this.memoPut(this.lineInt());
          break;
        case 0x71: // BINPUT
          this.memoPut(this.u8());
          break;
        case 0x72: // LONG_BINPUT
          this.memoPut(this.u32());
          break;
        case 0x94: // MEMOIZE
          this.memoPut(this.memo.size);
          break;
        case 0x67: // GET (text index)
          this.memoGet(this.lineInt());
          break;
        case 0x68: // BINGET
          this.memoGet(this.u8());
          break;
        case 0x6a: // LONG_BINGET
          this.memoGet(this.u32());
          break;
        case 0x97:
        case 0x98:
          throw this.unsupported(
            'it refers to out-of-band buffers (pickle protocol 5 buffer_callback), which a file cannot hold',
          );
        case 0x50:
        case 0x51:
          throw this.fail('it uses persistent ids, which numpy never writes');
        case 0x82:
        case 0x83:
        case 0x84:
          throw this.fail('it uses the copyreg extension registry, which numpy never writes');
        default:
          throw this.fail(
            `opcode 0x${op.toString(16).padStart(2, '0')} ('${String.fromCharCode(op)}') at byte ${at} is not one numpy writes for data`,
          );
      }
    }
  }

  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0 || end - this.pos > 1000) throw this.fail(`a text argument at byte ${this.pos} has no end`);
    const s = this.text(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  private lineInt(): number {
    const s = this.line();
    if (!/^\d{1,9}$/.test(s)) throw this.fail(`'${s}' is not a memo index`);
    return Number(s);
  }

  private appendTo(list: unknown, items: unknown[]): void {
    if (!Array.isArray(list)) throw this.fail('APPEND applies to something that is not a list');
    for (const v of items) list.push(v);
  }

  private setItems(d: unknown, items: unknown[]): void {
    if (!(d instanceof Map)) throw this.fail('SETITEM applies to something that is not a dict');
    if (items.length % 2 !== 0) throw this.fail('SETITEMS has a key without a value');
    for (let i = 0; i < items.length; i += 2) {
      const k = items[i];
      if (k instanceof Map || k instanceof NdArray)
        throw this.fail('a dict key is a dict or array, which Python cannot hash');
      d.set(k, items[i + 1]);
    }
  }

  private call(fn: unknown, args: unknown, at: number): unknown {
    if (!(fn instanceof Global)) throw this.fail(`REDUCE at byte ${at} calls something that is not an allowed global`);
    if (!Array.isArray(args)) throw this.fail(`REDUCE at byte ${at} has arguments that are not a tuple`);
    switch (fn.qualified) {
      case 'reconstruct': {
        const [sub] = args;
        if (!(sub instanceof Global) || sub.qualified !== 'ndarray') {
          throw this.fail('numpy _reconstruct is asked for a subclass of ndarray; only plain arrays are read');
        }
        const a = new NdArray('object', [0], []);
        a.pending = true;
        return a;
      }
      case 'dtype': {
        const [base] = args;
        if (typeof base !== 'string') throw this.fail('numpy.dtype is called without a type string');
        return new PickledDtype(base);
      }
      case 'scalar':
        return this.scalar(args);
      case 'frombuffer': {
        const [buf, dtype, shape, order] = args;
        if (!(buf instanceof Uint8Array) || !(dtype instanceof PickledDtype) || !Array.isArray(shape)) {
          throw this.fail('numpy _frombuffer has unexpected arguments');
        }
        const fortran = order === 'F';
        return this.arrayFrom(shape, dtype, fortran, buf);
      }
      case 'encode': {
        const [s, encoding] = args;
        if (typeof s !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) {
          throw this.fail("_codecs.encode is used other than as encode(str, 'latin1') for bytes");
        }
        return latin1Bytes(s, (p) => this.fail(p));
      }
      case 'bytearray':
      case 'bytes': {
        if (args.length === 0) return new Uint8Array(0);
        const [v, encoding] = args;
        if (v instanceof Uint8Array) return v.slice();
        if (typeof v === 'string' && (encoding === 'latin-1' || encoding === 'latin1')) {
          return latin1Bytes(v, (p) => this.fail(p));
        }
        if (Array.isArray(v) && v.length === 0) return new Uint8Array(0);
        throw this.fail(`${fn.qualified}() is called with unexpected arguments`);
      }
      case 'set': {
        const [items] = args;
        if (args.length === 0) return new Set();
        if (!Array.isArray(items)) throw this.fail('set() is called with something that is not a list');
        return new Set(items);
      }
      default:
        throw this.fail(`'${fn.qualified}' cannot be called`);
    }
  }

  private scalar(args: unknown[]): unknown {
    const [dtype, raw] = args;
    if (!(dtype instanceof PickledDtype)) throw this.fail('a NumPy scalar has no dtype');
    const d = dtype.descr();
    if (d === undefined) throw this.unsupported(`NumPy scalars of dtype '${dtype.order}${dtype.base}' are not read`);
    if (d.kind === 'object') return raw;
    if (!(raw instanceof Uint8Array)) throw this.fail('a NumPy scalar has no bytes');
    const values = decodeElements(d, raw, 1, (p) => this.fail(`a NumPy scalar is damaged: ${p}`));
    const v = values[0];
    if (d.kind === 'numeric' && d.dtype === 'bool') return v === 1;
    return typeof v === 'bigint' ? fromBigInt(v) : v;
  }

  private build(target: unknown, state: unknown, at: number): void {
    if (target instanceof PickledDtype) {
      // (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
      if (!Array.isArray(state) || state.length < 8) throw this.fail('a NumPy dtype has an unexpected state');
      const [, order, sub, names, fields, elsize] = state;
      if (sub !== null || names !== null || fields !== null) {
        throw this.unsupported('it holds a structured or sub-array NumPy dtype; only plain dtypes are read');
      }
      if (typeof order !== 'string' || typeof elsize !== 'number') {
        throw this.fail('a NumPy dtype has an unexpected state');
      }
      target.order = order;
      target.elsize = elsize;
      return;
    }
    if (target instanceof NdArray && target.pending) {
      // (version, shape, dtype, is_fortran, raw data or list of objects); old numpy omits the version
      if (!Array.isArray(state) || (state.length !== 5 && state.length !== 4)) {
        throw this.fail('a NumPy array has an unexpected state');
      }
      const [shape, dtype, fortran, raw] = state.length === 5 ? state.slice(1) : state;
      if (!Array.isArray(shape) || !(dtype instanceof PickledDtype) || typeof fortran !== 'boolean') {
        throw this.fail('a NumPy array has an unexpected state');
      }
      const built = this.arrayFrom(
        shape,
        dtype,
        fortran,
        typeof raw === 'string' ? latin1Bytes(raw, (p) => this.fail(p)) : raw,
      );
      target.dtype = built.dtype;
      target.shape = built.shape;
      target.data = built.data;
      target.pending = false;
      return;
    }
    throw this.fail(`BUILD at byte ${at} sets the state of an object that is not a NumPy array or dtype`);
  }

  private arrayFrom(shape: unknown[], dtype: PickledDtype, fortran: boolean, raw: unknown): NdArray {
    const count = shapeCount(shape);
    if (count < 0) throw this.fail(`a NumPy array has the invalid shape (${shape.join(', ')})`);
    const dims = shape as number[];
    if (fortran && dims.filter((n) => n > 1).length > 1) {
      throw this.unsupported('a NumPy array is in Fortran order; save np.ascontiguousarray(arr) instead');
    }
    const d = dtype.descr();
    if (d === undefined) {
      throw this.unsupported(
        `a NumPy array has dtype '${dtype.order}${dtype.base}'; read are numeric, bool, unicode, bytes and object arrays`,
      );
    }
    if (d.kind === 'object') {
      if (!Array.isArray(raw) || raw.length !== count) {
        throw this.fail(`an object array of shape (${dims.join(', ')}) does not hold ${count} items`);
      }
      return new NdArray('object', dims, raw);
    }
    if (!(raw instanceof Uint8Array)) throw this.fail('a NumPy array has no data bytes');
    const what = `a NumPy array of shape (${dims.join(', ')})`;
    const data = decodeElements(d, raw, count, (p) => this.fail(`${what}: ${p}`));
    return new NdArray(d.kind === 'numeric' ? d.dtype : d.kind, dims, data);
  }

  /** Checks the result: no cycles, no half-built or internal objects, nesting within maxDepth. */
  private finish(result: unknown): unknown {
    const done = new Set<object>();
    const path = new Set<object>();
    const visit = (v: unknown, depth: number): void => {
      if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return;
      if (done.has(v)) return;
      if (path.has(v)) throw this.fail('it holds a container that contains itself');
      if (depth > this.maxDepth) throw this.fail(`it nests containers more than ${this.maxDepth} levels deep`);
      if (v instanceof Global || v instanceof PickledDtype) {
        throw this.fail('it holds a NumPy type or function object instead of data');
      }
      if (v instanceof NdArray && v.pending) throw this.fail('it holds a NumPy array whose content never follows');
      path.add(v);
      let children: Iterable<unknown> = [];
      if (Array.isArray(v)) children = v;
      else if (v instanceof Set) children = v;
      else if (v instanceof Map) children = [...v.keys(), ...v.values()];
      else if (v instanceof NdArray && v.dtype === 'object') children = v.data as unknown[];
      for (const c of children) visit(c, depth + 1);
      path.delete(v);
      done.add(v);
    };
    visit(result, 0);
    return result;
  }
}

/** A little-endian two's-complement integer: number when safe, bigint otherwise. */
function longFrom(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
  if ((b[b.length - 1] as number) & 0x80) v -= 1n << BigInt(8 * b.length);
  return fromBigInt(v);
}

function fromBigInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

function latin1Bytes(s: string, fail: (problem: string) => SimkitError): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw fail('bytes written as latin-1 text hold a character above U+00FF');
    out[i] = c;
  }
  return out;
}
