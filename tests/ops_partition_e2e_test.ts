/**
 * Network partitions between running validator processes, made with the
 * operator's peer block list (`POST|DELETE /api/v1/peers/{peer_id}/block`,
 * a libp2p connection gater: traffic is really cut, the nodes keep running).
 *
 * - 3|1: the side with 3 of 4 equal validators (> 2/3 of the power) keeps
 *   finalizing; the isolated node finalizes nothing new.
 * - 2|2: neither side finalizes anything.
 * - After each heal all nodes converge on one chain (same hash and state
 *   root at every height), and during the whole test no two nodes ever show
 *   different blocks at one height (heads polled every 150 ms).
 *
 * Blocks are set on one side only (the gater must also refuse the other
 * side's inbound connections). Authorities have no voting power here.
 *
 * Needs: --allow-run, --allow-net=127.0.0.1, --allow-read, --allow-write, --allow-env.
 */
import assert from "node:assert/strict";
import { waitFor } from "./helpers/test_node.ts";
import {
  sleep as p2pSleep,
  startNode as startP2P,
  waitFor as p2pWaitFor,
} from "./p2p_test_helpers.ts";
import {
  compareChains,
  FinalityWatch,
  getJson,
  getStatus,
  type ProcessNetwork,
  sleep,
  startProcessNetwork,
} from "./ops_network_helpers.ts";

const TOKEN_ENV = "GTX_OPS_PARTITION_TOKEN";
const TOKEN = `partition-test-${crypto.randomUUID()}`;
const BLOCK_TIME_MS = 400;
/** How long a partition is held (about 10 block times). */
const HOLD_MS = 4_000;

async function heights(net: ProcessNetwork, nodes: number[]): Promise<number[]> {
  return await Promise.all(nodes.map(async (i) => (await getStatus(net.url(i)))?.height ?? -1));
}

async function peerCounts(net: ProcessNetwork): Promise<number[]> {
  return await Promise.all(
    net.members.map(async (m) => (await getStatus(net.url(m.index)))?.peers ?? -1),
  );
}

async function setBlock(
  net: ProcessNetwork,
  on: number,
  peer: number,
  blocked: boolean,
): Promise<Response> {
  const res = await fetch(
    `${net.url(on)}/api/v1/peers/${net.members[peer]!.peerId}/block`,
    {
      method: blocked ? "POST" : "DELETE",
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: AbortSignal.timeout(5_000),
    },
  );
  return res;
}

/** Blocks (or unblocks) every `peers` on every `on` node; asserts 200. */
async function cut(net: ProcessNetwork, on: number[], peers: number[], blocked: boolean) {
  for (const i of on) {
    for (const j of peers) {
      const res = await setBlock(net, i, j, blocked);
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.blocked, blocked);
    }
  }
}

/** Waits until all nodes agree at a height above `above`, then compares whole chains. */
async function converge(net: ProcessNetwork, above: number, watch: FinalityWatch): Promise<number> {
  const all = net.members.map((m) => m.index);
  const h = await waitFor(
    async () => {
      const hs = await heights(net, all);
      const min = Math.min(...hs);
      return min > above ? min : 0;
    },
    40_000,
    `all nodes above height ${above}`,
  );
  await compareChains(all.map((i) => net.url(i)), h, watch);
  return h;
}

Deno.test({
  name: "partitions 3|1 and 2|2: only a > 2/3 side finalizes, and after healing one chain",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const started = Date.now();
    Deno.env.set(TOKEN_ENV, TOKEN);
    const net = await startProcessNetwork({
      validators: 4,
      blockTimeMs: BLOCK_TIME_MS,
      operatorTokenEnv: TOKEN_ENV,
    });
    const watch = new FinalityWatch();
    const stopWatch = watch.poll(() => net.members.map((m) => m.proc?.baseUrl ?? null), 150);
    try {
      const all = [0, 1, 2, 3];
      await waitFor(
        async () => (await peerCounts(net)).every((p) => p === 3),
        60_000,
        "a full mesh of 4",
      );
      await waitFor(
        async () => (await heights(net, all)).every((h) => h >= 2),
        60_000,
        "first blocks",
      );
      const startupMs = Date.now() - started;

      // The endpoint: operator token, JSON errors naming the field.
      const url0 = net.url(0);
      const peer1 = net.members[1]!.peerId;
      let res = await fetch(`${url0}/api/v1/peers/${peer1}/block`, { method: "POST" });
      assert.equal(res.status, 401);
      assert.equal((await res.json()).error.field, "authorization");
      res = await fetch(`${url0}/api/v1/peers/not-a-peer/block`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(res.status, 400);
      assert.equal((await res.json()).error.field, "peer_id");
      res = await setBlock(net, 0, 0, true);
      assert.equal(res.status, 400, "own peer id");
      assert.equal((await res.json()).error.field, "peer_id");

      // ---- 3|1: node 3 blocks the three others (they do not block it).
      await cut(net, [3], [0, 1, 2], true);
      const peers3 = await getJson<{ blocked_peers: string[]; count: number }>(
        `${net.url(3)}/api/v1/peers`,
      );
      assert.deepEqual(
        peers3.blocked_peers,
        [0, 1, 2].map((i) => net.members[i]!.peerId).sort(),
      );
      await waitFor(
        async () => {
          const p = await peerCounts(net);
          return p[3] === 0 && p[0] === 2 && p[1] === 2 && p[2] === 2;
        },
        10_000,
        "node 3 cut off",
      );
      await sleep(2 * BLOCK_TIME_MS);
      const [isolatedAt] = await heights(net, [3]);
      const majorityAt = Math.max(...await heights(net, [0, 1, 2]));
      // Hold at least HOLD_MS and until the 3 side finalized 3 more blocks (slow machines).
      const holdUntil = Date.now() + HOLD_MS;
      const majorityNow = await waitFor(
        async () => {
          const min = Math.min(...await heights(net, [0, 1, 2]));
          return min >= majorityAt + 3 && Date.now() >= holdUntil ? min : 0;
        },
        30_000,
        "the 3 side finalizing 3 blocks",
      );
      // Redials from the majority side must have been refused all along.
      assert.equal((await peerCounts(net))[3], 0, "node 3 stayed disconnected");
      const [isolatedNow] = await heights(net, [3]);
      assert.equal(isolatedNow, isolatedAt, "the isolated node finalized nothing");
      await cut(net, [3], [0, 1, 2], false);
      const healed31 = await converge(net, majorityNow, watch);

      // ---- 2|2: nodes 0 and 1 block nodes 2 and 3.
      await cut(net, [0, 1], [2, 3], true);
      await waitFor(
        async () => (await peerCounts(net)).every((p) => p === 1),
        10_000,
        "two halves",
      );
      await sleep(2 * BLOCK_TIME_MS);
      const splitAt = await heights(net, all);
      await sleep(HOLD_MS);
      const splitNow = await heights(net, all);
      assert.deepEqual(splitNow, splitAt, "no side of a 2|2 split finalizes");
      await cut(net, [0, 1], [2, 3], false);
      const healed22 = await converge(net, Math.max(...splitNow) + 2, watch);

      await stopWatch();
      assert.deepEqual(watch.conflicts, [], "no two nodes ever showed different blocks");
      console.log(
        `partition test: start-up ${startupMs} ms; 3|1 majority +${
          majorityNow - majorityAt
        } blocks, isolated +0; healed at ${healed31}; 2|2 +0 on both sides; ` +
          `healed at ${healed22}; ${watch.observations} head observations, 0 conflicts; ` +
          `${Date.now() - started} ms`,
      );
    } finally {
      await stopWatch();
      await net.close();
      Deno.env.delete(TOKEN_ENV);
    }
  },
});

Deno.test({
  name: "p2p block list: closes the connection, refuses dials both ways, unblock reconnects",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const a = await startP2P(71);
    const b = await startP2P(72, { bootstrapPeers: a.multiaddrs() });
    try {
      await p2pWaitFor("b connected to a", () => a.peerCount() === 1 && b.peerCount() === 1);
      await a.blockPeer(b.peerId);
      assert.deepEqual(a.blockedPeers(), [b.peerId]);
      await p2pWaitFor("connection closed", () => a.peerCount() === 0 && b.peerCount() === 0);
      await assert.rejects(a.dial(b.multiaddrs()[0]!), "a may not dial b");
      // b dials a (and redials it every 500 ms as a bootstrap peer): b may see the
      // handshake finish, but a's gater closes the connection at once.
      await b.dial(a.multiaddrs()[0]!).catch(() => {});
      await p2pSleep(1_200);
      assert.equal(a.peerCount(), 0, "inbound connections from a blocked peer are refused");
      await assert.rejects(a.blockPeer(a.peerId), /own peer id/);
      await assert.rejects(a.blockPeer("nonsense"), /not a peer id/);
      assert.equal(a.unblockPeer(b.peerId), true);
      assert.equal(a.unblockPeer(b.peerId), false);
      await p2pWaitFor("reconnected", () => a.peerCount() === 1 && b.peerCount() === 1);
    } finally {
      await b.stop();
      await a.stop();
    }
  },
});
