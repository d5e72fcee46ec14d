import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess } from './child.js';
import { ask, freePort, waitFor } from './ports.js';
import { redisAnswers, redisServerArgs } from './redis.js';

/** Options of `startRedisCluster`. */
export interface RedisClusterOptions {
  /** Number of masters (no replicas), at least 3 as `redis-cli --cluster create` requires; default 3. */
  readonly masters?: number;
  /** Milliseconds to wait for each step (servers answering, the cluster formed); default 30 000. */
  readonly startTimeoutMs?: number;
}

/** One master of a running cluster. */
export interface RedisClusterNode {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
}

/** A running Redis Cluster of the caller's own. */
export interface RedisCluster {
  readonly nodes: readonly RedisClusterNode[];
  /** Stops every node and deletes their directories. */
  stop(): Promise<void>;
}

/** Runs `command` and resolves with its output, or rejects with it when the command fails. */
function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', (error) => reject(new Error(`Could not run ${command}: ${error.message}`, { cause: error })));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? code}):\n${output.slice(-4000)}`));
    });
  });
}

/**
 * Starts a Redis Cluster of `masters` Debian `redis-server` processes on free loopback ports,
 * each with an append-only file in a fresh temporary directory, joins them with
 * `redis-cli --cluster create` (slots split evenly, no replicas) and waits until every node
 * reports `cluster_state:ok`. Fails, never skips, when `redis-server` or `redis-cli` is missing.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  if (!Number.isInteger(masters) || masters < 3) {
    throw new Error(`startRedisCluster: masters must be an integer of at least 3; got ${masters}.`);
  }
  const timeout = options.startTimeoutMs ?? 30_000;
  const started: Array<{ port: number; dir: string; process: ServerProcess }> = [];
  const stop = async () => {
    await Promise.all(started.map((node) => node.process.signal('SIGTERM')));
    await Promise.all(started.map((node) => rm(node.dir, { recursive: true, force: true })));
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      const dir = await mkdtemp(join(tmpdir(), 'simkit-redis-cluster-'));
      const args = redisServerArgs(port, dir, [
        ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
        ...['--cluster-node-timeout', '2000'],
      ]);
      const process = new ServerProcess('redis-server', args, `redis-server (cluster node) on port ${port}`);
      started.push({ port, dir, process });
      await process.start(() => redisAnswers(port, timeout));
    }
    await run('redis-cli', ['--cluster', 'create', ...started.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes']);
    for (const node of started) {
      await waitFor(
        async () => (await ask(node.port, 'CLUSTER INFO\r\n')).includes('cluster_state:ok'),
        timeout,
        `the Redis Cluster (node on port ${node.port} reporting cluster_state:ok)`,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes: started.map((n) => ({ port: n.port, url: `redis://127.0.0.1:${n.port}` })),
    stop,
  };
}
