import { batch, type EmbeddingBatch, randomInt, randomVectors, seededRandom } from '@simkit/core';
import { RedisStore } from '@simkit/store-redis';
import { startRedis } from '@simkit/test-servers';
import { createClient, RESP_TYPES } from 'redis';
import { printTable, rounds, type Scenario, type Timing, writeResults } from '../harness.js';

const DIM = 128;
const BATCH = 1_000;
const GETS = 10_000;
const GET_BATCH = 100;
const SEED = 21;
const REPEAT = 3;

interface Batches {
  readonly embeddings: EmbeddingBatch[];
  readonly labels: Int32Array[];
  readonly data: Array<Array<{ file: string; label: number }>>;
}

export const redis: Scenario = {
  name: 'redis',
  description: `shared record store on a redis-server of its own (dim ${DIM}, labels, small JSON data): RedisStore vs raw pipelined node-redis doing the same work`,
  async run({ quick }) {
    const n = quick ? 10_000 : 100_000;
    const vectors = randomVectors(n, DIM, SEED);
    const batches: Batches = { embeddings: [], labels: [], data: [] };
    for (let start = 0; start < n; start += BATCH) {
      const end = Math.min(n, start + BATCH);
      batches.embeddings.push(batch(vectors.subarray(start * DIM, end * DIM), DIM));
      const labels = Int32Array.from({ length: end - start }, (_, i) => (start + i) % 100);
      batches.labels.push(labels);
      batches.data.push(Array.from(labels, (label, i) => ({ file: `img-${start + i}.png`, label })));
    }
    const rand = seededRandom(SEED + 1);
    const getIds = Int32Array.from({ length: GETS }, () => randomInt(rand, n));

    const server = await startRedis();
    // Like RedisStore's own connections: RESP2, strings as Buffers, and no per-command timer (node-redis
    // arms one per command by default; RedisStore bounds each call itself), so both pay for the same work.
    const raw = createClient({
      url: server.url,
      RESP: 2,
      commandOptions: { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer }, timeout: 0 },
    });
    raw.on('error', () => undefined);
    await raw.connect();
    let runNumber = 0;
    let rawPrefix = '';
    try {
      // Adds: each run starts from an empty server and adds every batch; only the adds are timed.
      const simkitAdd = async () => {
        await raw.flushDb();
        const store = await RedisStore.open({ url: server.url, prefix: `bench-simkit-${++runNumber}` });
        const t0 = performance.now();
        for (let b = 0; b < batches.embeddings.length; b++) {
          await store.add(batches.embeddings[b] as EmbeddingBatch, batches.labels[b], batches.data[b]);
        }
        const ms = performance.now() - t0;
        await store.close();
        return ms;
      };
      // The same records in one MULTI per batch: an HSET per record (embedding bytes, label, JSON data),
      // through node-redis' typed hSet() or as raw HSET commands; the faster of the two is the peer.
      const rawAdd = (typed: boolean) => async () => {
        await raw.flushDb();
        rawPrefix = `bench-raw-${++runNumber}`;
        const t0 = performance.now();
        let id = 0;
        for (let b = 0; b < batches.embeddings.length; b++) {
          const e = batches.embeddings[b] as EmbeddingBatch;
          const labels = batches.labels[b] as Int32Array;
          const data = batches.data[b] as Array<{ file: string; label: number }>;
          const bytes = Buffer.from(e.data.buffer, e.data.byteOffset, e.rows * DIM * 4);
          const multi = raw.multi();
          for (let i = 0; i < e.rows; i++, id++) {
            const key = `{${rawPrefix}}:r:${id}`;
            const embedding = bytes.subarray(i * DIM * 4, (i + 1) * DIM * 4);
            const label = String(labels[i]);
            const json = JSON.stringify(data[i]);
            if (typed) multi.hSet(key, { e: embedding, l: label, d: json });
            else multi.addCommand(['HSET', key, 'e', embedding, 'l', label, 'd', json]);
          }
          await multi.exec();
        }
        return performance.now() - t0;
      };
      const add = await rounds(REPEAT, {
        'RedisStore.add': simkitAdd,
        'raw MULTI of hSet()': rawAdd(true),
        'raw MULTI of HSET commands': rawAdd(false),
      });

      // Gets: both contenders' records on the server at once (rawAdd starts from an empty server),
      // then 10k random ids in calls of 100.
      await rawAdd(false)();
      const store = await RedisStore.open({ url: server.url, prefix: 'bench-simkit-get' });
      for (let b = 0; b < batches.embeddings.length; b++) {
        await store.add(batches.embeddings[b] as EmbeddingBatch, batches.labels[b], batches.data[b]);
      }
      const decode = (reply: Array<Buffer | null>) => {
        const e = reply[0] as Buffer;
        const embedding = new Float32Array(DIM);
        new Uint8Array(embedding.buffer).set(e);
        return {
          embedding,
          label: reply[1] === null ? null : Number(String(reply[1])),
          data: reply[2] === null ? null : JSON.parse(String(reply[2])),
        };
      };
      const timed = async (fn: () => Promise<unknown>) => {
        const t0 = performance.now();
        await fn();
        return performance.now() - t0;
      };
      let simkitChecksum = 0;
      let rawChecksum = 0;
      // The same reads as raw HMGETs of the three fields, decoded without checks: pipelined (one
      // tick), through hmGet() or as raw commands, or wrapped in MULTI/EXEC as RedisStore.get does.
      const rawGet = async (style: 'hmGet' | 'commands' | 'multi') => {
        rawChecksum = 0;
        for (let s = 0; s < GETS; s += GET_BATCH) {
          const keys = Array.from(getIds.subarray(s, s + GET_BATCH), (id) => `{${rawPrefix}}:r:${id}`);
          let replies: unknown[];
          if (style === 'hmGet') replies = await Promise.all(keys.map((key) => raw.hmGet(key, ['e', 'l', 'd'])));
          else if (style === 'commands') {
            replies = await Promise.all(keys.map((key) => raw.sendCommand(['HMGET', key, 'e', 'l', 'd'])));
          } else {
            // node-redis' multi().exec() decodes EXEC's reply as text, so the transaction is sent as commands.
            const sent = [raw.sendCommand(['MULTI'])];
            for (const key of keys) sent.push(raw.sendCommand(['HMGET', key, 'e', 'l', 'd']));
            sent.push(raw.sendCommand(['EXEC']));
            replies = (await Promise.all(sent)).at(-1) as unknown as unknown[];
          }
          for (const reply of replies) rawChecksum += decode(reply as Array<Buffer | null>).embedding[0] ?? 0;
        }
      };
      const get = await rounds(REPEAT, {
        'RedisStore.get': () =>
          timed(async () => {
            simkitChecksum = 0;
            for (let s = 0; s < GETS; s += GET_BATCH) {
              for (const r of await store.get(getIds.subarray(s, s + GET_BATCH))) simkitChecksum += r.embedding[0] ?? 0;
            }
          }),
        'raw pipelined hmGet()': () => timed(() => rawGet('hmGet')),
        'raw pipelined HMGET commands': () => timed(() => rawGet('commands')),
        'raw MULTI/EXEC of HMGET commands': () => timed(() => rawGet('multi')),
      });
      await store.close();
      if (Math.abs(simkitChecksum - rawChecksum) > 1e-3) console.log('WARNING: the contenders read different records.');

      const perSecond = (t: Timing, count: number) => (count * 1000) / t.medianMs;
      // The peer is the faster raw style.
      const fastestRaw = (timings: Record<string, Timing>) =>
        Object.entries(timings)
          .filter(([name]) => name.startsWith('raw'))
          .reduce((a, b) => (a[1].medianMs <= b[1].medianMs ? a : b));
      const [rawAddName, rawAddTiming] = fastestRaw(add);
      const [rawGetName, rawGetTiming] = fastestRaw(get);
      const simkitAddRate = perSecond(add['RedisStore.add'] as Timing, n);
      const rawAddRate = perSecond(rawAddTiming, n);
      const simkitGetRate = perSecond(get['RedisStore.get'] as Timing, GETS);
      const rawGetRate = perSecond(rawGetTiming, GETS);
      const rows = (timings: Record<string, Timing>, count: number, peer: Timing) =>
        Object.entries(timings).map(([method, t]) => ({
          method,
          'records/s': Math.round(perSecond(t, count)),
          'median ms': t.medianMs,
          'vs fastest raw': peer.medianMs / t.medianMs,
        }));
      printTable(
        `redis add: ${n} records × ${DIM} floats in batches of ${BATCH} (median of ${REPEAT} after a warm-up)`,
        rows(add, n, rawAddTiming),
      );
      printTable(
        `redis get: ${GETS} random ids of ${n} in calls of ${GET_BATCH} (median of ${REPEAT} after a warm-up)`,
        rows(get, GETS, rawGetTiming),
      );
      const addRatio = simkitAddRate / rawAddRate;
      const getRatio = simkitGetRate / rawGetRate;
      console.log(
        `RedisStore / raw node-redis throughput: add ${addRatio.toFixed(2)} (vs ${rawAddName}), get ${getRatio.toFixed(2)} (vs ${rawGetName}); target ≥ ${(1 / 1.3).toFixed(2)}`,
      );
      const file = writeResults('redis', {
        n,
        dim: DIM,
        batch: BATCH,
        gets: GETS,
        getBatch: GET_BATCH,
        seed: SEED,
        quick,
        appendfsync: 'everysec',
        add,
        get,
        recordsPerSecond: {
          simkitAdd: simkitAddRate,
          rawAdd: rawAddRate,
          simkitGet: simkitGetRate,
          rawGet: rawGetRate,
        },
        rawPeers: { add: rawAddName, get: rawGetName },
        addRatio,
        getRatio,
      });
      console.log(`results written to ${file}`);
    } finally {
      raw.destroy();
      await server.stop();
    }
  },
};
