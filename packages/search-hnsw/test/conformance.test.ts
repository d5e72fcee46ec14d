import { describeSearch } from '@simkit/core/testing';
import { HnswSearch } from '../src/index.js';

describeSearch('HnswSearch', { factory: (dim) => new HnswSearch({ distance: 'euclidean', dim }) });
