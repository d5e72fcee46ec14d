import { HEADER_BYTES, MAX_LEVEL } from './graph-file.js';

/** Upper bound for one graph: the wasm heap of a whole process holds at most 2 GiB. */
export const MAX_GRAPH_BYTES = 1.5 * 2 ** 30;

/** Bytes of one element's level-0 record in hnswlib: link count and 2·M links, the vector, the label. */
export function level0RecordBytes(dim: number, M: number): number {
  return 2 * M * 4 + 4 + dim * 4 + 4;
}

/** Rough wasm heap bytes per element: level-0 record, expected upper links, bookkeeping. */
export function heapBytesPerElement(dim: number, M: number): number {
  return level0RecordBytes(dim, M) + Math.ceil((M * 4 + 4) / (M - 1)) + 16;
}

/** The most elements one graph of this shape can have room for in the wasm heap. */
export function maxGraphElements(dim: number, M: number): number {
  return Math.floor(MAX_GRAPH_BYTES / heapBytesPerElement(dim, M));
}

/**
 * The smallest and largest size of a saved graph file with `elements` elements: the header,
 * each element's level-0 record and the 4-byte size of its upper links, plus at most
 * MAX_LEVEL upper levels of M links each. Never more than MAX_GRAPH_BYTES.
 */
export function graphFileBounds(elements: number, dim: number, M: number): { min: number; max: number } {
  const min = HEADER_BYTES + elements * (level0RecordBytes(dim, M) + 4);
  const max = min + elements * MAX_LEVEL * (M * 4 + 4);
  return { min, max: Math.min(max, MAX_GRAPH_BYTES) };
}
