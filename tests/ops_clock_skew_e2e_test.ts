/**
 * Clock skew between validators, with real child processes whose clocks are
 * faked by libfaketime (Debian package `faketime`; LD_PRELOAD of
 * libfaketime.so.1, FAKETIME="+Ns"; DONT_FAKE_MONOTONIC=1 keeps timers and
 * performance.now() on the real monotonic clock). The product has no clock
 * hook: Deno's Date.now() reads the faked clock_gettime(CLOCK_REALTIME).
 *
 * Rules under test: a proposal whose timestamp is more than
 * `max_future_drift_ms` (5 s) ahead of a validator's clock gets its nil
 * prevote (node/consensus/timestamps.ts); every block's timestamp is after its
 * parent's; a proposer stamps max(its clock, parent + 1 ms); gossip whose
 * envelope `sentAtMs` is more than 60 s ahead or 5 min behind the receiver's
 * clock is dropped (node/p2p/envelope.ts), so a validator 1 h off is not
 * heard at all. Peak-hour grid fees follow the block timestamp, never a
 * node's clock.
 */
import assert from "node:assert/strict";
import { toSignedTxJson, type Tx } from "../node/chain/transaction.ts";
import {
  computeFeeRates,
  DEFAULT_MARKET_PARAMS,
  getBangkokHour,
  isPeakHour,
} from "../node/market/mod.ts";
import { authorityActionSigner } from "./helpers/authority_actions.ts";
import { networkConfigToml, validatorWallet, writeNodeKey } from "./helpers/network.ts";
import {
  type NodeProcess,
  signWith,
  spawnNodeProcess,
  testWallet,
  waitFor,
} from "./helpers/test_node.ts";
import { getJson, getStatus, pickFreePorts, validatorPeerId } from "./ops_network_helpers.ts";

const FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
const HOUR_MS = 3_600_000;

interface SkewedNode {
  index: number;
  /** Offset of this node's clock from the real one, seconds. */
  offsetS: number;
  baseUrl: string;
  lines: string[];
  child: Deno.ChildProcess;
  dataDir: string;
}

interface BlockJson {
  hash: string;
  header: { height: number; timestampMs: number; proposer: string; stateRoot: string };
}

function spawnSkewed(configPath: string, offsetS: number): Promise<NodeProcess> {
  const env: Record<string, string> = {};
  if (offsetS !== 0) {
    env.LD_PRELOAD = FAKETIME_LIB;
    env.FAKETIME = `${offsetS >= 0 ? "+" : "-"}${Math.abs(offsetS)}`;
    env.DONT_FAKE_MONOTONIC = "1";
  }
  return spawnNodeProcess(configPath, 40_000, env);
}

/** Four validators, node i with its clock `offsetsS[i]` seconds off, all bootstrapping to all. */
async function startSkewedNetwork(
  offsetsS: number[],
  accounts: { address: string; balanceSatang: number }[] = [],
): Promise<{ nodes: SkewedNode[]; close(): Promise<void> }> {
  await Deno.stat(FAKETIME_LIB).catch(() => {
    throw new Error(`${FAKETIME_LIB} is missing: apt-get install -y faketime`);
  });
  const n = offsetsS.length;
  const ports = pickFreePorts(n);
  const peerIds = await Promise.all(ports.map((_, i) => validatorPeerId(i)));
  const nodes: SkewedNode[] = [];
  const dirs: string[] = [];
  const close = async () => {
    for (const node of nodes) {
      try {
        node.child.kill("SIGKILL");
      } catch { /* exited */ }
      await node.child.status.catch(() => {});
    }
    for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
  };
  try {
    const configs: string[] = [];
    for (let i = 0; i < n; i++) {
      const dataDir = await Deno.makeTempDir({ prefix: "gtx-clock-" });
      dirs.push(dataDir);
      await writeNodeKey(dataDir, i);
      const toml = networkConfigToml({
        dataDir,
        validators: n,
        key: i,
        blockTimeMs: 400,
        accounts,
        bootstrapPeers: ports.flatMap((p, j) =>
          j === i ? [] : [`/ip4/127.0.0.1/tcp/${p}/p2p/${peerIds[j]}`]
        ),
      }).replace(
        'listen_address = "127.0.0.1"\nport = 0\n',
        `listen_address = "127.0.0.1"\nport = ${ports[i]}\n`,
      ).replace(
        "[api]\nport = 0\n",
        "[api]\nport = 0\nrate_limit_per_second = 10000\nrate_limit_burst = 20000\n",
      );
      configs.push(`${dataDir}/config.toml`);
      await Deno.writeTextFile(configs[i]!, toml);
    }
    const started = await Promise.all(configs.map((c, i) => spawnSkewed(c, offsetsS[i]!)));
    started.forEach((s, i) =>
      nodes.push({ ...s, index: i, offsetS: offsetsS[i]!, dataDir: dirs[i]! })
    );
  } catch (e) {
    await close();
    throw e;
  }
  return { nodes, close };
}

async function height(node: SkewedNode): Promise<number> {
  return (await getStatus(node.baseUrl))?.height ?? -1;
}

async function block(node: SkewedNode, h: number): Promise<BlockJson> {
  return await getJson<BlockJson>(`${node.baseUrl}/api/v1/blocks/${h}`);
}

/** Blocks 1..h of `node`, checking timestamps rise and stay within `maxAheadMs` of `realNowMs()`. */
async function checkTimestamps(node: SkewedNode, h: number, maxTsMs: number): Promise<BlockJson[]> {
  const blocks = [await block(node, 0)];
  for (let x = 1; x <= h; x++) {
    const b = await block(node, x);
    assert.ok(
      b.header.timestampMs > blocks[x - 1]!.header.timestampMs,
      `block ${x} not after its parent`,
    );
    assert.ok(
      b.header.timestampMs <= maxTsMs,
      `block ${x} at ${b.header.timestampMs} > ${maxTsMs}`,
    );
    blocks.push(b);
  }
  return blocks;
}

/** JSON log lines of `event`. */
function events(node: SkewedNode, event: string): Record<string, unknown>[] {
  return node.lines.filter((l) => l.includes(`"${event}"`)).map((l) => JSON.parse(l));
}

const FUTURE_RE = /is more than 5000 ms ahead of/;

async function waitHeights(nodes: SkewedNode[], min: number, ms: number, what: string) {
  await waitFor(
    async () => (await Promise.all(nodes.map(height))).every((h) => h >= min),
    ms,
    what,
  );
}

Deno.test({
  name: "libfaketime moves Date.now() of a Deno child process",
  fn: async () => {
    await Deno.stat(FAKETIME_LIB).catch(() => {
      throw new Error(`${FAKETIME_LIB} is missing: apt-get install -y faketime`);
    });
    const res = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "console.log(Date.now())"],
      env: { LD_PRELOAD: FAKETIME_LIB, FAKETIME: "+3600", DONT_FAKE_MONOTONIC: "1" },
      stdout: "piped",
    }).output();
    const skewMs = Number(new TextDecoder().decode(res.stdout).trim()) - Date.now();
    assert.ok(Math.abs(skewMs - HOUR_MS) < 60_000, `skew ${skewMs} ms`);
  },
});

/**
 * Offset (s) that puts the real clock at 21:40 Asia/Bangkok (peak, which ends
 * at 22:00), so a clock one hour ahead reads 22:40 (off-peak).
 */
function offsetToBangkok2140(nowMs: number): number {
  const day = 86_400_000;
  const msOfDay = (nowMs + 7 * HOUR_MS) % day;
  const target = 21 * HOUR_MS + 40 * 60_000;
  let d = target - msOfDay;
  if (d > day / 2) d -= day;
  if (d < -day / 2) d += day;
  return Math.round(d / 1000);
}

Deno.test({
  name: "clock skew: a validator 1 h ahead is not heard; the grid fee follows the block time",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const mea = testWallet("authority MEA");
    const alice = testWallet("clock-alice");
    const bob = testWallet("clock-bob");
    const carol = testWallet("clock-carol");
    const d = offsetToBangkok2140(Date.now());
    const net = await startSkewedNetwork(
      [d, d, d, d + 3600],
      [mea, alice, bob, carol].map((w) => ({ address: w.address, balanceSatang: 10_000_000 })),
    );
    const honest = net.nodes.slice(0, 3);
    const ahead = net.nodes[3]!;
    const honestNow = () => Date.now() + d * 1000;
    const expiresAtMs = honestNow() + 2 * HOUR_MS;
    const post = async (node: SkewedNode, tx: Tx) => {
      const res = await fetch(`${node.baseUrl}/api/v1/transactions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(toSignedTxJson(tx)),
      });
      const body = await res.json();
      assert.equal(res.status, 202, JSON.stringify(body));
    };
    const txStatus = async (n: SkewedNode, tx: Tx) =>
      (await (await fetch(`${n.baseUrl}/api/v1/transactions/${tx.id}`)).json()) as {
        status?: string;
        error?: { code: string };
      };
    const committed = (tx: Tx) =>
      waitFor(
        async () => {
          const s = await txStatus(honest[0]!, tx).catch(() => null);
          if (s?.status === "rejected") throw new Error(`rejected: ${JSON.stringify(s)}`);
          return s?.status === "committed" ? s : null;
        },
        30_000,
        `commit of ${tx.id}`,
      );
    try {
      await waitHeights(honest, 3, 40_000, "first blocks");
      // Gossip from a clock 1 h ahead is dropped by the p2p envelope check
      // (sentAtMs > now + 60 s): a transaction sent to its API stays there.
      const stuck = signWith(carol, {
        kind: "transfer",
        nonce: 0,
        feeSatang: 1,
        expiresAtMs,
        payload: { to: bob.address, amountSatang: 1, amountWh: 0 },
      });
      await post(ahead, stuck);

      // A trade at 21:4x Bangkok (peak); the ahead node's clock reads 22:4x (off-peak).
      let meaNonce = 0;
      const act = authorityActionSigner(mea, { expiresAtMs, nextNonce: () => meaNonce++ });
      const setup = [
        act("register_participant", { address: alice.address, location: "BKK-01-SUB001" }),
        act("register_participant", { address: bob.address, location: "BKK-02-SUB001" }),
        act("register_meter", {
          meterId: "MTR-CLOCK-1",
          owner: alice.address,
          location: "BKK-01-SUB001",
          source: "solar",
        }),
        signWith(mea, {
          kind: "meter_reading",
          nonce: meaNonce++,
          feeSatang: 1,
          expiresAtMs,
          payload: {
            meterId: "MTR-CLOCK-1",
            totalWh: 50_000,
            readAtMs: honestNow() - 60_000,
            location: "BKK-01-SUB001",
          },
        }),
      ];
      for (const tx of setup) await post(honest[0]!, tx);
      for (const tx of setup) await committed(tx);
      const order = (w: typeof alice, side: "sell" | "buy", location: string) =>
        signWith(w, {
          kind: "energy_order",
          nonce: 0,
          feeSatang: 1,
          expiresAtMs,
          payload: {
            side,
            amountWh: 10_000,
            priceSatangPerKwh: side === "sell" ? 400 : 500,
            source: side === "sell" ? "solar" : null,
            location,
            orderExpiresAtMs: honestNow() + 3 * HOUR_MS,
          } as never,
        });
      const sell = order(alice, "sell", "BKK-01-SUB001");
      await post(honest[1]!, sell);
      await committed(sell);
      const buy = order(bob, "buy", "BKK-02-SUB001");
      await post(honest[2]!, buy);
      await committed(buy);

      interface TradeJson {
        id: string;
        height: number;
        timestampMs: number;
        distance: "same_region";
        peak: boolean;
        gridFeeSatangPerKwh: number;
        gridFeeSatang: number;
        amountWh: number;
      }
      const tradesOf = async (n: SkewedNode) =>
        (await getJson<{ trades: TradeJson[] }>(`${n.baseUrl}/api/v1/energy/trades`)).trades;
      const trades = await tradesOf(honest[0]!);
      assert.equal(trades.length, 1);
      const t = trades[0]!;
      const tradeBlock = await block(honest[0]!, t.height);
      const ts = tradeBlock.header.timestampMs;
      assert.equal(t.timestampMs, ts);
      assert.equal(getBangkokHour(ts), 21, `block time ${new Date(ts).toISOString()}`);
      assert.equal(t.peak, true);
      assert.equal(t.peak, isPeakHour(ts, DEFAULT_MARKET_PARAMS.peakHours));
      assert.equal(t.gridFeeSatangPerKwh, computeFeeRates(DEFAULT_MARKET_PARAMS, ts)[t.distance]);
      assert.equal(t.gridFeeSatang, Math.floor((t.amountWh * t.gridFeeSatangPerKwh) / 1000));
      // The ahead node's clock would give the off-peak rate; it applied the
      // same block and recorded the same (peak) trade.
      assert.notEqual(
        computeFeeRates(DEFAULT_MARKET_PARAMS, ts + HOUR_MS)[t.distance],
        t.gridFeeSatangPerKwh,
      );
      await waitFor(async () => (await height(ahead)) >= t.height, 20_000, "ahead node follows");
      assert.deepEqual(await tradesOf(ahead), trades);

      // The chain goes on without the ahead validator: none of its blocks.
      const start = Math.max(...await Promise.all(honest.map(height)));
      await waitHeights(honest, start + 6, 45_000, "6 more blocks with a validator 1 h ahead");
      const h = Math.min(...await Promise.all(honest.map(height)));
      const blocks = await checkTimestamps(honest[0]!, h, honestNow() + 5_000);
      const aheadKey = validatorWallet(3).publicKeyHex;
      assert.equal(blocks.filter((b) => b.header.proposer === aheadKey).length, 0);
      await waitFor(async () => (await height(ahead)) >= h, 20_000, "ahead node follows");
      assert.equal((await block(ahead, h)).hash, blocks[h]!.hash);
      assert.equal((await txStatus(ahead, stuck)).status, "pending");
      for (const n of honest) assert.equal((await txStatus(n, stuck)).error?.code, "NOT_FOUND");
      // The ahead node knows it: its status, metric and log say its clock is ~1 h ahead;
      // the honest nodes' estimate is not moved by the one peer that is off.
      type ClockStatus = { clock_offset_ms: number | null };
      const aheadOffset = (await getJson<ClockStatus>(`${ahead.baseUrl}/api/v1/status`))
        .clock_offset_ms;
      assert.ok(
        aheadOffset !== null && Math.abs(aheadOffset - HOUR_MS) < 30_000,
        `ahead node's clock offset ${aheadOffset}`,
      );
      const metrics = await (await fetch(`${ahead.baseUrl}/metrics`)).text();
      const gauge = Number(/^gridtokenx_clock_offset_seconds (\S+)$/m.exec(metrics)?.[1]);
      assert.ok(Math.abs(gauge - HOUR_MS / 1000) < 30, `gauge ${gauge}`);
      assert.ok(events(ahead, "p2p.clock_offset").length > 0, "a clock offset warning");
      const overview = await (await fetch(`${ahead.baseUrl}/`)).text();
      assert.match(overview, /id="clock-offset"[^>]*>This node.s clock is 3\d{3} s ahead of/);
      for (const n of honest) {
        const o = (await getJson<ClockStatus>(`${n.baseUrl}/api/v1/status`)).clock_offset_ms;
        assert.ok(o !== null && Math.abs(o) < 5_000, `honest node's clock offset ${o}`);
      }
    } finally {
      await net.close();
    }
  },
});

Deno.test({
  name:
    "clock skew: a validator 30 s ahead is heard, and its proposals are refused (max_future_drift_ms)",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const net = await startSkewedNetwork([0, 0, 0, 30]);
    const honest = net.nodes.slice(0, 3);
    try {
      await waitHeights(honest, 2, 40_000, "first blocks");
      const aheadKey = validatorWallet(3).publicKeyHex;
      // Until it has had a turn (or two) as proposer and been refused.
      await waitFor(
        () =>
          honest.flatMap((n) => events(n, "block.invalid_proposal"))
            .some((e) => FUTURE_RE.test(String(e.error))),
        45_000,
        "a proposal refused as too far in the future",
      );
      // The chain goes on; none of the ahead validator's blocks is committed.
      const refusedAt = Math.max(...await Promise.all(honest.map(height)));
      await waitHeights(honest, refusedAt + 6, 45_000, "6 more blocks");
      const h = Math.min(...await Promise.all(honest.map(height)));
      const blocks = await checkTimestamps(honest[0]!, h, Date.now() + 5_000);
      assert.equal(blocks.filter((b) => b.header.proposer === aheadKey).length, 0);
    } finally {
      await net.close();
    }
  },
});

Deno.test({
  name: "clock skew: a validator 1 h behind is not heard and follows the chain by sync",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const net = await startSkewedNetwork([0, 0, 0, -3600]);
    const honest = net.nodes.slice(0, 3);
    const behind = net.nodes[3]!;
    try {
      await waitHeights(honest, 15, 60_000, "15 blocks with a validator 1 h behind");
      const h = Math.min(...await Promise.all(honest.map(height)));
      const blocks = await checkTimestamps(honest[0]!, h, Date.now() + 5_000);
      const behindKey = validatorWallet(3).publicKeyHex;
      const byBehind = blocks.filter((b) => b.header.proposer === behindKey);
      // Its gossip is older than 5 min to the others (dropped), so none of its blocks is committed.
      assert.equal(byBehind.length, 0);
      await waitFor(async () => (await height(behind)) >= h, 20_000, "behind node follows");
      assert.equal((await block(behind, h)).hash, blocks[h]!.hash);
      const refused = events(behind, "block.invalid_proposal").filter((e) =>
        FUTURE_RE.test(String(e.error))
      );
      console.log(
        `1 h behind: ${h} blocks, ${byBehind.length} proposed by it, it refused ${refused.length} proposals as future`,
      );
    } finally {
      await net.close();
    }
  },
});

Deno.test({
  name: "clock skew: validators 5 s ahead and 5 s behind, the network keeps finalizing",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const net = await startSkewedNetwork([5, -5, 0, 0]);
    try {
      await waitHeights(net.nodes, 2, 40_000, "first blocks");
      const start = Math.max(...await Promise.all(net.nodes.map(height)));
      const t0 = performance.now();
      await waitHeights(net.nodes, start + 12, 60_000, "12 more blocks with +-5 s skew");
      const seconds = (performance.now() - t0) / 1000;
      const h = Math.min(...await Promise.all(net.nodes.map(height)));
      const blocks = await checkTimestamps(net.nodes[2]!, h, Date.now() + 5_000 + 1_000);
      for (const n of net.nodes) assert.equal((await block(n, h)).hash, blocks[h]!.hash);
      const proposers = new Set(blocks.slice(1).map((b) => b.header.proposer));
      console.log(
        `+-5 s: 12 blocks in ${seconds.toFixed(1)} s, ${proposers.size} distinct proposers`,
      );
    } finally {
      await net.close();
    }
  },
});
