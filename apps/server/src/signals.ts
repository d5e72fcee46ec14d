import type { SimilarityService } from './service.js';

/** Options of `installSignalHandlers`. */
export interface SignalHandlerOptions {
  /** Signals that start a graceful shutdown. Default `['SIGTERM', 'SIGINT']`. */
  signals?: NodeJS.Signals[];
  /** Called once the service has closed (with the error when closing failed). */
  onClosed?: (error?: unknown) => void;
}

/**
 * On the first of `signals`, closes the service once (graceful: in-flight requests finish, a
 * changed index is saved to saveDir) and sets `process.exitCode` (0, or 1 when closing failed);
 * the process then exits by itself once nothing else keeps it alive. The handlers are removed
 * at the first signal, so a second one ends the process the default way. Returns a function
 * that removes the handlers.
 */
export function installSignalHandlers(service: SimilarityService, options: SignalHandlerOptions = {}): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const uninstall = () => {
    for (const s of signals) process.removeListener(s, onSignal);
  };
  function onSignal(): void {
    uninstall();
    service.close().then(
      () => {
        process.exitCode ??= 0;
        options.onClosed?.();
      },
      (error: unknown) => {
        process.exitCode = 1;
        options.onClosed?.(error);
      },
    );
  }
  for (const s of signals) process.once(s, onSignal);
  return uninstall;
}
