import type { VectorStorage } from './vector-slots.js';
import { type KernelMemory, type KernelRows, VECTORS_OFFSET, roundUp } from './wasm-kernel.js';

/** Scales are powers of two in [2⁻⁶⁰, 2⁶⁰], so every product of two is a normal float32. */
const MIN_SCALE = 2 ** -60;
const MAX_SCALE = 2 ** 60;
/** The largest magnitude int8 storage holds (127 × the largest scale). */
export const INT8_MAX_VALUE = 127 * MAX_SCALE;

/**
 * The power-of-two scale for values up to `max` in magnitude coded as integers up to `top`:
 * the smallest such that `max / scale ≤ top` (clamped to [2⁻⁶⁰, 2⁶⁰]); 1 for a zero row.
 * A power of two makes `code × scale` exact, so a decoded row codes back to the same codes.
 */
export function powerOfTwoScale(max: number, top: number): number {
  if (!(max > 0)) return 1;
  let scale = 2 ** Math.ceil(Math.log2(max / top));
  while (max / scale > top) scale *= 2;
  while (max / (scale / 2) <= top) scale /= 2;
  return Math.min(Math.max(scale, MIN_SCALE), MAX_SCALE);
}

/**
 * `precision: 'int8'`: each row kept as int8 codes (the dimension rounded up to 16, padded with
 * zeros) times a power-of-two float32 scale, in the kernel's memory — about a quarter of the
 * float32 bytes. What is stored is the rounded row: every distance and every saved value is
 * that of the decoded row `code × scale`. Layout: codes from VECTORS_OFFSET, then the scales.
 */
export class Int8KernelStorage implements VectorStorage, KernelRows {
  readonly lossy = true;
  readonly kernelMemory: KernelMemory;
  /** Bytes per row of codes: the dimension rounded up to 16. */
  readonly stride: number;
  private readonly dim: number;
  private capacity = 0;
  private scratch: Float32Array;
  /** ‖decoded row‖₁ per slot, for the error bound of the kernel's scores. */
  private l1 = new Float64Array(0);

  constructor(kernelMemory: KernelMemory, dim: number) {
    this.kernelMemory = kernelMemory;
    this.dim = dim;
    this.stride = roundUp(dim, 16);
    this.scratch = new Float32Array(dim);
  }

  /** Byte offset of the int8 codes. */
  get codesOffset(): number {
    return VECTORS_OFFSET;
  }

  /** Byte offset of the float32 scales (one per row, four spare for the kernel's reads past the end). */
  get scalesOffset(): number {
    return this.scalesAt(this.capacity);
  }

  private scalesAt(rows: number): number {
    return roundUp(VECTORS_OFFSET + (rows + 4) * this.stride, 16);
  }

  endOffset(): number {
    return this.scalesAt(this.capacity) + (this.capacity + 4) * 4;
  }

  resize(rows: number, keep: number): boolean {
    const from = this.scalesAt(this.capacity);
    const to = this.scalesAt(rows);
    if (!this.kernelMemory.reserve(to + (rows + 4) * 4)) return false;
    new Uint8Array(this.kernelMemory.buffer).copyWithin(to, from, from + keep * 4);
    const l1 = new Float64Array(rows);
    l1.set(this.l1.subarray(0, keep));
    this.l1 = l1;
    this.capacity = rows;
    return true;
  }

  private codes(): Int8Array {
    return new Int8Array(this.kernelMemory.buffer, VECTORS_OFFSET, this.capacity * this.stride);
  }

  private scales(): Float32Array {
    return new Float32Array(this.kernelMemory.buffer, this.scalesOffset, this.capacity);
  }

  write(slot: number, data: Float32Array, offset: number): void {
    const dim = this.dim;
    let max = 0;
    for (let i = 0; i < dim; i++) max = Math.max(max, Math.abs(data[offset + i] as number));
    const scale = powerOfTwoScale(max, 127);
    const codes = this.codes();
    const at = slot * this.stride;
    let l1 = 0;
    for (let i = 0; i < dim; i++) {
      const code = Math.max(-127, Math.min(127, Math.round((data[offset + i] as number) / scale)));
      codes[at + i] = code;
      l1 += Math.abs(code) * scale;
    }
    codes.fill(0, at + dim, at + this.stride);
    this.scales()[slot] = scale;
    this.l1[slot] = l1;
  }

  read(slot: number): Float32Array {
    const codes = this.codes();
    const scale = this.scales()[slot] as number;
    const at = slot * this.stride;
    for (let i = 0; i < this.dim; i++) this.scratch[i] = (codes[at + i] as number) * scale;
    return this.scratch;
  }

  move(from: number, to: number): void {
    this.codes().copyWithin(to * this.stride, from * this.stride, (from + 1) * this.stride);
    const scales = this.scales();
    scales[to] = scales[from] as number;
    this.l1[to] = this.l1[from] as number;
  }

  rows(count: number): Float32Array {
    const out = new Float32Array(count * this.dim);
    for (let s = 0; s < count; s++) out.set(this.read(s), s * this.dim);
    return out;
  }

  /** The largest ‖decoded row‖₁ among rows `[0, count)`. */
  maxL1(count: number): number {
    let max = 0;
    for (let s = 0; s < count; s++) max = Math.max(max, this.l1[s] as number);
    return max;
  }
}
