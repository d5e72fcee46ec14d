import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusteredVectors } from '@simkit/core';
import { Indexer } from '@simkit/indexer';
import { HnswSearch } from '@simkit/search-hnsw';
import autocannon, { type Result } from 'autocannon';
import { printTable, type Scenario, writeResults } from '../harness.js';

const DIM = 128;
const K = 10;
const CONNECTIONS = 64;
const SEED = 31;
/** Gaussian blobs of the data (as in the hnsw scenario): uniform random vectors are no one's embeddings. */
const CLUSTERS = 100;
/** Target of the service issue: HTTP lookups with binary bodies ≥ 0.6× the same lookups in-process. */
const OVERHEAD_FLOOR = 0.6;

interface Child {
  readonly child: ChildProcess;
  readonly url: string;
  readonly inProcess: number;
  readonly buildSeconds: number;
}

/** Starts the service child and waits for its line { url, inProcess }. */
function startChild(rows: number, saveDir: string): Promise<Child> {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, '..', 'service-child.js'), String(rows), String(SEED), saveDir, String(CLUSTERS)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      const at = buffered.indexOf('\n');
      if (at >= 0) {
        const line = JSON.parse(buffered.slice(0, at)) as Omit<Child, 'child'>;
        resolve({ child, ...line });
      }
    });
    child.on('exit', (code) => reject(new Error(`the service child exited with ${code} before it listened`)));
  });
}

/** Request bodies: one row each, little-endian float32 (as the service reads application/octet-stream), taken
 * from the rows after the indexed ones: `from` = 0 for the queries, 1000 for the rows the writes add. */
function bodies(rows: number, from: number, count: number): Buffer[] {
  const { data } = clusteredVectors(rows + 1000 + 16, DIM, CLUSTERS, SEED);
  const start = (rows + from) * DIM * 4;
  return Array.from({ length: count }, (_, i) =>
    Buffer.from(data.buffer, data.byteOffset + start + i * DIM * 4, DIM * 4),
  );
}

const binary = { 'content-type': 'application/octet-stream' };

/** 9 lookups then 1 add, repeated per connection; the ids of acknowledged adds are collected. */
function mixedRequests(lookups: Buffer[], adds: Buffer[], acked: number[]) {
  const requests = [];
  for (let i = 0; i < 10; i++) {
    if (i === 9) {
      requests.push({
        method: 'POST',
        path: '/index?labels=7',
        headers: binary,
        body: adds[i % adds.length] as Buffer,
        onResponse: (status: number, body: string) => {
          if (status === 201) acked.push(...(JSON.parse(body) as { ids: number[] }).ids);
        },
      });
    } else requests.push({ method: 'POST', path: `/lookup?k=${K}`, headers: binary, body: lookups[i] as Buffer });
  }
  return requests;
}

function row(name: string, r: Result, extra: Record<string, string | number> = {}) {
  return {
    load: name,
    'req/s': Math.round(r.requests.average),
    'p50 ms': r.latency.p50,
    'p99 ms': r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    ...extra,
  };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', resolve)));
}

export const service: Scenario = {
  name: 'service',
  description: `HTTP similarity service (@simkit/server) on loopback: ${CONNECTIONS} clients doing k=${K} lookups with binary bodies on an HNSW index (dim ${DIM}), read-only and with 10% writes, vs the same lookups in-process; then SIGTERM under load`,
  async run({ quick }) {
    const rows = quick ? 20_000 : 100_000;
    const seconds = quick ? 10 : 30;
    const saveDir = mkdtempSync(join(tmpdir(), 'simkit-bench-service-'));
    const lookups = bodies(rows, 0, 9);
    const adds = bodies(rows, 1000, 16);
    try {
      const first = await startChild(rows, join(saveDir, 'run'));
      // Warm-up (not reported): the service's code paths and the client's connections.
      await autocannon({
        url: first.url,
        connections: CONNECTIONS,
        duration: 5,
        requests: lookups.map((body) => ({ method: 'POST', path: `/lookup?k=${K}`, headers: binary, body })),
      });
      const read = await autocannon({
        url: first.url,
        connections: CONNECTIONS,
        duration: seconds,
        requests: lookups.map((body) => ({ method: 'POST', path: `/lookup?k=${K}`, headers: binary, body })),
      });
      const acked: number[] = [];
      const mixed = await autocannon({
        url: first.url,
        connections: CONNECTIONS,
        duration: seconds,
        requests: mixedRequests(lookups, adds, acked),
      });
      first.child.kill('SIGTERM');
      await exited(first.child);

      // SIGTERM in the middle of a mixed load: every add the service acknowledged must be in the index it saved.
      const second = await startChild(rows, join(saveDir, 'sigterm'));
      const ackedBeforeStop: number[] = [];
      const load = autocannon({
        url: second.url,
        connections: CONNECTIONS,
        duration: 10,
        requests: mixedRequests(lookups, adds, ackedBeforeStop),
      });
      await new Promise((r) => setTimeout(r, 4000));
      second.child.kill('SIGTERM');
      const code = await exited(second.child);
      const underStop = await load;
      const saved = await Indexer.load(join(saveDir, 'sigterm'), { 'hnsw-search': HnswSearch });
      const kept = await saved.store.get(ackedBeforeStop).then(
        (records) => records.length,
        () => -1,
      );
      await saved.close();

      const ratio = read.requests.average / first.inProcess;
      printTable(
        `service: ${rows} × ${DIM}, HNSW M16/efC100/ef50, k=${K}, ${CONNECTIONS} connections, ${seconds} s each`,
        [
          {
            load: 'in-process batchLookup (1 row)',
            'req/s': Math.round(first.inProcess),
            'p50 ms': '',
            'p99 ms': '',
            errors: 0,
            non2xx: 0,
          },
          row('HTTP lookups (binary)', read, { 'vs in-process': ratio.toFixed(2) }),
          row('HTTP 90% lookups + 10% adds', mixed, { adds: acked.length }),
        ],
      );
      console.log(
        `service overhead: HTTP/in-process = ${ratio.toFixed(2)} (target ≥ ${OVERHEAD_FLOOR}); SIGTERM under load: exit ${code}, ${ackedBeforeStop.length} adds acknowledged, ${kept} found in the saved index (${kept === ackedBeforeStop.length ? 'none lost' : 'LOST WRITES'}); requests cut off by the stop: ${underStop.errors}`,
      );
      const file = writeResults('service', {
        rows,
        dim: DIM,
        k: K,
        connections: CONNECTIONS,
        seconds,
        buildSeconds: first.buildSeconds,
        inProcessPerSecond: first.inProcess,
        http: {
          perSecond: read.requests.average,
          p50: read.latency.p50,
          p99: read.latency.p99,
          errors: read.errors + read.timeouts,
          non2xx: read.non2xx,
        },
        mixed: {
          perSecond: mixed.requests.average,
          p50: mixed.latency.p50,
          p99: mixed.latency.p99,
          errors: mixed.errors + mixed.timeouts,
          non2xx: mixed.non2xx,
          adds: acked.length,
        },
        ratio,
        sigterm: { exitCode: code, acknowledged: ackedBeforeStop.length, found: kept },
      });
      console.log(`wrote ${file}`);
    } finally {
      rmSync(saveDir, { recursive: true, force: true });
    }
  },
};
