import { KERNEL_BUILDS } from './generated/kernels.js';
import { FloatRows } from './vector-slots.js';

/** Which build of the WebAssembly kernel runs: f32x4 lanes with fused multiply-adds, plain f32x4 lanes, or scalar. */
export type KernelFlavour = (typeof KERNEL_BUILDS)[number]['flavour'];

/** WebAssembly page size in bytes. */
export const PAGE_BYTES = 65536;
/** The kernel's memory may grow to 4 GiB (the wasm32 limit). */
export const MAX_PAGES = 65536;
/** The first page is left to the module itself; the vectors start at the second. */
export const VECTORS_OFFSET = PAGE_BYTES;

/** A scan over integer key codes against int16 query codes (pointers are byte offsets into the kernel's memory). */
type CodedScan = (
  queries: number,
  queryScales: number,
  rows: number,
  stride: number,
  keys: number,
  keyScales: number,
  count: number,
  norms: number,
  mask: number,
  heaps: number,
  m: number,
  chunk: number,
  block: number,
) => void;

/** The functions the kernel exports (pointers are byte offsets into its memory). */
export interface KernelExports {
  scanRows(
    queries: number,
    rows: number,
    dim: number,
    keys: number,
    count: number,
    norms: number,
    mask: number,
    heaps: number,
    m: number,
    chunk: number,
    block: number,
  ): void;
  /** The int8 keys of `precision: 'int8'`. */
  scanRowsI8: CodedScan;
  /** The int16 keys of `screen: 'int16'`. */
  scanRowsI16: CodedScan;
  lanes(): number;
}

/** A compiled kernel: what workers are sent, and what the calling thread instantiates. */
export interface CompiledKernel {
  readonly module: WebAssembly.Module;
  readonly flavour: KernelFlavour;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

const compiled = new Map<boolean, Promise<CompiledKernel | null>>();

/**
 * Compiles the fastest build this runtime validates, once per process for each kind of memory
 * (shared or not); null when WebAssembly is missing or no build validates.
 */
export function compileKernel(shared: boolean): Promise<CompiledKernel | null> {
  let pending = compiled.get(shared);
  if (pending === undefined) {
    pending = (async () => {
      if (typeof WebAssembly !== 'object' || typeof WebAssembly.compile !== 'function') return null;
      for (const build of KERNEL_BUILDS) {
        const bytes = decode(build.wasm);
        if (!shared) bytes[build.sharedFlagOffset] = 0x01;
        if (!WebAssembly.validate(bytes)) continue;
        try {
          return { module: await WebAssembly.compile(bytes), flavour: build.flavour };
        } catch {
          // A runtime that validates but refuses to compile (a restrictive policy): try the next build.
        }
      }
      return null;
    })();
    compiled.set(shared, pending);
  }
  return pending;
}

/** Instantiates a compiled kernel over `memory`. */
export async function instantiateKernel(kernel: CompiledKernel, memory: WebAssembly.Memory): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(kernel.module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}

/** True when this runtime can share memory between threads (SharedArrayBuffer exists and may be used). */
function sharedMemoryAllowed(): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return isolated !== false;
}

/**
 * The WebAssembly memory that holds the stored vectors from byte VECTORS_OFFSET on, row after
 * row, and after them the scratch a lookup lays out (f32 norms, a mask, queries, heaps). Shared
 * between threads when the runtime allows it. Views must be taken again after any growth: an
 * unshared memory detaches its old buffer when it grows.
 */
export class KernelMemory {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;

  private constructor(memory: WebAssembly.Memory, shared: boolean) {
    this.memory = memory;
    this.shared = shared;
  }

  /** A new memory, shared when possible (and wanted); null when WebAssembly memory cannot be made here. */
  static create(preferShared = true): KernelMemory | null {
    if (typeof WebAssembly !== 'object' || typeof WebAssembly.Memory !== 'function') return null;
    if (preferShared && sharedMemoryAllowed()) {
      try {
        return new KernelMemory(new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES, shared: true }), true);
      } catch {
        // Shared memory refused (a browser without cross-origin isolation): use an unshared one.
      }
    }
    try {
      return new KernelMemory(new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES }), false);
    } catch {
      return null;
    }
  }

  get buffer(): ArrayBufferLike {
    return this.memory.buffer;
  }

  /** Grows the memory to at least `bytes`; false when that is beyond what it can hold. */
  reserve(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return true;
    const pages = Math.ceil(bytes / PAGE_BYTES);
    if (pages > MAX_PAGES) return false;
    // Grow at least by half again, so a stream of small adds does not grow page by page.
    const target = Math.min(MAX_PAGES, Math.max(pages, Math.ceil((have / PAGE_BYTES) * 1.5)));
    try {
      this.memory.grow(target - have / PAGE_BYTES);
      return true;
    } catch {
      try {
        this.memory.grow(pages - have / PAGE_BYTES);
        return true;
      } catch {
        return false;
      }
    }
  }
}

/** Rounds `n` up to a multiple of `to`. */
export function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Storage in the kernel's memory, as the scanner needs to know it. */
export interface KernelRows {
  readonly kernelMemory: KernelMemory;
  /** The first byte after the storage's regions (the scanner lays its scratch out from there). */
  endOffset(): number;
}

/**
 * Float32 vectors in the kernel's memory from VECTORS_OFFSET on, with room for the kernel to
 * read up to three rows past the last (it scores keys four at a time).
 */
export class KernelStorage extends FloatRows implements KernelRows {
  readonly kernelMemory: KernelMemory;
  private floats = 0;
  private cached: Float32Array | null = null;

  constructor(kernelMemory: KernelMemory, dim: number) {
    super(dim);
    this.kernelMemory = kernelMemory;
  }

  resize(rows: number, _keep: number): boolean {
    // The region starts at a fixed offset and grows in place, so the kept rows stay where they are.
    if (!this.kernelMemory.reserve(VECTORS_OFFSET + (rows + 3) * this.dim * 4)) return false;
    this.floats = rows * this.dim;
    this.cached = null;
    return true;
  }

  view(): Float32Array {
    const buffer = this.kernelMemory.buffer;
    if (this.cached === null || this.cached.buffer !== buffer) {
      this.cached = new Float32Array(buffer, VECTORS_OFFSET, this.floats);
    }
    return this.cached;
  }

  endOffset(): number {
    return VECTORS_OFFSET + this.floats * 4 + 3 * this.dim * 4;
  }
}
