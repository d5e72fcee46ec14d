import type { Scenario } from '../harness.js';
import { calibration } from './calibration.js';
import { exactSearch } from './exact-search.js';
import { helloMnist } from './hello-mnist.js';
import { hnsw } from './hnsw.js';
import { indexerEvaluation } from './indexer-evaluation.js';
import { pgvector } from './pgvector.js';
import { redis } from './redis.js';
import { saves } from './saves.js';
import { service } from './service.js';
import { sslMnist } from './ssl-mnist.js';
import { storeLevel } from './store-level.js';
import { usearchView } from './usearch-view.js';

/** Every scenario, in the order `pnpm bench` runs them. Add one line per scenario. */
export const scenarios: Scenario[] = [
  exactSearch,
  indexerEvaluation,
  calibration,
  storeLevel,
  redis,
  hnsw,
  usearchView,
  saves,
  helloMnist,
  sslMnist,
  pgvector,
  service,
];
