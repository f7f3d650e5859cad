import assert from "node:assert/strict";
import type { BlockHeader } from "../chain/block.ts";
import type { ChainParams } from "../chain/params.ts";
import {
  checkBlockSeal,
  computeInitialPowState,
  computeNextPowState,
  computePowHash,
  computePowTargetMs,
  computePreSealHash,
  countLeadingZeroBits,
  isValidSeal,
  MAX_DIFFICULTY_BITS,
  meetsDifficulty,
  MIN_DIFFICULTY_BITS,
  mineSealInline,
  type PowState,
} from "./pow.ts";
import vectors from "../../tests/vectors/consensus/pow_seal.json" with { type: "json" };

const params = {
  consensus: { blockTimeMs: 2000, powTargetFractionBps: 2500, powInitialDifficultyBits: 12 },
} as unknown as ChainParams;

function header(over: Partial<BlockHeader> = {}): BlockHeader {
  return {
    version: 1,
    networkId: 7,
    height: 3,
    prevHash: "11".repeat(32),
    timestampMs: 1_767_225_600_000,
    proposer: "22".repeat(32),
    txRoot: "33".repeat(32),
    stateRoot: "44".repeat(32),
    txCount: 1,
    difficulty: 0,
    seal: "",
    ...over,
  };
}

Deno.test("pow: leading zero bits and difficulty checks agree", () => {
  const h = new Uint8Array(32);
  assert.equal(countLeadingZeroBits(h), 256);
  h[1] = 0x10;
  assert.equal(countLeadingZeroBits(h), 11);
  assert.ok(meetsDifficulty(h, 11));
  assert.ok(!meetsDifficulty(h, 12));
  for (let n = 0; n < 200; n++) {
    const hash = computePowHash(new Uint8Array(32).fill(7), n);
    for (const d of [1, 3, 8, 9]) {
      assert.equal(meetsDifficulty(hash, d), countLeadingZeroBits(hash) >= d);
    }
  }
});

Deno.test("pow: a mined seal is valid; tampering breaks it", () => {
  const base = header({ difficulty: 10 });
  const nonce = mineSealInline(computePreSealHash(base), 10)!;
  const sealed = { ...base, seal: String(nonce) };
  assert.ok(isValidSeal(sealed));
  assert.ok(!isValidSeal({ ...sealed, seal: "0" + sealed.seal }), "leading zero");
  assert.ok(!isValidSeal({ ...sealed, seal: "" }));
  assert.ok(!isValidSeal({ ...sealed, seal: "1e3" }));
  assert.ok(isValidSeal(header()), "unsealed block with difficulty 0");
  assert.ok(!isValidSeal(header({ seal: "5" })), "difficulty 0 needs an empty seal");
});

Deno.test("pow: seal vectors", () => {
  for (const v of vectors.cases) {
    const h = v.header as BlockHeader;
    assert.equal(
      computePreSealHash(h).reduce((s, b) => s + b.toString(16).padStart(2, "0"), ""),
      v.preSealHash,
    );
    assert.equal(isValidSeal(h), v.valid, v.name);
  }
});

Deno.test("pow: checkBlockSeal requires a seal iff energy transactions", () => {
  const state = computeInitialPowState(params);
  const base = header({ difficulty: state.difficultyBits });
  const sealed = {
    ...base,
    seal: String(mineSealInline(computePreSealHash(base), base.difficulty)),
  };
  checkBlockSeal(sealed, ["energy_order"], state);
  checkBlockSeal(header(), ["transfer"], state);
  assert.throws(
    () => checkBlockSeal(header(), ["meter_reading"], state),
    /BAD_DIFFICULTY|requires/,
  );
  assert.throws(() => checkBlockSeal(sealed, ["transfer"], state), /requires 0/);
  assert.throws(
    () =>
      checkBlockSeal({ ...sealed, seal: String(Number(sealed.seal) + 1) }, ["cancel_order"], state),
    (e: Error & { code?: string }) => e.code === "BAD_SEAL",
  );
});

Deno.test("pow: retarget moves at most one bit per sealed block and stays in bounds", () => {
  const target = computePowTargetMs(params);
  assert.equal(target, 500);
  let s: PowState = computeInitialPowState(params);
  let t = 0;
  const step = (sealed: boolean, gapMs: number) => {
    t += gapMs;
    const before = s.difficultyBits;
    s = computeNextPowState(s, header({ timestampMs: t, difficulty: sealed ? before : 0 }), params);
    assert.ok(Math.abs(s.difficultyBits - before) <= 1);
    assert.ok(s.difficultyBits >= MIN_DIFFICULTY_BITS && s.difficultyBits <= MAX_DIFFICULTY_BITS);
  };
  // Fast sealing: difficulty rises one bit per sealed block, never beyond the cap.
  for (let i = 0; i < 100; i++) {
    step(true, 1);
  }
  assert.equal(s.difficultyBits, MAX_DIFFICULTY_BITS);
  // Slow sealing: it falls, never below the floor.
  for (let i = 0; i < 100; i++) step(true, 5 * target);
  assert.equal(s.difficultyBits, MIN_DIFFICULTY_BITS);
  // In the band (target, 2 x target]: unchanged.
  s = { difficultyBits: 20, sealedParentTimestampMs: null };
  step(true, 2000);
  step(false, 700);
  assert.equal(s.difficultyBits, 20);
  // Unsealed blocks never change it.
  for (let i = 0; i < 10; i++) step(false, 1);
  assert.equal(s.difficultyBits, 20);
  // A sealed block's own timestamp does not change its own required difficulty.
  step(true, 1);
  assert.equal(s.difficultyBits, 20);
});
