import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
};

/** A static file server on a loopback port. */
export interface StaticServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Options of `serveStatic`. */
export interface StaticServerOptions {
  /** Extra response headers for a file (its path under the served folder), e.g. cross-origin isolation. */
  headers?: (path: string) => Record<string, string>;
}

/**
 * Serves the files under `dir` on 127.0.0.1 (a free port): `/` is `index.html`, a path outside
 * `dir` is 403, a missing file 404. Enough for pages that browsers load in tests.
 */
export function serveStatic(dir: string, options: StaticServerOptions = {}): Promise<StaticServer> {
  const root = normalize(dir);
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(root, path.endsWith('/') ? join(path, 'index.html') : path);
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res
        .writeHead(200, {
          'content-type': MIME[extname(file)] ?? 'application/octet-stream',
          ...options.headers?.(file.slice(root.length)),
        })
        .end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        origin: `http://127.0.0.1:${port}`,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
