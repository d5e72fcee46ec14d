export {
  MultiShotMemorySampler,
  type MultiShotMemorySamplerOptions,
  type SamplerBatch,
} from './multi-shot-memory-sampler.js';
export { type Examples, selectExamples } from './select-examples.js';
