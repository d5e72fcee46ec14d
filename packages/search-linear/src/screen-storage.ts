import { powerOfTwoScale } from './int8-storage.js';
import { FloatRows } from './vector-slots.js';
import { type KernelMemory, type KernelRows, VECTORS_OFFSET, roundUp } from './wasm-kernel.js';

/**
 * The largest code magnitude, for keys and queries alike: the kernel sums 8 products exactly in
 * each int32 lane before it adds the lane to a float32 one, and 8 × 16,383² = 2,147,221,512 stays
 * within 2³¹ − 1 = 2,147,483,647 (8 × 16,384² = 2³¹ would not). So the codes keep 15 bits
 * whatever the dimension.
 */
export const SCREEN_TOP = 16383;
/** Codes per row are the dimension rounded up to this: the kernel reads 32 codes per lane flush. */
export const SCREEN_PAD = 32;

/**
 * `screen: 'int16'`: the float32 rows as given (what every distance and every save uses), and
 * beside them an int16 copy of each row (codes times a power-of-two scale) that the kernel scans
 * first. The copy's coding error is tracked per row (‖k − k̂‖₂ and ‖k̂‖₁), so the candidates the
 * kernel keeps can be proven to hold the exact top k; the float32 rows then re-score them.
 * Layout in the kernel's memory: the float32 rows from VECTORS_OFFSET (growing in place, with
 * room for three rows past the last), then the codes, then the scales.
 */
export class Int16ScreenStorage extends FloatRows implements KernelRows {
  readonly kernelMemory: KernelMemory;
  /** int16 codes per row: the dimension rounded up to 32. */
  readonly stride: number;
  /** The largest query code magnitude the scan may use with these keys. */
  readonly queryTop = SCREEN_TOP;
  private capacity = 0;
  private cached: Float32Array | null = null;
  /** ‖k̂‖₁ of each row's codes, decoded. */
  private l1 = new Float64Array(0);
  /** An upper bound on ‖k − k̂‖₂ of each row. */
  private error = new Float64Array(0);

  constructor(kernelMemory: KernelMemory, dim: number) {
    super(dim);
    this.kernelMemory = kernelMemory;
    this.stride = roundUp(dim, SCREEN_PAD);
  }

  private codesAt(rows: number): number {
    return roundUp(VECTORS_OFFSET + (rows + 3) * this.dim * 4, 16);
  }

  private scalesAt(rows: number): number {
    return roundUp(this.codesAt(rows) + (rows + 4) * this.stride * 2, 16);
  }

  /** Byte offset of the int16 codes. */
  get codesOffset(): number {
    return this.codesAt(this.capacity);
  }

  /** Byte offset of the float32 scales (one per row, four spare for the kernel's reads past the end). */
  get scalesOffset(): number {
    return this.scalesAt(this.capacity);
  }

  endOffset(): number {
    return this.scalesAt(this.capacity) + (this.capacity + 4) * 4;
  }

  resize(rows: number, keep: number): boolean {
    const fromCodes = this.codesAt(this.capacity);
    const fromScales = this.scalesAt(this.capacity);
    const toCodes = this.codesAt(rows);
    const toScales = this.scalesAt(rows);
    if (!this.kernelMemory.reserve(toScales + (rows + 4) * 4)) return false;
    // The float32 rows grow in place; the codes and scales move up, the scales first (the codes'
    // new place may cover their old one). copyWithin copies overlapping ranges correctly.
    const bytes = new Uint8Array(this.kernelMemory.buffer);
    bytes.copyWithin(toScales, fromScales, fromScales + keep * 4);
    bytes.copyWithin(toCodes, fromCodes, fromCodes + keep * this.stride * 2);
    const l1 = new Float64Array(rows);
    l1.set(this.l1.subarray(0, keep));
    this.l1 = l1;
    const error = new Float64Array(rows);
    error.set(this.error.subarray(0, keep));
    this.error = error;
    this.capacity = rows;
    this.cached = null;
    return true;
  }

  view(): Float32Array {
    const buffer = this.kernelMemory.buffer;
    if (this.cached === null || this.cached.buffer !== buffer) {
      this.cached = new Float32Array(buffer, VECTORS_OFFSET, this.capacity * this.dim);
    }
    return this.cached;
  }

  override write(slot: number, data: Float32Array, offset: number): void {
    super.write(slot, data, offset);
    const dim = this.dim;
    let max = 0;
    for (let i = 0; i < dim; i++) max = Math.max(max, Math.abs(data[offset + i] as number));
    const top = SCREEN_TOP;
    const scale = powerOfTwoScale(max, top);
    const codes = new Int16Array(this.kernelMemory.buffer, this.codesOffset, this.capacity * this.stride);
    const at = slot * this.stride;
    let l1 = 0;
    let squared = 0;
    for (let i = 0; i < dim; i++) {
      const value = data[offset + i] as number;
      const code = Math.max(-top, Math.min(top, Math.round(value / scale)));
      codes[at + i] = code;
      l1 += Math.abs(code) * scale;
      squared += (value - code * scale) ** 2;
    }
    codes.fill(0, at + dim, at + this.stride);
    new Float32Array(this.kernelMemory.buffer, this.scalesOffset, this.capacity)[slot] = scale;
    this.l1[slot] = l1;
    // Each difference is exact in float64; the sum of squares and the root round by a few ulps.
    this.error[slot] = Math.sqrt(squared) * (1 + 1e-12);
  }

  override move(from: number, to: number): void {
    super.move(from, to);
    const stride = this.stride;
    new Int16Array(this.kernelMemory.buffer, this.codesOffset, this.capacity * stride).copyWithin(
      to * stride,
      from * stride,
      (from + 1) * stride,
    );
    const scales = new Float32Array(this.kernelMemory.buffer, this.scalesOffset, this.capacity);
    scales[to] = scales[from] as number;
    this.l1[to] = this.l1[from] as number;
    this.error[to] = this.error[from] as number;
  }

  /** The largest ‖k̂‖₁ among rows `[0, count)`. */
  maxL1(count: number): number {
    return maxOf(this.l1, count);
  }

  /** The largest ‖k − k̂‖₂ among rows `[0, count)`. */
  maxCodingError(count: number): number {
    return maxOf(this.error, count);
  }
}

function maxOf(values: Float64Array, count: number): number {
  let max = 0;
  for (let s = 0; s < count; s++) max = Math.max(max, values[s] as number);
  return max;
}
