import type { Logger } from '@simkit/core';

/**
 * hnswlib-wasm writes progress chatter with `console.log` / `console.error` from inside its
 * file-system glue ("b. jsFS synced successfully", …). Library code must not print, so while
 * this package drives that glue, messages that match these patterns go to the injected logger
 * instead; every other message passes through untouched.
 */
const CHATTER: readonly RegExp[] = [
  /^EmscriptenFileSystemManager: /,
  /^[a-e]\. (jsFS|start syncFS|IDBFS|Calling sync)/,
  /^-{20,}$/,
  /^Error initializing the library:/,
];

const SYNC_ERROR = /^b\. jsFS Error/;

let depth = 0;
let originalLog: typeof console.log | undefined;
let originalError: typeof console.error | undefined;
let quietLog: typeof console.log | undefined;
let quietError: typeof console.error | undefined;
let sink: Logger | undefined;
let syncErrorSeen: string | undefined;

function isChatter(args: unknown[]): boolean {
  const first = args[0];
  return typeof first === 'string' && CHATTER.some((re) => re.test(first));
}

function text(args: unknown[]): string {
  return args
    .map((a) => (typeof a === 'string' ? a : String(a)))
    .join(' ')
    .trim();
}

/** The console whose `log` and `error` are diverted while work runs; this module never prints through it. */
let host: Pick<Console, 'log' | 'error'> = globalThis.console;

/** Runs `fn` with hnswlib-wasm's console chatter routed to `logger` (at debug level; errors at warn). */
export async function withQuietConsole<T>(logger: Logger, fn: () => Promise<T>): Promise<T> {
  if (depth === 0) {
    host = globalThis.console;
    originalLog = host.log;
    originalError = host.error;
    const passLog = originalLog;
    const passError = originalError;
    quietLog = (...args: unknown[]) => {
      if (isChatter(args)) sink?.log('debug', `hnswlib-wasm: ${text(args)}`);
      else passLog.apply(host, args);
    };
    quietError = (...args: unknown[]) => {
      const first = args[0];
      if (typeof first === 'string' && SYNC_ERROR.test(first)) {
        syncErrorSeen = text(args);
        sink?.log('warn', `hnswlib-wasm: ${syncErrorSeen}`);
      } else if (isChatter(args)) sink?.log('warn', `hnswlib-wasm: ${text(args)}`);
      else passError.apply(host, args);
    };
    host.log = quietLog;
    host.error = quietError;
  }
  depth++;
  const previous = sink;
  sink = logger;
  try {
    return await fn();
  } finally {
    sink = previous;
    depth--;
    if (depth === 0) {
      // Put the originals back unless someone else replaced the console in the meantime.
      if (originalLog && host.log === quietLog) host.log = originalLog;
      if (originalError && host.error === quietError) host.error = originalError;
      originalLog = undefined;
      originalError = undefined;
    }
  }
}

/** Returns and clears the last IndexedDB sync error hnswlib-wasm reported, if any. */
export function takeSyncError(): string | undefined {
  const e = syncErrorSeen;
  syncErrorSeen = undefined;
  return e;
}
