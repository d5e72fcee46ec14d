import { describeSearch, describeStore, FakeSearch, FakeStore } from '../src/testing/index.js';

describeSearch('FakeSearch', { factory: (dim) => new FakeSearch({ dim }) });
describeStore('FakeStore', { factory: () => new FakeStore() });
