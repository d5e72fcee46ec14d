import { describeStore } from '@simkit/core/testing';
import { LevelStore } from '../src/index.js';
import { freshDir } from './helpers.js';

describeStore('LevelStore', {
  factory: async () => LevelStore.open(await freshDir()),
  reopen: (closed) => LevelStore.open((closed as LevelStore).location),
});
