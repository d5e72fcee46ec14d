import { describeSearch } from '@simkit/core/testing';
import { LinearSearch } from '../src/index.js';

describeSearch('LinearSearch', { factory: (dim) => new LinearSearch({ distance: 'euclidean', dim }) });

// Tiny blocks make every block edge and the heap refill path run on the suite's small data.
describeSearch('LinearSearch (blocks of 3 × 5)', {
  factory: (dim) => new LinearSearch({ distance: 'euclidean', dim, queryBlock: 3, keyBlock: 5 }),
});
