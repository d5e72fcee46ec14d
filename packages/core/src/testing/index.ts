export { describeSearch, expectCode, type SearchSuiteOptions } from './search-suite.js';
export { describeStore, type StoreSuiteOptions } from './store-suite.js';
export { FakeSearch, type FakeSearchOptions } from './fake-search.js';
export { FakeStore, type FakeStoreOptions } from './fake-store.js';
export { fakeEuclidean, referenceEuclidean } from './fake-distance.js';
export { clusteredVectors, randomVectors, seededRandom } from '../random.js';
export { withTempDir } from './temp-dir.js';
export { expectDamageDetected, expectOneGeneration, savedFiles } from './save-checks.js';
export { generationDir, resaveFiles, withTinyDisk, withinBounds, withoutPrivileges } from './save-tampering.js';
