/**
 * Helpers for p2p end-to-end tests: Ed25519 keys via @noble/ed25519, node
 * factories on 127.0.0.1 port 0, polling with deadlines.
 * @module
 */

import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { createP2PNode, type P2PNode, type P2PNodeOptions } from "../node/p2p/p2p_node.ts";
import type { EnvelopeSigner } from "../node/p2p/envelope.ts";

ed.hashes.sha512 = sha512;

/** Test network id. */
export const TEST_NETWORK_ID = 4242;

/** Ed25519 verify for envelopes. */
export function verifyEd25519(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  return Promise.resolve(ed.verify(signature, message, publicKey));
}

/** Deterministic 32-byte seed from a small number. */
export function seedOf(n: number): Uint8Array {
  const seed = new Uint8Array(32);
  seed[0] = n & 0xff;
  seed[1] = 0x5a;
  return seed;
}

/** Honest signer from a seed. */
export function signerOf(seed: Uint8Array): EnvelopeSigner {
  return { publicKey: ed.getPublicKey(seed), sign: (bytes) => ed.sign(bytes, seed) };
}

/** Signer that produces invalid signatures (a malicious or broken peer). */
export function badSignerOf(seed: Uint8Array): EnvelopeSigner {
  return { publicKey: ed.getPublicKey(seed), sign: () => new Uint8Array(64).fill(7) };
}

/** Creates and starts a node with test defaults; `n` picks seeds. */
export async function startNode(
  n: number,
  overrides: Partial<P2PNodeOptions> = {},
): Promise<P2PNode> {
  const node = await createP2PNode({
    networkId: TEST_NETWORK_ID,
    port: 0,
    identitySecretKey: seedOf(n),
    signingKey: signerOf(seedOf(100 + n)),
    verify: verifyEd25519,
    reconnectIntervalMs: 500,
    ...overrides,
  });
  await node.start();
  return node;
}

/** Polls `predicate` every 50 ms until true or `timeoutMs` passes (then throws). */
export async function waitFor(
  what: string,
  predicate: () => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sleeps for `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `node` sees `count` gossip peers subscribed to all topics, via peerCount. */
export async function waitForPeers(node: P2PNode, count: number, timeoutMs = 10_000) {
  await waitFor(
    `${node.peerId} to have ${count} peers`,
    () => node.peerCount() >= count,
    timeoutMs,
  );
}

/** Stops every node, ignoring errors, so a failing test still frees ports. */
export async function stopAll(nodes: P2PNode[]): Promise<void> {
  await Promise.allSettled(nodes.map((node) => node.stop()));
}
