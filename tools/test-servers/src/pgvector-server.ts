// Runs as its own process: PGlite with pgvector, served on 127.0.0.1:<port>; data in <dir>.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const port = Number(process.argv[2]);
const dataDir = process.argv[3];
const db = await PGlite.create({ dataDir, extensions: { vector } });
await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 64 });
await server.start();
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void server
    .stop()
    .then(() => db.close())
    .finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
// The parent holds our stdin open; when it dies (even by SIGKILL), stdin closes and we stop too,
// removing the temporary directory it would have removed.
process.stdin.on('close', () => {
  process.on('exit', () => rmSync(dirname(dataDir as string), { recursive: true, force: true }));
  stop();
});
process.stdin.resume();
