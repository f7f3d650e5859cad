/**
 * Restart safety of a validator, with a real KV data dir:
 * - the Tendermint lock and its proof-of-lock prevotes are persisted before
 *   the precommit that creates it; a validator restarted at that height
 *   starts with the lock, gossips the proof-of-lock prevotes again (others'
 *   votes of an older round), prevotes only the locked block or nil in later
 *   rounds, and still holds the locked block (it commits it without anyone
 *   re-sending it);
 * - PowState is persisted with the head: boot reads the record, not every
 *   header, and the result equals the fold over all headers.
 *
 * The lock test runs validator 0 of 4 alone; the other three are played by a
 * bare p2p node that signs their proposals and votes (their blocks are built
 * by unstarted GridNodes with their keys).
 */
import assert from "node:assert/strict";
import { parseConfig } from "../node/config/parse_config.ts";
import type { Block } from "../node/chain/block.ts";
import type { ChainParams } from "../node/chain/params.ts";
import { stateKey } from "../node/chain/state.ts";
import { toSignedTxJson, type Tx } from "../node/chain/transaction.ts";
import { computeInitialPowState, computeNextPowState } from "../node/consensus/pow.ts";
import { getProposer } from "../node/consensus/proposer.ts";
import { signProposal, signVote, type Vote } from "../node/consensus/votes.ts";
import { verifyWebCrypto } from "../node/crypto/ed25519.ts";
import { sha256 } from "../node/crypto/sha256.ts";
import { createLogger } from "../node/log/logger.ts";
import { createP2PNode, type P2PNode } from "../node/p2p/p2p_node.ts";
import { GridNode } from "../node/runtime/grid_node.ts";
import { loadWallet } from "../node/runtime/keys.ts";
import {
  decodeVoteMessage,
  encodeBlocksMessage,
  encodeVoteMessage,
} from "../node/runtime/wire_messages.ts";
import { ChainStore } from "../node/storage/chain_store.ts";
import { kvKey } from "../node/storage/kv_layout.ts";
import {
  computePowStateAtBoot,
  loadPowStateRecord,
  savePowStateRecord,
} from "../node/storage/pow_state_record.ts";
import {
  loadLockedBlock,
  loadSignedRecord,
  type SignedRecord,
} from "../node/storage/signing_record.ts";
import {
  networkConfigToml,
  type NetworkNode,
  removeDirs,
  startNetworkNode,
  validatorWallet,
  writeNodeKey,
} from "./helpers/network.ts";
import { authorityActionSigner } from "./helpers/authority_actions.ts";
import {
  signWith,
  startTestNode,
  TEST_NETWORK_ID,
  TEST_PASSPHRASE,
  waitFor,
} from "./helpers/test_node.ts";

const BLOCK_MS = 1000;

/** An unstarted node with validator `key`'s key, to build its blocks at height 1. */
async function openBuilder(key: number): Promise<{ node: GridNode; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "gtx-builder-" });
  Deno.env.set("GRIDTOKENX_PASSPHRASE", TEST_PASSPHRASE);
  await writeNodeKey(dir, key);
  const cfg = parseConfig(
    networkConfigToml({ dataDir: dir, validators: 4, key, blockTimeMs: BLOCK_MS }),
    `${dir}/config.toml`,
  );
  const log = createLogger({ level: "error", format: "json", console: false });
  return { node: await GridNode.open(cfg, log), dir };
}

/** Publishes until at least one peer got it (the gossip mesh may still be forming). */
async function publish(p2p: P2PNode, topic: "votes" | "blocks", bytes: Uint8Array) {
  await waitFor(async () => (await p2p.publish(topic, bytes).catch(() => 0)) > 0, 10_000, topic);
}

function vote(i: number, type: Vote["type"], round: number, blockHash: string | null): Vote {
  const w = validatorWallet(i);
  return signVote(
    { type, networkId: TEST_NETWORK_ID, height: 1, round, blockHash, validator: w.publicKeyHex },
    w.sign,
  );
}

Deno.test({
  name:
    "a validator restarted while locked keeps its lock, re-gossips its proof and the locked block",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dirs: string[] = [];
    let node: NetworkNode | null = null;
    const others = await createP2PNode({
      networkId: TEST_NETWORK_ID,
      identitySecretKey: sha256(new TextEncoder().encode("lock test peer")),
      signingKey: { publicKey: validatorWallet(1).publicKey, sign: validatorWallet(1).sign },
      verify: (pub, msg, sig) => verifyWebCrypto(sig, msg, pub),
    });
    const received: Vote[] = [];
    others.onMessage("votes", (m) => {
      received.push(decodeVoteMessage(m.payload));
      return "accept";
    });
    try {
      node = await startNetworkNode({ validators: 4, key: 0, blockTimeMs: BLOCK_MS });
      dirs.push(node.dataDir);
      const dataDir = node.dataDir;
      const gridNode = () => node!.running.node;
      const set = gridNode().getValidatorSet();
      const genesis = gridNode().head.hash;
      const proposerOf = (round: number) => {
        const pk = getProposer(set, genesis, 1, round).publicKey;
        return [0, 1, 2, 3].find((i) => validatorWallet(i).publicKeyHex === pk)!;
      };
      const roundOfOther = (from: number) => {
        for (let r = from;; r++) if (proposerOf(r) !== 0) return r;
      };
      const sendProposal = async (round: number, block: Block, hash: string) => {
        const w = validatorWallet(proposerOf(round));
        const proposal = signProposal({
          networkId: TEST_NETWORK_ID,
          height: 1,
          round,
          polRound: -1,
          blockHash: hash,
          proposer: w.publicKeyHex,
        }, w.sign);
        await publish(others, "blocks", encodeBlocksMessage({ kind: "proposal", proposal, block }));
      };

      // Blocks A and B at height 1 from the proposers of two rounds (different timestamps).
      const rA = roundOfOther(1);
      const builderA = await openBuilder(proposerOf(rA));
      dirs.push(builderA.dir);
      const a = (await builderA.node.buildProposal())!;
      await builderA.node.stop();

      await others.start();
      await others.dial(node.addresses[0]!);
      await new Promise((r) => setTimeout(r, 1500)); // gossipsub mesh forms

      // Round rA: the proposal of A, then prevotes for A from validators 1 and 2
      // (+1/3: validator 0 jumps to rA; with its own prevote, +2/3: it locks on A).
      await sendProposal(rA, a.block, a.hash);
      await publish(others, "votes", encodeVoteMessage(vote(1, "prevote", rA, a.hash)));
      await publish(others, "votes", encodeVoteMessage(vote(2, "prevote", rA, a.hash)));
      await waitFor(
        () => gridNode().driver!.engineStatus().lockedBlockHash === a.hash,
        15_000,
        "validator 0 locked on A",
      );
      assert.equal(gridNode().driver!.engineStatus().lockedRound, rA);
      // The lock is in KV with the precommit that created it.
      const rec = await waitFor(
        async () => {
          const r = await loadSignedRecord(gridNode().store.kv);
          return r?.entries.some((e) => e.step === 2 && e.round === rA) ? r : null;
        },
        5_000,
        "precommit recorded",
      ) as SignedRecord;
      assert.equal(rec.height, 1);
      assert.ok(rec.entries.some((e) => e.step === 2 && e.round === rA && e.blockHash === a.hash));
      assert.equal(rec.lock?.lockedBlockHash, a.hash);
      assert.equal(rec.lock?.lockedRound, rA);
      // With the prevotes that justify it (validators 0, 1 and 2), in the same record.
      assert.deepEqual(
        rec.lock?.polPrevotes?.map((p) => p.validator).sort(),
        [0, 1, 2].map((i) => validatorWallet(i).publicKeyHex).sort(),
      );
      // The locked block is written once the height stays undecided a precommit timeout.
      await waitFor(
        async () => (await loadLockedBlock(gridNode().store.kv, a.hash)) !== null,
        10_000,
        "locked block saved",
      );
      assert.equal(gridNode().head.header.height, 0, "nothing committed (no precommits of others)");

      // Restart on the same data dir.
      await node.stop();
      node = await startNetworkNode({ validators: 4, key: 0, blockTimeMs: BLOCK_MS, dataDir });
      const st = gridNode().driver!.engineStatus();
      assert.equal(st.height, 1);
      assert.equal(st.lockedBlockHash, a.hash, "lock restored");
      assert.equal(st.lockedRound, rA);
      assert.ok(st.round > rA, `resumed past the signed rounds, at ${st.round}`);

      // A later round proposes another valid block B: validator 0 prevotes nil.
      const rB = roundOfOther(st.round);
      const builderB = await openBuilder(proposerOf(rB));
      dirs.push(builderB.dir);
      await new Promise((r) => setTimeout(r, 5));
      const b = (await builderB.node.buildProposal())!;
      await builderB.node.stop();
      assert.notEqual(b.hash, a.hash);
      received.length = 0;
      await others.dial(node.addresses[0]!);
      // The restarted node gossips its proof-of-lock again each round: the round-rA
      // prevotes for A, its own and those of validators 1 and 2.
      const relayed = (i: number) =>
        received.some((v) =>
          v.type === "prevote" && v.round === rA && v.blockHash === a.hash &&
          v.validator === validatorWallet(i).publicKeyHex
        );
      await waitFor(() => relayed(0) && relayed(1) && relayed(2), 20_000, "POL re-gossiped");
      await sendProposal(rB, b.block, b.hash);
      await publish(others, "votes", encodeVoteMessage(vote(1, "prevote", rB, null)));
      await publish(others, "votes", encodeVoteMessage(vote(2, "prevote", rB, null)));
      const prevoteAt = async (round: number) =>
        (await loadSignedRecord(gridNode().store.kv))?.entries.find((e) =>
          e.step === 1 && e.round === round
        );
      const pv = await waitFor(() => prevoteAt(rB), 15_000, `prevote of round ${rB}`);
      assert.equal(pv?.blockHash, null, "locked on A: no prevote for B");
      const after = await loadSignedRecord(gridNode().store.kv);
      for (const e of after!.entries) {
        if (e.step === 1 && e.round > rA) {
          assert.ok(e.blockHash === null || e.blockHash === a.hash, `prevote ${e.round}`);
        }
      }

      // Precommits for A of round rA from 1, 2 and 3 (validator 0's own was counted by the
      // engine before the restart only): A is final. Nobody re-sent block A: the node
      // commits the locked block it restored from KV.
      for (const i of [1, 2, 3]) {
        await publish(others, "votes", encodeVoteMessage(vote(i, "precommit", rA, a.hash)));
      }
      await waitFor(() => gridNode().head.header.height === 1, 15_000, "A committed");
      assert.equal(gridNode().head.hash, a.hash);
      await waitFor(() => gridNode().driver!.engineStatus().height === 2, 10_000, "height 2");
      assert.equal(gridNode().driver!.engineStatus().lockedBlockHash, null, "lock cleared");
    } finally {
      await others.stop().catch(() => {});
      await node?.stop().catch(() => {});
      await removeDirs(dirs);
    }
  },
});

Deno.test({
  name: "PowState is persisted with the head: boot reads one header, equal to the full fold",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "gtx-pow-" });
    try {
      let node = await startTestNode({ dataDir, blockTimeMs: 200, keepDataDir: true });
      const mea = await loadWallet(`${dataDir}/keys/authority-MEA.json`, TEST_PASSPHRASE);
      let nonce = 0;
      const expiresAtMs = Date.now() + 120_000;
      const post = async (tx: Tx) => {
        const res = await fetch(`${node.baseUrl}/api/v1/transactions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(toSignedTxJson(tx)),
        });
        assert.equal(res.status, 202, await res.text());
      };
      const owner = validatorWallet(0).address;
      const act = authorityActionSigner(mea, { expiresAtMs, nextNonce: () => nonce++ });
      await post(act("register_participant", { address: owner, location: "BKK-01-SUB001" }));
      await post(act("register_meter", {
        meterId: "MTR-POW-1",
        owner,
        location: "BKK-01-SUB001",
        source: "solar",
      }));
      // Meter readings one after another: several sealed blocks (difficulty moves).
      for (let i = 1; i <= 4; i++) {
        const h = node.running.node.head.header.height;
        await post(signWith(mea, {
          kind: "meter_reading",
          nonce: nonce++,
          feeSatang: 1,
          expiresAtMs,
          payload: {
            meterId: "MTR-POW-1",
            totalWh: 1000 * i,
            readAtMs: Date.now() - 1000,
            location: "BKK-01-SUB001",
          },
        }));
        await waitFor(() => node.running.node.head.header.height > h + 1, 15_000, "next block");
      }
      await waitFor(() => node.running.node.head.header.height >= 12, 20_000, "12 blocks");
      // Read after stop: a block in flight may still commit while the node stops.
      await node.stop();
      const live = node.running.node.powState;
      const head = node.running.node.head;
      const kvPath = node.running.node.config.storage.kv_path;

      const store = await ChainStore.open(kvPath);
      let sealed = 0;
      try {
        const params = (await store.loadState()).get(stateKey.params()) as ChainParams;
        let fold = computeInitialPowState(params);
        for (let h = 1; h <= head.header.height; h++) {
          const rec = (await store.getBlockRecord(h))!;
          if (rec.header.difficulty > 0) sealed++;
          fold = computeNextPowState(fold, rec.header, params);
        }
        assert.ok(sealed >= 2, `sealed blocks: ${sealed}`);
        assert.deepEqual(live, fold);
        const rec = await loadPowStateRecord(store.kv);
        assert.equal(rec?.height, head.header.height);
        assert.equal(rec?.hash, head.hash);

        // Boot: one block record read (the hash check), the fold's result.
        const boot = await computePowStateAtBoot(store, head.header.height, params);
        assert.deepEqual(boot.pow, fold);
        assert.equal(boot.fromHeight, head.header.height);
        assert.equal(boot.headersRead, 1);

        // A record behind the head (crash before it was written): folds the rest.
        let behind = computeInitialPowState(params);
        for (let h = 1; h <= head.header.height - 3; h++) {
          behind = computeNextPowState(behind, (await store.getBlockRecord(h))!.header, params);
        }
        const hBehind = head.header.height - 3;
        await savePowStateRecord(store.kv, {
          height: hBehind,
          hash: (await store.getBlockRecord(hBehind))!.hash,
          pow: behind,
        });
        const resumed = await computePowStateAtBoot(store, head.header.height, params);
        assert.deepEqual(resumed.pow, fold);
        assert.equal(resumed.fromHeight, hBehind);
        assert.equal(resumed.headersRead, 4);

        // A record of another chain (wrong hash), or none (older stores): the full fold.
        await savePowStateRecord(store.kv, { height: 2, hash: "00".repeat(32), pow: behind });
        const foreign = await computePowStateAtBoot(store, head.header.height, params);
        assert.deepEqual(foreign.pow, fold);
        assert.equal(foreign.fromHeight, 0);
        await store.kv.delete(kvKey.powState());
        const none = await computePowStateAtBoot(store, head.header.height, params);
        assert.deepEqual(none.pow, fold);
        assert.equal(none.headersRead, head.header.height);
      } finally {
        store.close();
      }

      // The node boots from a store without the record, and writes it again.
      node = await startTestNode({ dataDir, blockTimeMs: 200, keepDataDir: true });
      assert.deepEqual(node.running.node.powState, live);
      const h0 = node.running.node.head.header.height;
      await waitFor(() => node.running.node.head.header.height > h0 + 1, 10_000, "new blocks");
      await node.stop();
    } finally {
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
