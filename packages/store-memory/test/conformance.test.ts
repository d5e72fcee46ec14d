import { describeStore } from '@simkit/core/testing';
import { MemoryStore } from '../src/index.js';

describeStore('MemoryStore', { factory: () => new MemoryStore() });

// A capacity of 1 makes nearly every add grow the storage; gzip exercises compressed saves.
describeStore('MemoryStore (gzip, initialCapacity 1)', {
  factory: () => new MemoryStore({ compression: 'gzip', initialCapacity: 1 }),
});
