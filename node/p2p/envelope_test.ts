import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { encode } from "cborg";
import {
  checkEnvelope,
  computeSigningBytes,
  createEnvelope,
  decodeEnvelope,
  encodeEnvelope,
  type EnvelopeSigner,
} from "./envelope.ts";
import { P2PError } from "./errors.ts";

ed.hashes.sha512 = sha512;

const SEED = new Uint8Array(32).fill(1);
const signer: EnvelopeSigner = {
  publicKey: ed.getPublicKey(SEED),
  sign: (bytes) => ed.sign(bytes, SEED),
};
const verify = (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array) =>
  Promise.resolve(ed.verify(sig, msg, pub));
const TOPIC = "/gridtokenx/7/tx/1";
const NOW_MS = 1_700_000_000_000;
const ctx = { networkId: 7, topic: TOPIC, maxMessageBytes: 1024, nowMs: NOW_MS, verify };

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("computeSigningBytes is byte-exact (test vector)", () => {
  const bytes = computeSigningBytes(7, TOPIC, NOW_MS, new Uint8Array([0xaa, 0xbb]));
  const expected = hex(new TextEncoder().encode("gridtokenx/p2p/v1")) +
    "00000007" + "0012" + hex(new TextEncoder().encode(TOPIC)) +
    "0000018bcfe56800" + "aabb";
  assert.equal(hex(bytes), expected);
});

Deno.test("envelope round-trips and verifies", async () => {
  const payload = new Uint8Array([1, 2, 3]);
  const bytes = await createEnvelope({
    networkId: 7,
    topic: TOPIC,
    payload,
    sentAtMs: NOW_MS,
    signer,
  });
  const envelope = decodeEnvelope(bytes);
  assert.deepEqual(envelope.payload, payload);
  assert.equal(envelope.sentAtMs, NOW_MS);
  assert.deepEqual(encodeEnvelope(envelope), bytes);
  const check = await checkEnvelope(bytes, ctx);
  assert.equal(check.kind, "valid");
});

Deno.test("checkEnvelope classifies bad input", async () => {
  const payload = new Uint8Array([9]);
  const good = await createEnvelope({
    networkId: 7,
    topic: TOPIC,
    payload,
    sentAtMs: NOW_MS,
    signer,
  });

  const tampered = decodeEnvelope(good);
  tampered.payload = new Uint8Array([8]);
  const bad = await checkEnvelope(encodeEnvelope(tampered), ctx);
  assert.deepEqual(bad.kind === "offence" && bad.offence, "invalid_signature");

  const otherNet = await checkEnvelope(good, { ...ctx, networkId: 8 });
  assert.deepEqual(otherNet.kind === "offence" && otherNet.offence, "invalid_signature");

  const big = await checkEnvelope(good, { ...ctx, maxMessageBytes: 10 });
  assert.deepEqual(big.kind === "offence" && big.offence, "oversized");

  const garbage = await checkEnvelope(new Uint8Array([0xff, 0x00]), ctx);
  assert.deepEqual(garbage.kind === "offence" && garbage.offence, "malformed");

  const wrongTopic = await checkEnvelope(good, { ...ctx, topic: "/gridtokenx/7/votes/1" });
  assert.deepEqual(wrongTopic.kind === "offence" && wrongTopic.offence, "malformed");

  assert.equal((await checkEnvelope(good, { ...ctx, nowMs: NOW_MS + 600_000 })).kind, "stale");
  assert.equal((await checkEnvelope(good, { ...ctx, nowMs: NOW_MS - 120_000 })).kind, "stale");
});

Deno.test("decodeEnvelope rejects wrong shapes and non-canonical encodings", () => {
  const pub = new Uint8Array(32);
  const sig = new Uint8Array(64);
  const cases: unknown[] = [
    [2, TOPIC, pub, 1, new Uint8Array(), sig],
    [1, TOPIC, new Uint8Array(31), 1, new Uint8Array(), sig],
    [1, TOPIC, pub, -1, new Uint8Array(), sig],
    [1, TOPIC, pub, 1, "text", sig],
    [1, TOPIC, pub, 1, new Uint8Array(), new Uint8Array(63)],
    [1, TOPIC, pub, 1, new Uint8Array()],
    { version: 1 },
  ];
  for (const value of cases) {
    assert.throws(
      () => decodeEnvelope(encode(value)),
      (err: unknown) => err instanceof P2PError && err.code === "MALFORMED_ENVELOPE",
    );
  }
  // Version 1 written as a 2-byte integer (0x18 0x01) is valid CBOR but not canonical.
  const canonical = encodeEnvelope({
    version: 1,
    topic: TOPIC,
    senderPublicKey: pub,
    sentAtMs: 1,
    payload: new Uint8Array(),
    signature: sig,
  });
  const nonCanonical = new Uint8Array([canonical[0]!, 0x18, 0x01, ...canonical.subarray(2)]);
  assert.throws(() => decodeEnvelope(nonCanonical), P2PError);
});

Deno.test("full envelope test vector (documented in docs/p2p.md)", async () => {
  const bytes = await createEnvelope({
    networkId: 7,
    topic: TOPIC,
    payload: new Uint8Array([0xaa, 0xbb]),
    sentAtMs: NOW_MS,
    signer,
  });
  assert.equal(
    hex(bytes),
    "8601722f67726964746f6b656e782f372f74782f315820" +
      "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c" +
      "1b0000018bcfe5680042aabb5840" +
      "8e00a4724b0a31165d1d5386843a2b5c8007db12971b4078917dfe2b3ed173a2" +
      "f50a78b2f8ed567eb76d2bd5e7e0676827ebf1dbb5fb36ad0dfb31fd48af6505",
  );
});
