import type { TokenAuth } from './auth.js';
import type { Backend } from './backend.js';
import type { ConcurrencyGate } from './limits.js';
import type { ServiceMetrics } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import type { ServiceSchemas } from './schemas.js';
import type { WriteLog } from './writes.js';

/** What the routes of one service share. */
export interface ServiceContext {
  readonly backend: Backend;
  readonly options: ResolvedOptions;
  readonly auth: TokenAuth;
  readonly gate: ConcurrencyGate;
  readonly writes: WriteLog;
  readonly metrics: ServiceMetrics;
  readonly schemas: ServiceSchemas;
  /** True once `close()` has started. */
  readonly closing: () => boolean;
}
