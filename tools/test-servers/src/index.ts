/**
 * Real servers for simkit's tests and benchmarks, each on a free loopback port with its
 * data in a fresh temporary directory: `startRedis()` runs Debian's `redis-server`,
 * `startRedisCluster()` a Redis Cluster of several of them,
 * `startPgvector()` runs PostgreSQL + pgvector (PGlite) behind the Postgres wire protocol in a
 * child process. Both can be killed (SIGKILL) and restarted on the same port and data.
 * `serveStatic(dir)` serves a folder of files to the browser tests.
 */
export { startRedis, type RedisServer, type RedisServerOptions } from './redis.js';
export {
  startRedisCluster,
  type RedisCluster,
  type RedisClusterNode,
  type RedisClusterOptions,
} from './redis-cluster.js';
export { startPgvector, type PgvectorServer, type PgvectorServerOptions } from './pgvector.js';
export { freePort } from './ports.js';
export { serveStatic, type StaticServer, type StaticServerOptions } from './static.js';
