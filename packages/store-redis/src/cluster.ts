import { isErrorReply } from './redis-errors.js';
import type { RedisConnection } from './server-link.js';

/** A cluster node as the cluster announces it. */
export interface NodeAddress {
  readonly host: string;
  readonly port: number;
}

/** Where the hash slot of an index lives on a Redis Cluster. */
export interface SlotOwner {
  readonly slot: number;
  /** The master that serves the slot. */
  readonly owner: NodeAddress;
  /** True when `owner` is the node the connection talks to. */
  readonly self: boolean;
}

function text(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/**
 * Asks the node behind `c` whether it is a Redis Cluster node and, if so, which master serves
 * the hash slot of `{prefix}` (`CLUSTER KEYSLOT`, `CLUSTER SLOTS`, `CLUSTER MYID`). Undefined for
 * a server that is not a cluster node (or does not let this user run `INFO cluster`).
 */
export async function findSlotOwner(c: RedisConnection, prefix: string): Promise<SlotOwner | undefined> {
  let info: unknown;
  try {
    info = await c.sendCommand(['INFO', 'cluster']);
  } catch (error) {
    if (isErrorReply(error)) return undefined;
    throw error;
  }
  if (!/^cluster_enabled:1\s*$/m.test(text(info))) return undefined;
  const [slotReply, slots, myId] = await Promise.all([
    c.sendCommand(['CLUSTER', 'KEYSLOT', `{${prefix}}`]),
    c.sendCommand(['CLUSTER', 'SLOTS']),
    c.sendCommand(['CLUSTER', 'MYID']),
  ]);
  const slot = Number(slotReply);
  if (!Array.isArray(slots)) throw new Error('CLUSTER SLOTS answered something other than a list of ranges');
  for (const range of slots as unknown[][]) {
    if (!Array.isArray(range) || !(Number(range[0]) <= slot && slot <= Number(range[1]))) continue;
    const master = range[2] as unknown[];
    if (!Array.isArray(master)) break;
    const port = Number(master[1]);
    if (!Number.isInteger(port) || port <= 0) break;
    return { slot, owner: { host: text(master[0]), port }, self: text(master[2]) === text(myId) };
  }
  throw new Error(`no master of the cluster serves hash slot ${slot} (CLUSTER SLOTS)`);
}

/** `host:port` of a node, with brackets around an IPv6 host. */
export function nodeName(node: NodeAddress): string {
  return `${node.host.includes(':') ? `[${node.host}]` : node.host}:${node.port}`;
}

/**
 * `url` pointed at `node`: same scheme (TLS or not), user, password and database, the host and
 * port the cluster announces. A node announced without an address (empty host) is on the host
 * of `url`. A `unix://` URL becomes `redis://` (cluster nodes talk TCP).
 */
export function urlOfNode(url: string, node: NodeAddress): string {
  if (url.startsWith('unix:')) return `redis://${nodeName(node)}`;
  const u = new URL(url);
  if (node.host !== '') u.hostname = node.host.includes(':') ? `[${node.host}]` : node.host;
  u.port = String(node.port);
  return u.toString();
}
