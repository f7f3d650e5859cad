/**
 * Helpers of the multi-node fault tests (ops_network_crash, ops_partition):
 * a network of validator child processes on fixed p2p ports (so a restarted
 * node is found again at the same address), every node bootstrapping to all
 * others, a seeded random generator, and a finality watch that records the
 * block hash each node shows at each height and reports any conflict.
 */
import { generateKeyPairFromSeed } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { computeIdentitySeed } from "../node/runtime/network.ts";
import { networkConfigToml, validatorWallet, writeNodeKey } from "./helpers/network.ts";
import { type NodeProcess, spawnNodeProcess } from "./helpers/test_node.ts";

/** mulberry32: a small seeded generator in [0, 1); the same seed gives the same run. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` TCP ports that were free a moment ago on 127.0.0.1. */
export function pickFreePorts(count: number): number[] {
  const listeners = Array.from(
    { length: count },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  for (const l of listeners) l.close();
  return ports;
}

/** libp2p peer id of test validator `i` (derived from its key like the node does). */
export async function validatorPeerId(i: number): Promise<string> {
  const seed = computeIdentitySeed(validatorWallet(i).sign);
  return peerIdFromPrivateKey(await generateKeyPairFromSeed("Ed25519", seed)).toString();
}

/** One validator child process of a {@link ProcessNetwork}; `proc` is null while it is down. */
export interface NetMember {
  index: number;
  peerId: string;
  p2pPort: number;
  dataDir: string;
  configPath: string;
  proc: NodeProcess | null;
}

/** Validators as child processes; start, kill and restart them by index. */
export interface ProcessNetwork {
  members: NetMember[];
  /** Base URL of a running member's API (throws when it is down). */
  url(i: number): string;
  /** SIGKILLs member `i` (no-op when down). */
  kill(i: number): Promise<void>;
  /** Starts member `i` again with the same data dir and p2p port. */
  restart(i: number): Promise<void>;
  /** Kills every member and removes the data dirs. */
  close(): Promise<void>;
}

export interface ProcessNetworkOptions {
  validators: number;
  blockTimeMs: number;
  accounts?: { address: string; balanceSatang: number }[];
  /** Name of the env var holding the operator token (set it in this process: children inherit it). */
  operatorTokenEnv?: string;
}

/** Writes configs and starts `validators` nodes, each bootstrapping to all the others. */
export async function startProcessNetwork(o: ProcessNetworkOptions): Promise<ProcessNetwork> {
  const ports = pickFreePorts(o.validators);
  const peerIds = await Promise.all(ports.map((_, i) => validatorPeerId(i)));
  const addressOf = (i: number) => `/ip4/127.0.0.1/tcp/${ports[i]}/p2p/${peerIds[i]}`;
  const members: NetMember[] = [];
  for (let i = 0; i < o.validators; i++) {
    const dataDir = await Deno.makeTempDir({ prefix: "gtx-opsnet-" });
    await writeNodeKey(dataDir, i);
    const toml = networkConfigToml({
      dataDir,
      validators: o.validators,
      key: i,
      blockTimeMs: o.blockTimeMs,
      accounts: o.accounts,
      bootstrapPeers: ports.map((_, j) => j).filter((j) => j !== i).map(addressOf),
    });
    const withPort = replaceOnce(
      toml,
      'listen_address = "127.0.0.1"\nport = 0\n',
      `listen_address = "127.0.0.1"\nport = ${ports[i]}\n`,
    );
    const withToken = o.operatorTokenEnv
      ? replaceOnce(
        withPort,
        "[api]\nport = 0\n",
        `[api]\nport = 0\noperator_token_env = "${o.operatorTokenEnv}"\nrate_limit_per_second = 10000\nrate_limit_burst = 20000\n`,
      )
      : replaceOnce(
        withPort,
        "[api]\nport = 0\n",
        "[api]\nport = 0\nrate_limit_per_second = 10000\nrate_limit_burst = 20000\n",
      );
    const configPath = `${dataDir}/config.toml`;
    await Deno.writeTextFile(configPath, withToken);
    members.push({
      index: i,
      peerId: peerIds[i]!,
      p2pPort: ports[i]!,
      dataDir,
      configPath,
      proc: null,
    });
  }
  const net: ProcessNetwork = {
    members,
    url(i) {
      const p = members[i]!.proc;
      if (!p) throw new Error(`node ${i} is down`);
      return p.baseUrl;
    },
    async kill(i) {
      const m = members[i]!;
      const p = m.proc;
      m.proc = null;
      if (p) await p.kill("SIGKILL");
    },
    async restart(i) {
      const m = members[i]!;
      if (m.proc) throw new Error(`node ${i} is running`);
      m.proc = await spawnNodeProcess(m.configPath, 60_000);
    },
    async close() {
      await Promise.all(members.map((m) => net.kill(m.index).catch(() => {})));
      for (const m of members) {
        await Deno.remove(m.dataDir, { recursive: true }).catch(() => {});
      }
    },
  };
  try {
    await Promise.all(members.map((m) => net.restart(m.index)));
  } catch (e) {
    await net.close();
    throw e;
  }
  return net;
}

function replaceOnce(text: string, from: string, to: string): string {
  if (text.split(from).length !== 2) throw new Error(`config template changed: ${from}`);
  return text.replace(from, to);
}

/** GET a JSON document with a short deadline. */
export async function getJson<T = Record<string, unknown>>(
  url: string,
  timeoutMs = 3_000,
): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.json();
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body as T;
}

/** The parts of GET /api/v1/status these tests read. */
export interface StatusView {
  height: number;
  head_hash: string;
  state_root: string;
  peers: number;
  /** Height, round, step and lock of the consensus engine (null without one). */
  consensus?: unknown;
}

/** Status of a node, or null when it does not answer. */
export async function getStatus(baseUrl: string): Promise<StatusView | null> {
  try {
    return await getJson<StatusView>(`${baseUrl}/api/v1/status`, 2_000);
  } catch {
    return null;
  }
}

/** A block as GET /api/v1/blocks/{height} returns it. */
export interface BlockView {
  hash: string;
  header: { height: number; stateRoot: string; parentHash?: string };
  txs: unknown[];
}

/**
 * Records, for every height, the first block hash any node showed there, and
 * every later sighting that differs (a finalized block changed or two nodes
 * finalized different blocks at one height).
 */
export class FinalityWatch {
  /** height -> first hash seen and who showed it. */
  readonly seen = new Map<number, { hash: string; node: number }>();
  readonly conflicts: string[] = [];
  observations = 0;

  /** Records that `node` shows `hash` at `height`. */
  record(node: number, height: number, hash: string): void {
    this.observations++;
    const first = this.seen.get(height);
    if (!first) {
      this.seen.set(height, { hash, node });
    } else if (first.hash !== hash) {
      this.conflicts.push(
        `height ${height}: node ${first.node} showed ${first.hash}, node ${node} shows ${hash}`,
      );
    }
  }

  /**
   * Polls the head of every running node every `intervalMs` until the
   * returned stop function is called (it resolves after the last poll).
   */
  poll(urls: () => (string | null)[], intervalMs: number): () => Promise<void> {
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        await Promise.all(
          urls().map(async (u, i) => {
            if (u === null) return;
            const s = await getStatus(u);
            if (s) this.record(i, s.height, s.head_hash);
          }),
        );
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    })();
    return async () => {
      stopped = true;
      await loop;
    };
  }
}

/**
 * Checks that every node holds the same blocks 0..height (hash and state
 * root) and that they agree with the watch; returns the blocks of node 0.
 */
export async function compareChains(
  urls: string[],
  height: number,
  watch?: FinalityWatch,
): Promise<BlockView[]> {
  const blocks: BlockView[] = [];
  for (let h = 0; h <= height; h++) {
    const views = await Promise.all(
      urls.map((u) => getJson<BlockView>(`${u}/api/v1/blocks/${h}`)),
    );
    const first = views[0]!;
    views.forEach((v, i) => {
      if (v.hash !== first.hash || v.header.stateRoot !== first.header.stateRoot) {
        throw new Error(
          `height ${h}: node ${i} has ${v.hash}/${v.header.stateRoot}, node 0 has ${first.hash}/${first.header.stateRoot}`,
        );
      }
      watch?.record(i, h, v.hash);
    });
    blocks.push(first);
  }
  return blocks;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * What a stalled multi-node test should print: every running member's height,
 * round, step, lock and peers, and the last warnings/consensus lines of
 * member `focus`'s log (so a deadlock can be told from slowness).
 */
export async function describeNetwork(net: ProcessNetwork, focus: number): Promise<string> {
  const lines: string[] = [];
  for (const m of net.members) {
    if (m.proc === null) {
      lines.push(`node ${m.index}: down`);
      continue;
    }
    const s = await getStatus(m.proc.baseUrl);
    lines.push(
      `node ${m.index}: height ${s?.height ?? "?"} peers ${s?.peers ?? "?"} consensus ${
        JSON.stringify(s?.consensus ?? null)
      }`,
    );
  }
  const log = net.members[focus]?.proc?.lines ?? [];
  const interesting = log.filter((l) => /"level":"(warn|error)"|consensus\.|sync\./.test(l));
  lines.push(`last log lines of node ${focus}:`, ...interesting.slice(-40));
  return lines.join("\n");
}
