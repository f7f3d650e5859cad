/**
 * Four validators and the four authority nodes (EGAT, MEA, PEA, ERC) online,
 * with the default authority weight (authority_voting_power_bps = 2500: each
 * validator 20% of the power, the authorities 5% each):
 * - blocks finalize and, with one validator stopped (3 validators = 60% <
 *   2/3), only with the authorities' precommits in every commit;
 * - energy transactions (a meter reading signed by MEA) are committed in
 *   PoW-sealed blocks whose seals verify, and every node agrees on hashes
 *   and state roots;
 * - with the authorities stopped too, nothing is finalized.
 */
import assert from "node:assert/strict";
import { isValidSeal } from "../node/consensus/pow.ts";
import type { Commit } from "../node/consensus/votes.ts";
import type { Tx } from "../node/chain/transaction.ts";
import { authorityActionSigner } from "./helpers/authority_actions.ts";
import {
  authorityKey,
  heightOf,
  type NetworkNode,
  removeDirs,
  startMeshNodes,
} from "./helpers/network.ts";
import { signWith, testWallet, waitFor } from "./helpers/test_node.ts";

const BLOCK_MS = 500;
const AUTHORITIES = ["EGAT", "MEA", "PEA", "ERC"] as const;

async function post(n: NetworkNode, tx: Tx): Promise<void> {
  const res = await fetch(`${n.baseUrl}/api/v1/transactions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      body: tx.body,
      signature: [...tx.signature].map((b) => b.toString(16).padStart(2, "0")).join(""),
    }),
  });
  assert.ok(res.status < 300, `submit: ${res.status} ${await res.text()}`);
}

Deno.test({
  name:
    "authority nodes vote: 1 of 4 validators down goes on only with them; sealed energy blocks agree",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const nodes: NetworkNode[] = [];
    const mea = testWallet(authorityKey("MEA"));
    const owner = testWallet("authority test prosumer");
    const authorityKeys = new Set(AUTHORITIES.map((a) => testWallet(authorityKey(a)).publicKeyHex));
    const common = {
      validators: 4,
      blockTimeMs: BLOCK_MS,
      authorityVotingPowerBps: 2500,
      accounts: [
        { address: mea.address, balanceSatang: 1_000_000_000 },
        { address: owner.address, balanceSatang: 1_000_000_000 },
      ],
    };
    try {
      const keys: (number | string)[] = [0, 1, 2, 3, ...AUTHORITIES.map(authorityKey)];
      await startMeshNodes(nodes, keys, (key) => ({
        ...common,
        nodeType: typeof key === "number" ? "validator" : "authority",
      }));
      const set = nodes[0]!.running.node.getValidatorSet();
      assert.equal(set.authorities.length, 4);
      assert.equal(set.authorities[0]!.power * 4 * 4, set.validators[0]!.power * 4, "5% vs 20%");
      const st = await (await fetch(`${nodes[4]!.baseUrl}/api/v1/status`)).json();
      assert.equal(st.role, "authority");
      await waitFor(() => nodes.every((n) => heightOf(n) >= 2), 20_000, "2 blocks everywhere");

      // One validator down: 3 x 20% = 60% < 2/3; the chain goes on with the authorities.
      await nodes[3]!.stop();
      const live = nodes.filter((_, i) => i !== 3);
      const hDown = Math.max(...live.map(heightOf));

      // Energy transactions: MEA registers a prosumer and a meter, then a meter reading.
      const expiresAtMs = Date.now() + 120_000;
      let meaNonce = 0;
      const act = authorityActionSigner(mea, { expiresAtMs, nextNonce: () => meaNonce++ });
      const txs = [
        act("register_participant", { address: owner.address, location: "BKK-01-SUB001" }),
        act("register_meter", {
          meterId: "MTR-AUTH-1",
          owner: owner.address,
          location: "BKK-01-SUB001",
          source: "solar",
        }),
        signWith(mea, {
          kind: "meter_reading",
          nonce: meaNonce++,
          feeSatang: 1,
          expiresAtMs,
          payload: {
            meterId: "MTR-AUTH-1",
            totalWh: 25_000,
            readAtMs: Date.now() - 1000,
            location: "BKK-01-SUB001",
          },
        }),
      ];
      for (const tx of txs) await post(live[0]!, tx);
      const readingId = txs[2]!.id;
      await waitFor(
        async () => {
          const locs = await Promise.all(
            live.map((n) => n.running.node.store.getTxLocation(readingId)),
          );
          return locs.every((l) => l !== null);
        },
        30_000,
        "meter reading committed on every live node",
      );
      const hEnd = Math.max(...live.map(heightOf)) + 2;
      await waitFor(() => live.every((n) => heightOf(n) >= hEnd), 20_000, "2 more blocks");
      assert.ok(hEnd > hDown + 2);

      // Agreement, seals, and the authorities' precommits in every commit after the stop.
      let sealed = 0;
      let withAuthorities = 0;
      for (let h = 1; h <= hEnd; h++) {
        const recs = await Promise.all(live.map((n) => n.running.node.store.getBlockRecord(h)));
        assert.equal(new Set(recs.map((r) => r?.hash)).size, 1, `block ${h} hashes differ`);
        assert.equal(new Set(recs.map((r) => r?.header.stateRoot)).size, 1, `block ${h} roots`);
        const rec = recs[0]!;
        if (rec.header.difficulty > 0) {
          sealed++;
          for (const r of recs) assert.ok(isValidSeal(r!.header), `seal of block ${h}`);
        }
        const commit = rec.commit as Commit;
        const auth = commit.precommits.filter((v) => authorityKeys.has(v.validator));
        if (auth.length > 0) withAuthorities++;
        // (hDown + 1 may still carry validator 3's last precommit.)
        if (h > hDown + 1) {
          const vals = commit.precommits.filter((v) => !authorityKeys.has(v.validator));
          assert.ok(vals.length <= 3, `block ${h}: validator 3 is down`);
          assert.ok(auth.length >= 2, `block ${h} finalized with ${auth.length} authority votes`);
        }
      }
      assert.ok(sealed >= 1, "a sealed block");
      assert.ok(withAuthorities >= hEnd - hDown - 1, `${withAuthorities} commits with authorities`);

      // Authorities stopped too: 60% of the power left, nothing is finalized.
      await Promise.all(live.slice(3).map((n) => n.stop()));
      const validators = live.slice(0, 3);
      await new Promise((r) => setTimeout(r, 2 * BLOCK_MS));
      const hStalled = Math.max(...validators.map(heightOf));
      await new Promise((r) => setTimeout(r, 6 * BLOCK_MS));
      assert.equal(Math.max(...validators.map(heightOf)), hStalled, "no block at 60%");
    } finally {
      await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
      await removeDirs(nodes.map((n) => n.dataDir));
    }
  },
});
