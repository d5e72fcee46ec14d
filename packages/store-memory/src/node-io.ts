import { type NodeFiles, SimkitError, nodeFiles } from '@simkit/core';

/** The Node.js modules that saving and loading need: core's file modules plus zlib. */
export interface NodeIo extends NodeFiles {
  readonly zlib: typeof import('node:zlib');
}

let cached: Promise<NodeIo> | undefined;

/**
 * Loads the Node.js file-system modules on first use, so that the in-memory part
 * of this package also runs in browsers; there, save/load fail with UNSUPPORTED.
 */
export function nodeIo(): Promise<NodeIo> {
  cached ??= Promise.all([nodeFiles(), import('node:zlib')]).then(
    ([files, zlib]) => ({ ...files, zlib }),
    (cause: unknown) => {
      cached = undefined;
      if (SimkitError.isInstance(cause)) throw cause;
      throw new SimkitError(
        'UNSUPPORTED',
        'Saving and loading files needs Node.js (node:zlib); in a browser keep the records in memory.',
        { cause },
      );
    },
  );
  return cached;
}

/** Writes `parts` to `file` and flushes them to disk before returning. */
export async function writeFileSynced(io: NodeIo, file: string, parts: readonly Uint8Array[]): Promise<void> {
  const handle = await io.fs.open(file, 'w');
  try {
    for (const part of parts) if (part.length > 0) await handle.write(part);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function gzip(io: NodeIo, parts: readonly Uint8Array[]): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    io.zlib.gzip(Buffer.concat(parts), (error, result) => (error ? reject(error) : resolve(result)));
  });
}

export function gunzip(io: NodeIo, bytes: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    io.zlib.gunzip(bytes, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
