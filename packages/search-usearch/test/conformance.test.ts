import { describeSearch } from '@simkit/core/testing';
import { UsearchSearch } from '../src/index.js';

// f32 storage: distances are the true ones, so the whole suite applies. f16 and i8 report the
// distances of their stored (rounded) vectors; test/quantization.test.ts covers them.
describeSearch('UsearchSearch', { factory: (dim) => new UsearchSearch({ distance: 'euclidean', dim }) });
describeSearch('UsearchSearch (1 thread)', {
  factory: (dim) => new UsearchSearch({ distance: 'euclidean', dim, threads: 1 }),
});
