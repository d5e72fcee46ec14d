import { SimkitError } from '@simkit/core';

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');
type Zlib = typeof import('node:zlib');

/** The Node.js modules that saving and loading need. */
export interface NodeIo {
  readonly fs: Fs;
  readonly path: Path;
  readonly zlib: Zlib;
}

let cached: Promise<NodeIo> | undefined;

/**
 * Loads the Node.js file-system modules on first use, so that the in-memory part
 * of this package also runs in browsers; there, save/load fail with UNSUPPORTED.
 */
export function nodeIo(): Promise<NodeIo> {
  cached ??= Promise.all([import('node:fs/promises'), import('node:path'), import('node:zlib')]).then(
    ([fs, path, zlib]) => ({ fs, path, zlib }),
    (cause: unknown) => {
      cached = undefined;
      throw new SimkitError(
        'UNSUPPORTED',
        'Saving and loading files needs Node.js (node:fs); in a browser keep the records in memory or use @simkit/store-level.',
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
