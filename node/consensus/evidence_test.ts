import assert from "node:assert/strict";
import { computeGenesis } from "../chain/genesis.ts";
import type { ChainParams } from "../chain/params.ts";
import { MemoryState, stateKey, StateOverlay } from "../chain/state.ts";
import { applyTransaction, type BlockContext } from "../chain/transition.ts";
import { signTransaction, type TxBody } from "../chain/transaction.ts";
import { makeKeys, type SimKey } from "../../tests/consensus_sim.ts";
import { sign } from "../crypto/ed25519.ts";
import { computeValidatorSet } from "./validator_set.ts";
import { signVote, type Vote } from "./votes.ts";
import { chainParamsFromConfig } from "../config/chain_params.ts";
import { parseConfig } from "../config/parse_config.ts";
import "./register.ts";

const keys = makeKeys(6);
const [v0, v1, v2, reporter, a0, a1] = keys as [SimKey, SimKey, SimKey, SimKey, SimKey, SimKey];
const STAKE = 2_000_000_000;

function setup(): { state: MemoryState; params: ChainParams } {
  const params = chainParamsFromConfig(parseConfig("", "/x/config.toml"));
  const g = computeGenesis({
    networkId: 7,
    networkName: "test",
    timestampMs: 0,
    params,
    accounts: [reporter, v1].map((k) => ({
      address: k.address,
      balanceSatang: 10_000_000_000,
      energyWh: 0,
    })),
    validators: [v0, v1, v2].map((k) => ({ publicKey: k.publicKey, stakeSatang: STAKE })),
    authorities: [a0, a1].map((k, i) => ({
      name: `A${i}`,
      publicKey: k.publicKey,
      serviceArea: [],
    })),
  });
  const state = new MemoryState();
  state.apply(g.changes);
  return { state, params };
}

function ctx(params: ChainParams, height: number): BlockContext {
  return {
    networkId: 7,
    height,
    timestampMs: 1000 * height,
    proposerAddress: v0.address,
    params,
    scratch: new Map(),
    services: {},
  };
}

function vote(k: SimKey, blockHash: string | null, height = 3): Vote {
  return signVote(
    { type: "precommit", networkId: 7, height, round: 1, blockHash, validator: k.publicKey },
    (b) => sign(b, k.secret),
  );
}

function tx(sender: SimKey, nonce: number, kind: TxBody["kind"], payload: unknown) {
  return signTransaction(
    {
      kind,
      networkId: 7,
      from: sender.publicKey,
      nonce,
      feeSatang: 1,
      expiresAtMs: 10_000_000,
      payload,
    } as TxBody,
    (b) => sign(b, sender.secret),
  );
}

Deno.test("validator set: stake and authority power from genesis state", () => {
  const { state, params } = setup();
  const set = computeValidatorSet(state);
  assert.equal(set.validators.length, 3);
  assert.equal(set.totalStakeSatang, 3 * STAKE);
  // 25% of the stake split over two authorities.
  assert.equal(set.authorities.length, 2);
  assert.equal(
    set.getPower(a0.publicKey),
    (3 * STAKE * params.consensus.authorityVotingPowerBps) / 10_000 / 2,
  );
  assert.equal(set.totalPower, 3 * STAKE * 1.25);
  assert.ok(!set.isValidator(a0.publicKey));
});

Deno.test("staking to the minimum joins the set; unstaking below it leaves", () => {
  const { state, params } = setup();
  const o = new StateOverlay(state);
  const min = params.consensus.minValidatorStakeSatang;
  applyTransaction(o, tx(reporter, 0, "stake", { amountSatang: min - 1 }), ctx(params, 5));
  assert.equal(computeValidatorSet(o).validators.length, 3);
  applyTransaction(o, tx(reporter, 1, "stake", { amountSatang: 1 }), ctx(params, 5));
  assert.equal(computeValidatorSet(o).validators.length, 4);
  applyTransaction(o, tx(reporter, 2, "unstake", { amountSatang: 1 }), ctx(params, 6));
  assert.equal(computeValidatorSet(o).validators.length, 3);
});

Deno.test("evidence slashes, jails once, and cannot be reused", () => {
  const { state, params } = setup();
  const o = new StateOverlay(state);
  const payload = { voteA: vote(v1, "aa".repeat(32)), voteB: vote(v1, null) };
  applyTransaction(o, tx(reporter, 0, "evidence", payload), ctx(params, 10));
  const slashed = (STAKE * params.consensus.slashFractionBps) / 10_000;
  assert.equal(o.getAccount(v1.address).stakeSatang, STAKE - slashed);
  assert.ok(o.get(stateKey.jailed(v1.address)) !== undefined);
  const set = computeValidatorSet(o);
  assert.equal(set.validators.length, 2);
  assert.ok(!set.isVoter(v1.publicKey));
  assert.throws(
    () => applyTransaction(o, tx(reporter, 1, "evidence", payload), ctx(params, 11)),
    /already punished/,
  );
  // A jailed address cannot rejoin by staking.
  applyTransaction(o, tx(v1, 0, "stake", { amountSatang: STAKE }), ctx(params, 12));
  assert.ok(!computeValidatorSet(o).isVoter(v1.publicKey));
});

Deno.test("evidence: bad structure, bad signature, too old are rejected", () => {
  const { state, params } = setup();
  const o = new StateOverlay(state);
  const bad = [
    { voteA: vote(v1, "aa".repeat(32)), voteB: vote(v2, null) },
    { voteA: vote(v1, "aa".repeat(32)), voteB: vote(v1, "aa".repeat(32)) },
    {
      voteA: vote(v1, "aa".repeat(32)),
      voteB: { ...vote(v1, null), signature: vote(v2, null).signature },
    },
    { voteA: vote(v1, "aa".repeat(32), 12), voteB: vote(v1, null, 12) },
  ];
  const codes = bad.map((p, i) => {
    try {
      applyTransaction(o, tx(reporter, 0, "evidence", p), ctx(params, i === 3 ? 12 : 10));
      return "applied";
    } catch (e) {
      return (e as { code: string }).code;
    }
  });
  assert.deepEqual(codes, ["BAD_EVIDENCE", "BAD_EVIDENCE", "BAD_SIGNATURE", "BAD_EVIDENCE"]);
  const old = { voteA: vote(v1, "aa".repeat(32), 1), voteB: vote(v1, null, 1) };
  assert.throws(
    () =>
      applyTransaction(
        o,
        tx(reporter, 0, "evidence", old),
        ctx(params, 1 + params.consensus.unbondingBlocks + 1),
      ),
    /older than/,
  );
});
