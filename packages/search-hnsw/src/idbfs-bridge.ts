import { type Logger, SimkitError } from '@simkit/core';
import { withQuietConsole } from './console-filter.js';
import { exclusive, syncFiles, waitForSync } from './hnswlib-runtime.js';
import type { HnswlibModule, NativeHnswIndex } from './hnswlib-types.js';
import { deleteRecord, getRecord, putRecord, withDatabase } from './indexed-db.js';
import { wasmErrorMessage } from './wasm-error.js';

/**
 * Moves graph bytes in and out of hnswlib-wasm. Its `writeIndex` / `readIndex` only reach files
 * under the IDBFS mount `/hnswlib-index`, whose contents IDBFS mirrors into the IndexedDB
 * database of the same name (object store `FILE_DATA`, key = file path, bytes in `contents`).
 * Each transfer uses a fresh file name and removes the file again, so nothing stays behind in
 * the wasm heap or in IndexedDB.
 */

const MOUNT = '/hnswlib-index';
const FILE_STORE = 'FILE_DATA';
/** A regular file with mode rw-rw-rw-, as IDBFS records it. */
const REGULAR_FILE_MODE = 0o100666;

let transfers = 0;

function transferName(): string {
  transfers++;
  return `simkit-transfer-${transfers}-${Math.random().toString(36).slice(2, 10)}.bin`;
}

/** Generous upper bound for one IndexedDB sync of `bytes` bytes. */
function syncTimeoutMs(bytes: number): number {
  return 120_000 + Math.ceil(bytes / 1_000_000) * 1_000;
}

interface FileRecord {
  readonly contents?: unknown;
}

/** Serialises `native` with hnswlib's own `writeIndex` and returns the bytes. */
export function exportGraph(lib: HnswlibModule, native: NativeHnswIndex, logger: Logger): Promise<Uint8Array> {
  return exclusive(() =>
    withQuietConsole(logger, async () => {
      const name = transferName();
      const key = `${MOUNT}/${name}`;
      try {
        try {
          // Writes the file and starts a sync of the mount into IndexedDB.
          native.writeIndex(name);
        } catch (cause) {
          throw new SimkitError('NOT_READY', `hnswlib-wasm could not write the index (${wasmErrorMessage(cause)}).`, {
            cause,
          });
        }
        await waitForSync(lib, syncTimeoutMs(0));
        const record = (await withDatabase(MOUNT, (db) => getRecord(db, FILE_STORE, key))) as FileRecord | undefined;
        const contents = record?.contents;
        if (!ArrayBuffer.isView(contents)) {
          throw new SimkitError(
            'NOT_READY',
            'hnswlib-wasm wrote the index, but its bytes did not reach IndexedDB; try again.',
          );
        }
        // Small files arrive as an Int8Array view of the wasm heap, large ones as a Uint8Array on a
        // larger buffer: copy exactly the file's bytes either way.
        return new Uint8Array(contents.buffer, contents.byteOffset, contents.byteLength).slice();
      } finally {
        await removeTransfer(lib, key, logger);
      }
    }),
  );
}

/**
 * Hands `bytes` to hnswlib-wasm as a file and calls `open(fileName)` to read it into a new
 * index. The bytes must already have been checked: hnswlib trusts every size in them.
 */
export function importGraph(
  lib: HnswlibModule,
  bytes: Uint8Array,
  open: (fileName: string) => NativeHnswIndex,
  logger: Logger,
): Promise<NativeHnswIndex> {
  return exclusive(() =>
    withQuietConsole(logger, async () => {
      const name = transferName();
      const key = `${MOUNT}/${name}`;
      try {
        await withDatabase(MOUNT, (db) =>
          putRecord(db, FILE_STORE, key, { timestamp: new Date(), mode: REGULAR_FILE_MODE, contents: bytes }),
        );
        await syncFiles(lib, true, syncTimeoutMs(bytes.length));
        return open(name);
      } finally {
        await removeTransfer(lib, key, logger);
      }
    }),
  );
}

/** Deletes a transfer file from IndexedDB, then syncs so the wasm copy goes too. */
async function removeTransfer(lib: HnswlibModule, key: string, logger: Logger): Promise<void> {
  try {
    await withDatabase(MOUNT, (db) => deleteRecord(db, FILE_STORE, key));
    await syncFiles(lib, true, syncTimeoutMs(0));
  } catch (cause) {
    // Cleanup must not hide the outcome of the transfer itself.
    logger.log('warn', `could not remove the temporary hnswlib-wasm file ${key}`, { error: wasmErrorMessage(cause) });
  }
}
